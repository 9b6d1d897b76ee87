#include "ws_connection.hpp"
#include "lectern/net/use_tuple.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/system/system_error.hpp>

#ifndef LECTERN_VERSION
#define LECTERN_VERSION "dev"  // CMake defines the project version; this is for direct builds
#endif

namespace lectern::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

using lectern::net::k_use;

std::string peer_close_text(const websocket::close_reason& r) {
  std::string s = "closed by peer (";
  s += std::to_string(r.code);
  if (!r.reason.empty()) {
    s += ' ';
    s.append(r.reason.data(), r.reason.size());
  }
  s += ')';
  return s;
}

}  // namespace

asio::awaitable<std::shared_ptr<ws_connection>> ws_connection::upgrade(
    beast::tcp_stream stream, const http_request& req, std::string peer, const http_limits& limits,
    logger& log, std::shared_ptr<connection_registry> registry) {
  stream_type ws(std::move(stream));
  // The tcp_stream's own deadline would cut a quiet but healthy connection: the watchdog
  // and the close deadline bound a WebSocket instead.
  beast::get_lowest_layer(ws).expires_never();
  websocket::stream_base::timeout t;
  t.handshake_timeout = limits.request_timeout;
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;
  ws.set_option(t);
  ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    std::string server = "lectern/";
    server += LECTERN_VERSION;
    res.set(http::field::server, server);
  }));
  ws.read_message_max(limits.ws_max_message_bytes);
  auto [ec] = co_await ws.async_accept(req, k_use);
  if (ec) throw boost::system::system_error(ec, "websocket upgrade");
  const auto id = registry->next_id();
  co_return std::make_shared<ws_connection>(std::move(ws), id, std::move(peer), limits, log,
                                            std::move(registry));
}

ws_connection::ws_connection(stream_type ws, std::uint64_t id, std::string peer,
                             const http_limits& limits, logger& log,
                             std::shared_ptr<connection_registry> registry)
    : ws_(std::move(ws)),
      id_(id),
      peer_(std::move(peer)),
      limits_(limits),
      log_(log),
      registry_(std::move(registry)),
      wake_(ws_.get_executor()),
      tick_(ws_.get_executor()),
      deadline_(ws_.get_executor()),
      last_received_(clock::now()) {}

ws_connection::~ws_connection() = default;

void ws_connection::start() {
  // Pongs, pings and the peer's close frame all count as signs of life.
  ws_.control_callback(
      [this](websocket::frame_type, beast::string_view) { last_received_ = clock::now(); });
  registered_ = registry_->add(id_, weak_from_this());
  if (!registered_) {
    begin_close(k_going_away, "server shutting down");
  }
  asio::co_spawn(ws_.get_executor(), writer(shared_from_this()), asio::detached);
  asio::co_spawn(ws_.get_executor(), watchdog(shared_from_this()), asio::detached);
}

void ws_connection::set_handler(std::shared_ptr<handler> h) {
  asio::dispatch(ws_.get_executor(), [self = shared_from_this(), h = std::move(h)]() mutable {
    if (self->close_notified_) {
      if (h) h->on_close("connection already closed");
      return;
    }
    self->handler_ = std::move(h);
    if (self->handler_ && !self->reading_) {
      self->reading_ = true;
      asio::co_spawn(self->ws_.get_executor(), reader(self), asio::detached);
    }
  });
}

// Both post, never dispatch: a caller may hold its own lock (a room's), and closing calls
// the handler's on_close, which may take that lock again.
void ws_connection::send(std::shared_ptr<const std::string> frame) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), f = std::move(frame)]() mutable {
    self->enqueue(std::move(f));
  });
}

void ws_connection::close(std::uint16_t code, std::string reason) {
  asio::post(ws_.get_executor(),
             [self = shared_from_this(), code, r = std::move(reason)]() mutable {
               self->begin_close(code, std::move(r));
             });
}

void ws_connection::close_if_unhandled() {
  // post, not dispatch: a set_handler() posted from another thread before the route returned
  // runs first.
  asio::post(ws_.get_executor(), [self = shared_from_this()] {
    if (!self->handler_ && !self->close_notified_) {
      self->begin_close(k_internal_error, "no handler for this endpoint");
    }
  });
}

void ws_connection::enqueue(std::shared_ptr<const std::string> frame) {
  if (closing_ || finished_ || !frame) return;
  queued_bytes_ += frame->size();
  if (queued_bytes_ > limits_.ws_max_queued_bytes) {
    // A peer that does not read must not grow our memory: drop what waits and close.
    log_.warn("ws", "conn " + std::to_string(id_) + " from " + peer_ + ": more than " +
                        std::to_string(limits_.ws_max_queued_bytes) +
                        " bytes waiting to be sent; closing it as too slow");
    queue_.clear();
    queued_bytes_ = 0;
    begin_close(k_too_slow, "too slow");
    return;
  }
  queue_.push_back(std::move(frame));
  wake_.cancel();
}

void ws_connection::notify_close(std::string_view reason) {
  if (close_notified_) return;
  close_notified_ = true;
  // Released after the call: the handler usually holds this connection.
  if (auto h = std::move(handler_)) h->on_close(reason);
}

void ws_connection::begin_close(std::uint16_t code, std::string reason) {
  if (closing_ || finished_) return;
  closing_ = true;
  notify_close(reason);
  // A close frame's reason holds at most 123 bytes (RFC 6455 5.5: control payloads <= 125).
  const auto cut = std::string_view(reason).substr(0, close_reason_.reason.max_size());
  close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), cut);
  close_text_ = std::move(reason);
  wake_.cancel();
  deadline_.expires_after(limits_.ws_close_timeout);
  deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->finish("close handshake timed out");
  });
}

void ws_connection::finish(std::string_view reason) {
  if (finished_) return;
  finished_ = true;
  notify_close(reason);
  log_.debug("ws",
             "conn " + std::to_string(id_) + " from " + peer_ + " ended: " + std::string(reason));
  queue_.clear();
  queued_bytes_ = 0;
  wake_.cancel();
  tick_.cancel();
  deadline_.cancel();
  boost::system::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
  if (registered_) registry_->remove(id_);
}

asio::awaitable<void> ws_connection::reader(std::shared_ptr<ws_connection> self) {
  auto& ws = self->ws_;
  while (!self->finished_) {
    auto [ec, n] = co_await ws.async_read(self->in_, k_use);
    if (ec) {
      std::string why;
      if (ec == websocket::error::closed) {
        why = peer_close_text(ws.reason());
      } else if (ec == websocket::error::message_too_big) {
        why = "message too big";  // Beast has sent the 1009 close frame
      } else {
        why = "connection lost: " + ec.message();
      }
      self->finish(self->closing_ ? self->close_text_ : why);
      co_return;
    }
    self->last_received_ = clock::now();
    if (!ws.got_text()) {
      self->begin_close(k_unsupported_data, "binary frames are not accepted");
    } else if (!self->closing_ && self->handler_) {
      const auto data = self->in_.cdata();
      self->handler_->on_text(std::string_view(static_cast<const char*>(data.data()), n));
    }
    self->in_.consume(self->in_.size());
  }
}

asio::awaitable<void> ws_connection::writer(std::shared_ptr<ws_connection> self) {
  auto& ws = self->ws_;
  while (!self->finished_) {
    if (!self->queue_.empty()) {
      auto frame = std::move(self->queue_.front());
      self->queue_.pop_front();
      self->queued_bytes_ -= frame->size();
      ws.text(true);
      auto [ec, n] = co_await ws.async_write(asio::buffer(*frame), k_use);
      if (ec) {
        self->finish("connection lost: " + ec.message());
        co_return;
      }
      continue;
    }
    if (self->closing_) {
      auto [ec] = co_await ws.async_close(self->close_reason_, k_use);
      // Without a reader, async_close itself waited for the peer's close frame; with one,
      // the reader ends when that frame arrives.
      if (ec || !self->reading_) self->finish(self->close_text_);
      co_return;
    }
    self->wake_.expires_at(clock::time_point::max());
    co_await self->wake_.async_wait(k_use);
  }
}

asio::awaitable<void> ws_connection::watchdog(std::shared_ptr<ws_connection> self) {
  while (!self->finished_ && !self->closing_) {
    self->tick_.expires_after(self->limits_.ws_ping_interval);
    co_await self->tick_.async_wait(k_use);
    if (self->finished_ || self->closing_) co_return;
    if (clock::now() - self->last_received_ >= self->limits_.ws_idle_timeout) {
      self->begin_close(k_idle_timeout, "idle timeout");
      co_return;
    }
    self->ping();
  }
}

void ws_connection::ping() {
  // Beast allows one ping in flight beside a write; a ping stuck behind a stalled write is
  // not repeated.
  if (ping_pending_) return;
  ping_pending_ = true;
  ws_.async_ping(
      {}, [self = shared_from_this()](boost::system::error_code) { self->ping_pending_ = false; });
}

}  // namespace lectern::server
