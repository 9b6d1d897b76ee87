// The HTTP/WebSocket listener: accepts connections and spreads them over the worker contexts.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <vector>

#include "http_router.hpp"
#include "http_types.hpp"
#include "log.hpp"

namespace lectern::server {

struct http_session_deps;

/// Accepts on one endpoint (on contexts[0]) and runs each connection on a strand of the next
/// context in turn. Each io_context may be run by one or more threads. The router and the
/// logger must outlive the contexts' run(); the server object itself may go first.
class http_server {
 public:
  http_server(std::vector<boost::asio::io_context*> contexts, const http_limits& limits,
              const http_router& router, logger& log, request_observer on_request = {});
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds and listens; returns the bound endpoint (port 0 becomes the real port). Throws
  /// boost::system::system_error if the address cannot be bound.
  boost::asio::ip::tcp::endpoint listen(const boost::asio::ip::tcp::endpoint& endpoint);
  /// Starts accepting (the accept loop runs on contexts[0]).
  void start();
  /// Stops accepting and closes every open HTTP and WebSocket connection (thread-safe,
  /// idempotent). WebSockets get a 1001 close frame; the contexts run out by themselves.
  void stop();
  /// Open connections, HTTP and WebSocket.
  std::size_t connections() const;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace lectern::server
