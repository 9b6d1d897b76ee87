// Maps a method and a path to the handler registered for them.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http_types.hpp"

namespace lectern::server {

class ws_connection;

/// An HTTP handler: runs on the connection's executor and answers with a response.
using http_handler =
    std::function<boost::asio::awaitable<http::message_generator>(request_context&)>;
/// A WebSocket handler: called after the upgrade; sets the connection's handler and may
/// return at once (the connection keeps itself alive) or keep running.
using ws_handler =
    std::function<boost::asio::awaitable<void>(request_context&, std::shared_ptr<ws_connection>)>;

/// A handler that may take the connection over for a long answer it writes itself
/// (HTTP-FLV, WS-FLV; upgrades included). It returns a reply for the session to write (an
/// error, say), or nullopt once it has used the stream (setting the status in the
/// context); the connection then closes. The stream still belongs to the session, whose
/// shutdown() (server stop) closes its socket.
using takeover_handler =
    std::function<boost::asio::awaitable<std::optional<http::message_generator>>(
        request_context&, boost::beast::tcp_stream&)>;

/// The routes of one server. Patterns are absolute paths whose segments are literals or
/// "{name}" parameters, e.g. "/api/v1/rooms/{id}". Matching is on the percent-decoded
/// segments, exactly: "/rooms/" does not match "/rooms" (no trailing-slash folding), and a
/// parameter matches one non-empty segment. Where several patterns match, the one with a
/// literal at the first differing segment wins ("/rooms/new" over "/rooms/{id}").
/// HEAD requests match GET routes. Routes are added before the server starts; matching
/// is then read-only and safe from any thread.
class http_router {
 public:
  /// Registers a handler; throws std::invalid_argument for a malformed pattern or a
  /// method and pattern registered twice.
  void add(http::verb method, std::string pattern, http_handler handler);
  /// Registers a WebSocket endpoint (GET with Upgrade: websocket).
  void add_websocket(std::string pattern, ws_handler handler);
  /// Registers a GET route (with or without Upgrade) served by a takeover handler.
  void add_takeover(std::string pattern, takeover_handler handler);

  /// What match() found.
  struct match_result {
    enum class kind { found, not_found, method_not_allowed, bad_path } what = kind::not_found;
    const http_handler* handler = nullptr;       ///< set for an HTTP route
    const ws_handler* websocket = nullptr;       ///< set for a WebSocket route
    const takeover_handler* takeover = nullptr;  ///< set for a takeover route
    std::string pattern;
    request_context::param_list params;
    std::string allow;  ///< for method_not_allowed: "GET, HEAD, POST"
  };

  /// Looks up the raw (still percent-encoded) path, without its query string.
  match_result match(http::verb method, std::string_view raw_path) const;

  /// Splits a raw path into decoded segments; nullopt if it is not an absolute path or has
  /// a malformed escape. "/" → {}, "/a/" → {"a", ""}.
  static std::optional<std::vector<std::string>> split_path(std::string_view raw_path);

 private:
  struct route {
    http::verb method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    http_handler handler;
    ws_handler websocket;
    takeover_handler takeover;
  };

  void add_route(route r);
  static bool matches(const route& r, const std::vector<std::string>& segments);
  static bool more_specific(const route& a, const route& b);

  std::vector<route> routes_;
};

}  // namespace lectern::server
