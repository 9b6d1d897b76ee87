#include "http_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "http_util.hpp"
#include "lectern/net/use_tuple.hpp"
#include "ws_connection.hpp"

namespace lectern::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

using lectern::net::k_use;
// What a connection being closed after an error may still send us before we cut it: enough
// for the rest of a modest rejected body, so the client reads our answer instead of a reset.
constexpr std::size_t k_drain_bytes = 256 * 1024;
constexpr std::chrono::seconds k_drain_time{1};

std::string peer_address(const asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  return ec ? std::string("unknown") : ep.address().to_string();
}

// Errors that only mean the peer went away or was too slow: nothing to answer or report.
bool benign(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == beast::error::timeout || ec == http::error::partial_message;
}

}  // namespace

struct http_session::outcome {
  std::optional<http::message_generator> reply;
  const ws_handler* websocket = nullptr;       // set: upgrade instead of replying
  const takeover_handler* takeover = nullptr;  // set: the handler may use the stream
};

http_session::http_session(asio::ip::tcp::socket socket,
                           std::shared_ptr<const http_session_deps> deps)
    : stream_(std::move(socket)), deps_(std::move(deps)), id_(deps_->registry->next_id()) {}

void http_session::shutdown() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (self->upgraded_) return;
    boost::system::error_code ignored;
    self->stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    self->stream_.close();
  });
}

asio::awaitable<void> http_session::run(std::shared_ptr<http_session> self) {
  self->peer_ = peer_address(self->stream_.socket());
  self->registered_ = self->deps_->registry->add(self->id_, self->weak_from_this());
  if (self->registered_) co_await self->serve();
  if (self->registered_) self->deps_->registry->remove(self->id_);
  if (!self->upgraded_) self->stream_.close();
}

// Waits for the first byte of a request: a keep-alive connection may idle longer than a
// request may take to arrive once started.
asio::awaitable<bool> http_session::wait_for_request(bool first) {
  if (buffer_.size() > 0) co_return true;
  const auto& l = deps_->limits;
  stream_.expires_after(first ? l.request_timeout : l.keep_alive_idle);
  auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(4096), k_use);
  if (ec) co_return false;
  buffer_.commit(n);
  co_return true;
}

asio::awaitable<void> http_session::serve() {
  const auto& l = deps_->limits;
  for (bool first = true;; first = false) {
    if (!co_await wait_for_request(first)) co_return;
    const auto started = clock::now();
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(l.max_header_bytes));
    parser.body_limit(l.max_body_bytes);
    stream_.expires_after(l.request_timeout);
    auto [ec, n] = co_await http::async_read(stream_, buffer_, parser, k_use);
    if (ec) {
      co_await reply_to_bad_request(ec);
      co_return;
    }
    const http_request req = parser.release();
    const std::string_view target(req.target().data(), req.target().size());
    const auto q = target.find('?');
    const auto raw_path = target.substr(0, q);
    const auto raw_query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    request_context ctx(req, percent_decode(raw_path).value_or(std::string(raw_path)), raw_query,
                        peer_);
    auto result = co_await handle(req, ctx);
    if (result.websocket) {
      co_await upgrade(req, ctx, *result.websocket, started);
      co_return;
    }
    if (result.takeover) {
      result.reply = co_await call_handler(nullptr, result.takeover, ctx);
      if (!result.reply) {  // the handler answered on the stream itself
        observe(ctx, started);
        co_return;
      }
    }
    const bool keep_alive = result.reply->keep_alive();
    const bool written = co_await write(*result.reply);
    observe(ctx, started);
    if (!written) co_return;
    if (!keep_alive) {
      co_await close_gracefully();
      co_return;
    }
  }
}

asio::awaitable<http_session::outcome> http_session::handle(const http_request& req,
                                                            request_context& ctx) {
  outcome out;
  const std::string_view target(req.target().data(), req.target().size());
  const auto m = deps_->router.match(req.method(), target.substr(0, target.find('?')));
  using kind = http_router::match_result::kind;
  if (m.what == kind::bad_path) {
    out.reply.emplace(error_reply(ctx, http::status::bad_request, "bad_request",
                                  "the request path is malformed"));
  } else if (m.what == kind::not_found) {
    out.reply.emplace(error_reply(ctx, http::status::not_found, "not_found", "no such resource"));
  } else if (m.what == kind::method_not_allowed) {
    nlohmann::json body;
    body["error"]["code"] = "method_not_allowed";
    body["error"]["message"] = "this resource does not accept that method";
    out.reply.emplace(
        json_reply(ctx, http::status::method_not_allowed, body, {{http::field::allow, m.allow}}));
  } else {
    ctx.set_route(m.pattern, m.params);
    if (m.takeover) {
      out.takeover = m.takeover;
    } else if (m.websocket && beast::websocket::is_upgrade(req)) {
      out.websocket = m.websocket;
    } else if (m.websocket) {
      nlohmann::json body;
      body["error"]["code"] = "upgrade_required";
      body["error"]["message"] = "this resource is a WebSocket endpoint";
      out.reply.emplace(
          json_reply(ctx, http::status::upgrade_required, body,
                     {{http::field::upgrade, "websocket"}, {http::field::connection, "Upgrade"}}));
    } else {
      out.reply = co_await call_handler(m.handler, nullptr, ctx);
    }
  }
  co_return out;
}

// Runs a handler, turning what it throws into an error reply. nullopt only when a takeover
// handler used the stream itself.
asio::awaitable<std::optional<http::message_generator>> http_session::call_handler(
    const http_handler* handler, const takeover_handler* takeover, request_context& ctx) {
  std::optional<http::message_generator> reply;
  std::optional<api_error> refused;
  std::string failure;
  try {
    if (takeover != nullptr) {
      reply = co_await (*takeover)(ctx, stream_);
      if (!reply) co_return reply;
    } else {
      reply.emplace(co_await (*handler)(ctx));
    }
  } catch (const api_error& e) {
    refused = e;
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "an exception that is not a std::exception";
  }
  if (refused) {
    reply.emplace(error_reply(ctx, refused->status(), refused->code(), refused->what()));
  } else if (!reply) {
    // A bug in a handler, not bad input: answer 500 without details, log them.
    deps_->log.error("http", std::string(ctx.request().method_string()) + " " + ctx.path() +
                                 " from " + peer_ + " failed: " + failure);
    reply.emplace(
        error_reply(ctx, http::status::internal_server_error, "internal", "internal server error"));
  }
  co_return reply;
}

// Writes in steps so that the deadline is on progress, not on the whole (maybe large) body.
asio::awaitable<bool> http_session::write(http::message_generator& message) {
  while (!message.is_done()) {
    beast::error_code ec;
    const auto buffers = message.prepare(ec);
    if (ec) {
      deps_->log.warn("http", "response to " + peer_ + " failed: " + ec.message());
      co_return false;
    }
    stream_.expires_after(deps_->limits.keep_alive_idle);
    auto [wec, n] = co_await stream_.async_write_some(buffers, k_use);
    if (wec) co_return false;
    message.consume(n);
  }
  co_return true;
}

asio::awaitable<void> http_session::upgrade(const http_request& req, request_context& ctx,
                                            const ws_handler& handler, clock::time_point started) {
  upgraded_ = true;
  if (registered_) deps_->registry->remove(id_);
  registered_ = false;
  std::shared_ptr<ws_connection> ws;
  try {
    ws = co_await ws_connection::upgrade(std::move(stream_), req, peer_, deps_->limits, deps_->log,
                                         deps_->registry);
  } catch (const std::exception& e) {
    deps_->log.info("ws", "upgrade from " + peer_ + " failed: " + e.what());
    co_return;
  }
  ws->start();
  ctx.set_status(101);
  observe(ctx, started);
  try {
    co_await handler(ctx, ws);
  } catch (const std::exception& e) {
    deps_->log.error("ws",
                     "handler for " + ctx.route() + " from " + peer_ + " failed: " + e.what());
    ws->close(ws_connection::k_internal_error, "internal error");
  }
  ws->close_if_unhandled();
}

asio::awaitable<void> http_session::reply_to_bad_request(const boost::system::error_code& ec) {
  if (benign(ec)) co_return;
  http_request dummy(http::verb::get, "/", 11);
  dummy.keep_alive(false);
  request_context ctx(dummy, "/", "", peer_);
  std::optional<http::message_generator> reply;
  if (ec == http::error::body_limit) {
    reply.emplace(error_reply(ctx, http::status::payload_too_large, "too_large",
                              "the request body is larger than " +
                                  std::to_string(deps_->limits.max_body_bytes) + " bytes"));
  } else if (ec == http::error::header_limit) {
    reply.emplace(error_reply(ctx, http::status::request_header_fields_too_large, "too_large",
                              "the request headers are too large"));
  } else {
    reply.emplace(
        error_reply(ctx, http::status::bad_request, "bad_request", "malformed HTTP request"));
  }
  deps_->log.info("http", "bad request from " + peer_ + ": " + ec.message() + "; closing");
  if (co_await write(*reply)) co_await close_gracefully();
}

// Half-closes, then reads what the peer still sends for a moment: closing a socket with
// unread input makes the kernel send a reset that can destroy our answer in flight.
asio::awaitable<void> http_session::close_gracefully() {
  boost::system::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.expires_after(
      std::min<std::chrono::milliseconds>(deps_->limits.request_timeout, k_drain_time));
  std::size_t drained = 0;
  char sink[4096];
  while (drained < k_drain_bytes) {
    auto [ec, n] = co_await stream_.async_read_some(asio::buffer(sink), k_use);
    if (ec) break;
    drained += n;
  }
}

void http_session::observe(const request_context& ctx, clock::time_point started) const {
  if (!deps_->on_request) return;
  const auto method = ctx.request().method_string();
  deps_->on_request(std::string_view(method.data(), method.size()), ctx.route(), ctx.status(),
                    clock::now() - started);
}

}  // namespace lectern::server
