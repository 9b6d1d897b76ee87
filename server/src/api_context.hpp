#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "http_router.hpp"
#include "log.hpp"
#include "room_directory.hpp"

namespace lectern::server {

class store;
class classroom;
class metrics;
class webhooks;
class login_limiter;
struct server_options;
struct room_record;
struct room_token_record;

/// Where clients reach this server. Taken from the request's Host header unless
/// --public-url says otherwise, so links work whatever name a client used.
struct public_urls {
  std::string http_base;  ///< "http://host:8080"
  std::string rtmp_base;  ///< "rtmp://host:1935"
  std::string ws_base;    ///< "ws://host:8080"
};

/// What the HTTP API handlers share (no globals): passed to each register_* function.
struct api_context {
  const server_options& options;
  logger& log;
  store& db;
  room_directory& rooms;
  classroom& classes;
  metrics& stats;
  std::string secret;                  ///< derives room tokens (crypto.hpp)
  boost::asio::thread_pool& kdf_pool;  ///< password hashing, off the network threads
  login_limiter& limiter;              ///< failed logins by address
  login_limiter& user_limiter;         ///< failed logins by user name bucket (a bounded key set)
  std::atomic<int> kdf_in_flight{0};   ///< logins being hashed or waiting to be
  /// A real hash of nothing: verified against when the user does not exist, so a failed
  /// login takes as long whether or not the name is known.
  std::string dummy_password_hash{};
  std::uint16_t rtmp_port = 1935;
  std::filesystem::path recordings_dir{};  ///< <data-dir>/recordings; recording paths are relative
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::function<std::int64_t()> now_ms{};  ///< unix ms (injectable for tests)
  /// Stats of the relay for /api/v1/stats and /metrics.
  std::function<nlohmann::json()> relay_stats{};
  /// A live stream's publisher figures (codecs, size, fps, bitrate) by key "live/3".
  std::function<nlohmann::json(const std::string&)> stream_stats{};
  /// Asks for the MP4 copy of a recording (absolute FLV path) that has none yet.
  std::function<void(const std::filesystem::path&)> want_mp4{};

  public_urls urls(const request_context& ctx) const;
};

/// An admin the request is authenticated as.
struct admin_identity {
  std::int64_t admin_id = 0;
  std::string username;
  bool via_cookie = false;
  std::string csrf_token;       // the session's, so a reloaded panel page can learn it from /me
  std::int64_t session_id = 0;  // the login session the request came with
};

/// Authenticates an admin by `Authorization: Bearer` or the session cookie (state-changing
/// requests by cookie must carry the X-CSRF-Token the login returned); throws api_error 401
/// (or 403 for a missing CSRF token) otherwise.
boost::asio::awaitable<admin_identity> require_admin(api_context& api, request_context& ctx);

/// The admin a WebSocket upgrade or a media GET comes from (Bearer, or the session cookie
/// when the Origin, if any, is this server), or nullopt; never throws for bad credentials.
boost::asio::awaitable<std::optional<admin_identity>> optional_admin(api_context& api,
                                                                     request_context& ctx);
/// True when the request has no Origin header (not a browser) or names the Host it went to.
bool same_origin(const request_context& ctx);

/// Writes one audit log line (fire and forget, in order with other writes).
void audit(api_context& api, const admin_identity& who, const request_context& ctx,
           std::string action, std::string target,
           nlohmann::json detail = nlohmann::json::object());

/// A room as the API shows it to admins: settings, tokens and ready-made join links.
nlohmann::json room_json(const api_context& api, const request_context& ctx, const room_record& r,
                         const std::vector<room_token_record>& tokens);
/// What the directory keeps of a stored room.
room_summary summary_of(const room_record& r);
/// The room token of `role`, derived from the server secret and the stored nonce.
std::string room_token(const api_context& api, std::int64_t room_id, std::string_view role,
                       std::string_view nonce);

/// Route groups (api_auth.cpp, api_rooms.cpp, api_classes.cpp, api_recordings.cpp,
/// api_server.cpp).
void register_auth_routes(http_router& r, api_context& api);
void register_room_routes(http_router& r, api_context& api);
void register_class_routes(http_router& r, api_context& api);
void register_recording_routes(http_router& r, api_context& api);
void register_server_routes(http_router& r, api_context& api);

/// `id` path parameter as a positive integer, or 404.
std::int64_t id_param(const request_context& ctx, std::string_view name = "id");

}  // namespace lectern::server
