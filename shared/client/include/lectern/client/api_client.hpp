// The HTTP side of the control API: validating a join link and generic JSON requests, as
// coroutines on the caller's executor or through a blocking facade.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

#include "lectern/client/client_error.hpp"
#include "lectern/client/join_link.hpp"

namespace lectern::client {

/// Deadlines and limits of one HTTP request.
struct api_options {
  std::chrono::milliseconds connect_timeout{5000};   ///< DNS + TCP connect
  std::chrono::milliseconds request_timeout{10000};  ///< the whole request, connect included
  std::size_t max_body = 4 * 1024 * 1024;            ///< larger replies are refused
};

/// One HTTP reply: the status, the raw body and, if it parsed, its JSON.
struct http_reply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  nlohmann::json json;  ///< null unless the body is JSON
};

/// The room as the join endpoint describes it.
struct room_info {
  std::uint64_t id = 0;
  std::string name;
  std::string welcome;
  int buffer_ms = 0;
  bool is_public = false;
};

/// The answer to GET /api/v1/rooms/{id}/join?token=T: who we are and where to connect.
struct join_info {
  room_info room;
  std::string role;      ///< "teacher" or "student"
  std::string rtmp_url;  ///< publish/play URL with the token
  std::string stream;    ///< "live/3"
  std::string ws_url;    ///< the control channel, token included
};

/// Makes requests on the caller's executor; keeps no connection between them. Copyable;
/// each request is independent, so several may run at once.
class api_client {
 public:
  explicit api_client(boost::asio::any_io_executor executor, api_options options = {});

  /// Sends `method target` to `base_url` ("http://HOST:PORT") with an optional JSON body
  /// and bearer token. Any HTTP status is a reply; only transport failures are errors.
  boost::asio::awaitable<result<http_reply>> request(std::string base_url,
                                                     boost::beast::http::verb method,
                                                     std::string target,
                                                     std::optional<nlohmann::json> body = {},
                                                     std::string bearer = {});

  /// Validates a join link; maps 401/404/anything unexpected to readable errors.
  boost::asio::awaitable<result<join_info>> validate(join_link link);

 private:
  boost::asio::any_io_executor executor_;
  api_options options_;
};

/// The same for programs without an event loop: each call runs a private io_context until
/// the request is done. One call at a time per object.
class blocking_api_client {
 public:
  explicit blocking_api_client(api_options options = {}) : options_(options) {}

  result<http_reply> request(const std::string& base_url, boost::beast::http::verb method,
                             const std::string& target,
                             const std::optional<nlohmann::json>& body = {},
                             const std::string& bearer = {});
  result<join_info> validate(const join_link& link);

 private:
  api_options options_;
  boost::asio::io_context io_;
};

/// Turns a join reply into join_info or a readable error (exposed for tests).
result<join_info> interpret_join_reply(const join_link& link, const http_reply& reply);

}  // namespace lectern::client
