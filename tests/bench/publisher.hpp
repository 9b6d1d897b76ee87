// The in-process publisher: publishes an FLV file as a live stream, paced in real time by
// its timestamps, and logs when it sent each message (send_log.hpp).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "media_file.hpp"
#include "options.hpp"
#include "rtmp_client.hpp"
#include "send_log.hpp"

namespace lectern::bench {

/// What the publisher is told to do.
struct publisher_config {
  bench::target target;
  const media_file* file = nullptr;
  bool loop = false;
  std::uint64_t timestamp_offset_ms = 0;
  /// No media is sent from here on, so that what was sent last can still arrive before
  /// the players stop; the connection stays open until stop().
  clock::time_point stop_sending_at{};
};

/// What the publisher reports at the end.
struct publisher_stats {
  bool published = false;
  std::uint64_t loops = 0;       ///< completed passes over the file
  double max_lag_ms = 0;         ///< worst lateness of a send against the file's timing
  std::uint64_t late_sends = 0;  ///< writes more than 100 ms late (the server read too slowly)
  std::vector<std::string> statuses;
  std::string error;
};

/// The publisher. Lives on one io_context; stop() is called on that thread.
class publisher {
 public:
  /// Called once when publishing started ("") or failed (why).
  using ready_handler = std::function<void(const std::string&)>;

  publisher(const asio::any_io_executor& ex, const publisher_config& cfg, send_log& log);

  asio::awaitable<void> run(ready_handler ready);
  void stop();
  const publisher_stats& stats() const noexcept { return stats_; }

 private:
  asio::awaitable<std::error_code> setup();
  asio::awaitable<std::error_code> await_publish_start();
  asio::awaitable<void> read_loop();
  asio::awaitable<std::error_code> pace();
  asio::awaitable<std::error_code> send_batch();
  void append(const media_tag& t, std::uint64_t media_ts);

  struct pending_record {
    std::uint64_t fingerprint;
    bool audio;
    std::size_t size;
  };

  const publisher_config& cfg_;
  send_log& log_;
  rtmp_client client_;
  asio::steady_timer timer_;
  publisher_stats stats_;
  std::uint32_t stream_id_ = 0;
  const char* stage_ = "";  // the setup step under way, for the error message
  bool stopped_ = false;
  shared::bytes batch_;
  std::vector<pending_record> batch_records_;
};

}  // namespace lectern::bench
