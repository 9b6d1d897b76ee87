// The control channel's connection loop: connect, hello, welcome, then a reader (here) and
// a writer coroutine per connection; on a drop, back off and reconnect with the resume key.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include "control_channel_impl.hpp"
#include "lectern/client/backoff.hpp"
#include "lectern/net/use_tuple.hpp"

namespace lectern::client {
namespace {

using boost::system::error_code;
using tcp = asio::ip::tcp;
using lectern::net::k_use;

// An object's full state is at most 1 MiB (docs/control-protocol.md, "Limits"); the
// envelope and JSON escaping need some room on top.
constexpr std::size_t k_max_incoming_frame = 2 * 1024 * 1024;

// Close codes after which trying again cannot help (docs/control-protocol.md, "Joining").
bool is_refusal(int code) {
  return code == 4001 || code == 4003 || code == 4004;
}

std::string close_text(int code) {
  switch (code) {
    case 4001:
      return "unauthorized (wrong or expired token)";
    case 4003:
      return "the room is full";
    case 4004:
      return "no such room";
    case 4008:
      return "too many messages (rate limit)";
    case 4009:
      return "too slow (the server's send queue overflowed)";
    default:
      return concat("closed by the server (code ", std::to_string(code), ")");
  }
}

}  // namespace

asio::awaitable<void> control_channel::impl::run() {
  auto self = shared_from_this();  // keeps the impl alive while the loop runs
  while (!stopped_) {
    disconnect_info info = co_await session();
    conn_.reset();
    live_ = false;
    if (stopped_) break;  // stop() promises silence afterwards
    info.will_retry = info.will_retry && !terminal_;
    notify_disconnected(info);
    if (!info.will_retry) break;
    const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    retry_.expires_after(
        backoff_delay(attempt_++, options_.backoff_initial, options_.backoff_max, unit));
    co_await retry_.async_wait(k_use);
  }
}

asio::awaitable<disconnect_info> control_channel::impl::session() {
  auto c = std::make_shared<control_connection>(strand_);
  conn_ = c;
  if (auto failed = co_await open(*c)) co_return *failed;

  beast::flat_buffer buffer;
  // Until welcome only "error" frames are expected; they explain the close that follows.
  while (!live_) {
    auto [ec, n] = co_await c->ws.async_read(buffer, k_use);
    if (ec) co_return ended(*c, ec);
    const std::string text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    const auto frame = nlohmann::json::parse(text, nullptr, false);
    if (frame.is_object() && frame.value("op", nlohmann::json()) == "welcome") {
      if (!handle_welcome(frame)) co_return disconnect_info{"malformed welcome", 0, true};
    } else {
      handle(text);
    }
  }
  resubscribe_all();
  asio::co_spawn(strand_, writer(c), asio::detached);

  disconnect_info info;
  for (;;) {
    auto [ec, n] = co_await c->ws.async_read(buffer, k_use);
    if (ec) {
      info = ended(*c, ec);
      break;
    }
    handle(beast::buffers_to_string(buffer.data()));
    buffer.consume(buffer.size());
  }
  live_ = false;
  c->over = true;
  c->wake.cancel();
  beast::get_lowest_layer(c->ws).close();  // a writer in the middle of a write fails now
  co_return info;
}

asio::awaitable<std::optional<disconnect_info>> control_channel::impl::open(control_connection& c) {
  const std::string where = concat("ws://", host_and_port(url_->host, url_->port));
  tcp::resolver resolver(strand_);
  auto [rec, endpoints] = co_await resolver.async_resolve(url_->host, url_->port, k_use);
  if (rec) co_return disconnect_info{concat("cannot find host ", url_->host), 0, true};
  if (stopped_) co_return disconnect_info{"stopped", 0, false};

  auto& tcp_layer = beast::get_lowest_layer(c.ws);
  tcp_layer.expires_after(options_.connect_timeout);
  auto [cec, ep] = co_await tcp_layer.async_connect(endpoints, k_use);
  if (cec)
    co_return disconnect_info{concat("cannot connect to ", where, ": ", cec.message()), 0, true};
  tcp_layer.expires_never();  // the WebSocket's own timeouts take over

  websocket::stream_base::timeout timeouts;
  timeouts.handshake_timeout = options_.connect_timeout;
  timeouts.idle_timeout = options_.idle_timeout;
  timeouts.keep_alive_pings = true;  // a ping at half the idle time proves the link alive
  c.ws.set_option(timeouts);
  c.ws.read_message_max(k_max_incoming_frame);
  c.ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(beast::http::field::user_agent, "lectern-client");
  }));
  auto [hec] =
      co_await c.ws.async_handshake(host_and_port(url_->host, url_->port), url_->target, k_use);
  if (hec) {
    co_return disconnect_info{
        concat("WebSocket handshake with ", where, " failed: ", hec.message()), 0, true};
  }
  c.ws.text(true);

  nlohmann::json hello{{"op", "hello"}, {"name", options_.name}};
  if (!token_.empty()) hello["token"] = token_;
  if (!session_key_.empty()) hello["resume"] = session_key_;
  const std::string text = serialize(hello);
  auto [wec, wn] = co_await c.ws.async_write(asio::buffer(text), k_use);
  if (wec) co_return ended(c, wec);
  last_error_.clear();
  co_return std::nullopt;
}

asio::awaitable<void> control_channel::impl::writer(std::shared_ptr<control_connection> c) {
  auto self = shared_from_this();
  while (!c->over) {
    if (stopped_) {
      // Beast allows one write-side operation at a time, so the close is sent from here.
      co_await c->ws.async_close(websocket::close_code::normal, k_use);
      co_return;
    }
    if (queue_.empty()) {
      c->wake.expires_at(asio::steady_timer::time_point::max());
      co_await c->wake.async_wait(k_use);  // enqueue(), stop() and the reader cancel it
      continue;
    }
    const std::string frame = std::move(queue_.front());
    queue_.pop_front();
    auto [ec, n] = co_await c->ws.async_write(asio::buffer(frame), k_use);
    if (ec) {
      beast::get_lowest_layer(c->ws).close();  // the reader fails and ends the session
      co_return;
    }
  }
}

disconnect_info control_channel::impl::ended(const control_connection& c, const error_code& ec) {
  if (stopped_) return {"stopped", 0, false};
  if (ec == websocket::error::closed) {
    const int code = c.ws.reason().code;
    if (is_refusal(code)) terminal_ = true;
    std::string why = !last_error_.empty() ? last_error_ : close_text(code);
    return {std::move(why), code, !terminal_};
  }
  if (ec == beast::error::timeout) {
    return {"the server stopped answering (timeout)", 0, !terminal_};
  }
  return {concat("connection lost: ", ec.message()), 0, !terminal_};
}

void control_channel::impl::notify_disconnected(const disconnect_info& info) {
  if (callbacks_.on_disconnected) callbacks_.on_disconnected(info);
}

}  // namespace lectern::client
