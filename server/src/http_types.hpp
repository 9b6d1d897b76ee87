// The vocabulary of the HTTP/WebSocket transport: limits, the handler-facing request context,
// the exception handlers throw to answer with an error, and the registry of open connections.
#pragma once

#include <atomic>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lectern::server {

namespace http = boost::beast::http;
using http_request = http::request<http::string_body>;

/// Bounds of the HTTP/WebSocket listener. The defaults are the production values.
struct http_limits {
  std::size_t max_header_bytes = 8 * 1024;   ///< request line and headers
  std::size_t max_body_bytes = 1024 * 1024;  ///< larger bodies get 413
  /// Time to receive a whole request once its first byte arrived (slowloris).
  std::chrono::milliseconds request_timeout{10'000};
  /// Time a keep-alive connection may sit between requests. Also the write-progress bound:
  /// a response write that moves no byte for this long closes the connection.
  std::chrono::milliseconds keep_alive_idle{60'000};
  std::size_t max_connections = 10'000;           ///< HTTP and WebSocket together
  std::size_t ws_max_message_bytes = 64 * 1024;   ///< larger inbound messages close with 1009
  std::size_t ws_max_queued_bytes = 1024 * 1024;  ///< outbound; over it closes with 4009
  std::chrono::milliseconds ws_ping_interval{20'000};
  /// A WebSocket peer that sends nothing (pongs count) for this long is closed.
  std::chrono::milliseconds ws_idle_timeout{60'000};
  /// How long a WebSocket close handshake may take before the socket is cut.
  std::chrono::milliseconds ws_close_timeout{5'000};
};

/// Called once per answered HTTP request (metrics): method, matched route pattern ("" when
/// no route matched), status, time from the request's arrival to its last byte written.
using request_observer = std::function<void(std::string_view method, std::string_view route,
                                            unsigned status, std::chrono::nanoseconds)>;

/// Thrown by a handler (or parse_json_body) to answer with
/// {"error":{"code":...,"message":...}} and `status`.
class api_error : public std::runtime_error {
 public:
  api_error(http::status status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  http::status status() const noexcept { return status_; }
  const std::string& code() const noexcept { return code_; }

 private:
  http::status status_;
  std::string code_;
};

/// One parsed request as a handler sees it. Lives for the duration of the handler call.
class request_context {
 public:
  using param_list = std::vector<std::pair<std::string, std::string>>;

  /// `path` is the decoded path; `query` the raw query string (after '?', may be empty).
  request_context(const http_request& req, std::string path, std::string_view raw_query,
                  std::string peer);

  const http_request& request() const noexcept { return req_; }
  http::verb method() const noexcept { return req_.method(); }
  bool is_head() const noexcept { return req_.method() == http::verb::head; }
  /// The percent-decoded path, without the query.
  const std::string& path() const noexcept { return path_; }
  /// The query string as sent (after '?', still percent-encoded; may be empty).
  const std::string& raw_query() const noexcept { return raw_query_; }
  /// First value of a query parameter, decoded ('+' is a space); nullopt if absent.
  std::optional<std::string> query(std::string_view name) const;
  /// A path parameter of the matched route ("{id}" → param("id")); "" if the route has none.
  std::string_view param(std::string_view name) const;
  /// A cookie's value; nullopt if the request has no such cookie.
  std::optional<std::string> cookie(std::string_view name) const;
  /// A request header's value; nullopt if absent.
  std::optional<std::string_view> header(http::field name) const;
  std::optional<std::string_view> header(std::string_view name) const;
  /// The peer's address, e.g. "127.0.0.1" or "::1".
  const std::string& peer() const noexcept { return peer_; }
  /// The pattern of the matched route, e.g. "/api/v1/rooms/{id}"; "" before/without a match.
  const std::string& route() const noexcept { return route_; }

  /// The status of the reply built for this request (the reply helpers record it; a handler
  /// that builds its own response calls finish_reply(), which records it too).
  unsigned status() const noexcept { return status_; }
  void set_status(unsigned status) noexcept { status_ = status; }

  /// Set by the router on a match.
  void set_route(std::string pattern, param_list params);

 private:
  const http_request& req_;
  std::string path_;
  std::string raw_query_;
  std::vector<std::pair<std::string, std::string>> query_;
  std::string peer_;
  std::string route_;
  param_list params_;
  mutable std::optional<std::vector<std::pair<std::string, std::string>>> cookies_;
  unsigned status_ = 0;
};

/// An open connection the server can end on stop(). shutdown() is callable from any thread.
class closable {
 public:
  virtual ~closable() = default;
  virtual void shutdown() = 0;
};

/// The open HTTP and WebSocket connections of one server (thread-safe): counted for the
/// connection limit and closed together on stop.
class connection_registry {
 public:
  /// A fresh connection id (never 0).
  std::uint64_t next_id() noexcept { return next_id_.fetch_add(1, std::memory_order_relaxed); }
  /// Registers a connection under its id; false if the server is stopping (the caller then
  /// closes the connection itself).
  bool add(std::uint64_t id, std::weak_ptr<closable> c);
  void remove(std::uint64_t id);
  std::size_t size() const;
  bool stopping() const;
  /// Marks the registry stopping and calls shutdown() on every open connection.
  void close_all();

 private:
  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::weak_ptr<closable>> open_;
  std::atomic<std::uint64_t> next_id_{1};
  bool stopping_ = false;
};

}  // namespace lectern::server
