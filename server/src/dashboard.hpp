// The admin dashboard's push channel: GET /api/v1/dashboard/ws.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "http_router.hpp"

namespace lectern::server {

struct api_context;
class ws_connection;

/// A counter turned into a rate per second between samples at least half a second apart
/// (a frame built for a new watcher between two ticks reuses the last rate).
class rate_meter {
 public:
  using clock = std::chrono::steady_clock;
  double update(double value, clock::time_point now);

 private:
  std::optional<clock::time_point> at_;
  double value_ = 0;
  double rate_ = 0;
};

/// Sends every admin watching the dashboard one JSON frame a second, and one at once on
/// connect (docs/api.md, "Dashboard push"): the server's figures and each room's live
/// figures (teacher live, class live, people, players, the teacher's stream as measured,
/// drops). A frame is built once a second only while someone watches, and shared by every
/// watcher. Only admins (Bearer, or the session cookie from our own pages) may watch.
class dashboard {
 public:
  using clock_time = std::chrono::steady_clock::time_point;

  explicit dashboard(api_context& api);
  ~dashboard();
  dashboard(const dashboard&) = delete;
  dashboard& operator=(const dashboard&) = delete;

  void register_routes(http_router& r);
  /// Starts the one-second loop on `ctx`.
  void start(boost::asio::io_context& ctx);
  /// Ends the loop (the HTTP server closes the watchers' connections).
  void stop();
  /// Destroys the loop's timer (before its io_context goes).
  void release_timer() { timer_.reset(); }

  /// Watchers connected now.
  std::size_t watchers() const;

 private:
  struct watcher;
  boost::asio::awaitable<void> serve_ws(request_context& ctx, std::shared_ptr<ws_connection> ws);
  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<std::shared_ptr<const std::string>> build_frame();
  nlohmann::json room_figures(std::int64_t id, const std::string& name, nlohmann::json live,
                              clock_time now);
  nlohmann::json stream_figures(const nlohmann::json& st, const std::string& key, clock_time now);
  nlohmann::json server_figures(clock_time now);
  void forget(const watcher* w);

  api_context& api_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;  // guards the two below
  std::vector<std::shared_ptr<watcher>> watchers_;
  std::map<std::string, rate_meter, std::less<>> meters_;  // "bytes_in", "live/3 fps", …
};

}  // namespace lectern::server
