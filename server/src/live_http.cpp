#include "live_http.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "api_context.hpp"
#include "classroom_authorizer.hpp"
#include "http_util.hpp"
#include "lectern/net/use_tuple.hpp"
#include "player_writes.hpp"
#include "server_context.hpp"
#include "stream_name.hpp"
#include "text.hpp"
#include "ws_stream_frames.hpp"

namespace lectern::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using namespace asio::experimental::awaitable_operators;

namespace {

using lectern::net::k_use;
// A WS-FLV client sends nothing but pongs and its close; a dead one is found by pings.
constexpr auto k_ws_idle_timeout = std::chrono::seconds(60);
constexpr std::size_t k_ws_max_message = 4096;

void cut_socket(beast::tcp_stream& stream) {
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream.socket().close(ignored);
}

/// HTTP-FLV: the FLV bytes as the chunks of a chunked response (or, for an HTTP/1.0 client,
/// a body that ends when the connection does).
class chunked_sink final : public flv_sink {
 public:
  chunked_sink(beast::tcp_stream& stream, bool chunked) : stream_(stream), chunked_(chunked) {}

  asio::ip::tcp::socket& socket() override { return stream_.socket(); }

  void frame(std::size_t payload, asio::const_buffer& before, asio::const_buffer& after) override {
    if (!chunked_) return;
    const int len = std::snprintf(size_line_.data(), size_line_.size(), "%zx\r\n", payload);
    before = asio::buffer(size_line_.data(), static_cast<std::size_t>(len));
    after = asio::buffer("\r\n", 2);
  }

  // The terminating chunk: the client sees the body end rather than a cut.
  shared::bytes goodbye(std::string_view) override {
    if (!chunked_) return {};
    constexpr std::string_view last = "0\r\n\r\n";
    return shared::bytes(last.begin(), last.end());
  }
  bool waits_for_answer() const noexcept override { return false; }

  asio::awaitable<std::string> watch_peer(const peer_answers&) override {
    char sink[512];
    for (;;) {
      auto [ec, n] = co_await stream_.socket().async_read_some(asio::buffer(sink), k_use);
      if (ec) co_return "the client closed the connection";
    }
  }

  void cut() override { cut_socket(stream_); }

 private:
  beast::tcp_stream& stream_;
  const bool chunked_;
  std::array<char, 24> size_line_{};
};

/// WS-FLV: each write is one binary frame. Beast does the opening handshake; after it the
/// frames are ours (ws_stream_frames.hpp), so the player writes them in its write rounds
/// and answers pings between two frames.
class ws_sink final : public flv_sink {
 public:
  explicit ws_sink(beast::tcp_stream& stream) : stream_(stream) {}

  asio::awaitable<boost::system::error_code> accept(const http_request& req) {
    websocket::stream<beast::tcp_stream&> ws(stream_);
    websocket::stream_base::timeout t;
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws.set_option(t);
    ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      std::string server = "lectern/";
      server += LECTERN_VERSION;
      res.set(http::field::server, server);
    }));
    auto [ec] = co_await ws.async_accept(req, k_use);
    co_return ec;
  }

  asio::ip::tcp::socket& socket() override { return stream_.socket(); }

  void frame(std::size_t payload, asio::const_buffer& before, asio::const_buffer&) override {
    before = asio::buffer(header_.data(), ws::frame_header(ws::opcode::binary, payload, header_));
  }

  // A close frame with the reason (RFC 6455 7.4.1: 1000, the text says why).
  shared::bytes goodbye(std::string_view reason) override {
    return ws::close_frame(ws::k_close_normal, std::string(reason));
  }
  bool waits_for_answer() const noexcept override { return true; }

  // Pings answered with pongs; a peer silent for half the idle timeout gets a ping, and one
  // silent for all of it is gone (a browser answers pings by itself).
  asio::awaitable<std::string> watch_peer(const peer_answers& to) override {
    ws::peer_reader reader(k_ws_max_message);
    std::vector<ws::peer_reader::event> events;
    std::array<std::uint8_t, 256> in{};  // a viewer sends little: pongs, its close
    asio::steady_timer timer(stream_.get_executor());
    bool pinged = false;
    std::string ended;  // why, once last words are said
    for (;;) {
      timer.expires_after(k_ws_idle_timeout / 2);
      auto r = co_await (stream_.socket().async_read_some(asio::buffer(in), k_use) ||
                         timer.async_wait(k_use));
      if (r.index() == 1) {
        if (!ended.empty()) co_return ended;  // the watchdog cuts sooner anyway
        if (pinged) co_return "no answer to a ping within " + duration_text(k_ws_idle_timeout);
        to.reply(ws::control_frame(ws::opcode::ping, nullptr, 0));
        pinged = true;
        continue;
      }
      const auto [ec, n] = std::get<0>(r);
      if (ec) co_return ended.empty() ? "the client closed the connection" : ended;
      pinged = false;
      if (!ended.empty()) continue;  // after last words: discarded until the peer closes
      events.clear();
      reader.put(in.data(), n, events);
      for (const auto& e : events) {
        using kind = ws::peer_reader::event::kind;
        if (e.what == kind::ping) {
          to.reply(ws::control_frame(ws::opcode::pong, e.payload.data(), e.payload.size()));
        } else if (e.what == kind::close) {
          // The echo of its status code (none if it sent none), RFC 6455 5.5.1.
          ended = "the client closed the connection (WebSocket close " +
                  (e.code == ws::k_close_no_status ? std::string("without a code")
                                                   : std::to_string(e.code)) +
                  (e.text.empty() ? "" : ": " + e.text) + ")";
          to.last_words(e.code == ws::k_close_no_status
                            ? ws::control_frame(ws::opcode::close, nullptr, 0)
                            : ws::close_frame(e.code, {}),
                        ended);
        } else if (e.what == kind::error) {
          ended = "WebSocket protocol error: " + e.text;
          to.last_words(ws::close_frame(e.code, e.text), ended);
        }
      }
    }
  }

  void cut() override { cut_socket(stream_); }

 private:
  beast::tcp_stream& stream_;
  std::array<std::uint8_t, 10> header_{};
};

asio::awaitable<bool> write_flv_header(request_context& ctx, beast::tcp_stream& stream,
                                       bool chunked) {
  http::response<http::empty_body> res(http::status::ok, ctx.request().version());
  add_common_headers(ctx, res.base());
  res.set(http::field::content_type, "video/x-flv");
  res.set(http::field::cache_control, "no-store");
  res.set(http::field::connection, "close");
  res.chunked(chunked);
  ctx.set_status(200);
  http::response_serializer<http::empty_body> sr(res);
  auto [ec, n] = co_await http::async_write_header(stream, sr, k_use);
  co_return !ec;
}

}  // namespace

void live_http::register_routes(http_router& r) {
  r.add_takeover("/live/{file}", [this](request_context& ctx, beast::tcp_stream& stream) {
    return serve(ctx, stream);
  });
}

asio::awaitable<std::optional<access_decision>> live_http::authorize(request_context& ctx,
                                                                     const std::string& name,
                                                                     std::string& refusal) {
  const access_request request{"live", name, ctx.raw_query(), ctx.peer()};
  auto decision = relay_.auth.play(request);
  if (decision.allowed) co_return decision;
  refusal = decision.reason;
  // The panel's preview: an admin may watch any room.
  const auto admin = co_await optional_admin(api_, ctx);
  if (!admin) co_return std::nullopt;
  access_decision a;
  a.allowed = true;
  a.principal = "admin:" + admin->username;
  a.role = "admin";
  const auto cs = parse_classroom_stream("live", name);
  if (cs.valid && api_.rooms.room(cs.room_id)) a.room_id = cs.room_id;
  co_return a;
}

asio::awaitable<std::optional<http::message_generator>> live_http::serve(
    request_context& ctx, beast::tcp_stream& stream) {
  const std::string file(ctx.param("file"));
  const bool flv = file.size() > 4 && file.ends_with(".flv");
  const std::string name = flv ? file.substr(0, file.size() - 4) : std::string();
  if (!flv || !valid_name_component(name)) {
    co_return error_reply(ctx, http::status::not_found, "not_found",
                          "live streams are at /live/ROOM.flv and /live/ROOM-screen.flv");
  }
  std::string refusal;
  const auto access = co_await authorize(ctx, name, refusal);
  if (!access) {
    co_return error_reply(ctx, http::status::forbidden, "forbidden",
                          "Playing live/" + name + " is refused: " + refusal);
  }
  const auto limit = relay_.options.max_http_players;
  const auto too_many = [&] {
    return error_reply(ctx, http::status::service_unavailable, "too_many_players",
                       "the server plays to " + std::to_string(limit) +
                           " HTTP players at most (--max-http-players); try RTMP or later");
  };
  if (ctx.is_head()) {  // only asks: takes no player's place
    if (counters_.players.load() >= limit) co_return too_many();
    co_return text_reply(ctx, http::status::ok, "", "video/x-flv");
  }
  const bool upgrade = websocket::is_upgrade(ctx.request());
  // The session's request deadline must not cut a long playback: the player's lag rule
  // and the WebSocket pings bound it instead.
  stream.expires_never();
  tune_live_socket(stream.socket());
  boost::system::error_code ignored;
  auto& context =
      static_cast<asio::io_context&>(asio::query(stream.get_executor(), asio::execution::context));
  // The address with its port, so the log tells two players on one host apart.
  const auto ep = stream.socket().remote_endpoint(ignored);
  const auto peer = ignored ? ctx.peer() : endpoint_text(ep);
  flv_player::params p{"live/" + name, peer, upgrade ? "ws-flv" : "http-flv", *access,
                       query_value(ctx.raw_query(), "video") == "0"};
  auto slot = counters_.try_add_player(limit);
  if (!slot) co_return too_many();
  worker* w = relay_.worker_of(context);
  if (w == nullptr) {  // not one of the server's worker threads: cannot happen in lectern-server
    co_return error_reply(ctx, http::status::internal_server_error, "internal",
                          "this connection is not on a worker thread");
  }
  auto player = std::make_shared<flv_player>(relay_, counters_, std::move(slot), *w,
                                             stream.get_executor(), std::move(p));
  if (upgrade) {
    ws_sink sink(stream);
    if (const auto ec = co_await sink.accept(ctx.request())) {
      relay_.log.info("http", "WS-FLV upgrade from " + ctx.peer() + " failed: " + ec.message());
      co_return std::nullopt;
    }
    ctx.set_status(101);
    co_await player->run(sink);
  } else {
    const bool chunked = ctx.request().version() >= 11;
    chunked_sink sink(stream, chunked);
    if (co_await write_flv_header(ctx, stream, chunked)) co_await player->run(sink);
  }
  co_return std::nullopt;
}

}  // namespace lectern::server
