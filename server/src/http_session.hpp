// One HTTP/1.1 connection: reads requests under the limits, runs their handlers, writes the
// answers, keeps the connection alive between requests, and hands WebSocket upgrades over.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "http_router.hpp"
#include "http_types.hpp"
#include "log.hpp"

namespace lectern::server {

/// Everything a session needs from its server; shared so that connections still closing
/// after the server object is gone stay valid (the router must outlive the io_contexts).
struct http_session_deps {
  const http_router& router;
  http_limits limits;
  request_observer on_request;
  logger& log;
  std::shared_ptr<connection_registry> registry;
};

/// One accepted HTTP connection. run() is its whole life: a loop of read, dispatch, write,
/// on the socket's executor (a strand), so the session needs no locks.
class http_session : public closable, public std::enable_shared_from_this<http_session> {
 public:
  using clock = std::chrono::steady_clock;

  http_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<const http_session_deps> deps);

  /// Serves the connection to its end; co_spawn it on the socket's executor.
  static boost::asio::awaitable<void> run(std::shared_ptr<http_session> self);
  /// closable: cuts the connection (thread-safe); a session already upgraded ignores it.
  void shutdown() override;
  std::uint64_t id() const noexcept { return id_; }

 private:
  struct outcome;
  boost::asio::awaitable<bool> wait_for_request(bool first);
  boost::asio::awaitable<void> serve();
  boost::asio::awaitable<outcome> handle(const http_request& req, request_context& ctx);
  boost::asio::awaitable<std::optional<http::message_generator>> call_handler(
      const http_handler* handler, const takeover_handler* takeover, request_context& ctx);
  boost::asio::awaitable<bool> write(http::message_generator& message);
  boost::asio::awaitable<void> upgrade(const http_request& req, request_context& ctx,
                                       const ws_handler& handler, clock::time_point started);
  boost::asio::awaitable<void> reply_to_bad_request(const boost::system::error_code& ec);
  boost::asio::awaitable<void> close_gracefully();
  void observe(const request_context& ctx, clock::time_point started) const;

  boost::beast::tcp_stream stream_;
  const std::shared_ptr<const http_session_deps> deps_;
  const std::uint64_t id_;
  std::string peer_;
  boost::beast::flat_buffer buffer_;
  bool registered_ = false;
  bool upgraded_ = false;  // stream_ now belongs to a ws_connection
};

}  // namespace lectern::server
