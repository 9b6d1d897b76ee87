// Browser-playable copies of recordings: FLV remuxed to MP4 beside it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <thread>

#include "log.hpp"

namespace lectern::server {

/// Remuxes finished FLV recordings to MP4 (libavformat, streams copied, no re-encode,
/// `movflags=+faststart` so the index is before the media and a browser can start at once)
/// next to them: `live/3-20261122-101500.flv` → `live/3-20261122-101500.mp4`. One file at a
/// time on its own thread, off the network threads; the queue holds at most k_max_queued
/// files (more are dropped, counted, and done on first request). The MP4 appears by rename
/// when complete, so "the .mp4 exists" means "it is ready".
class mp4_remuxer {
 public:
  /// Files waiting; one remux of an hour-long class takes about a second of disk I/O.
  static constexpr std::size_t k_max_queued = 256;

  explicit mp4_remuxer(logger& log);
  /// Stops: the remux in progress is interrupted and its partial file removed.
  ~mp4_remuxer();
  mp4_remuxer(const mp4_remuxer&) = delete;
  mp4_remuxer& operator=(const mp4_remuxer&) = delete;

  /// Queues `flv` (thread-safe). False when it is queued already or the queue is full.
  bool enqueue(std::filesystem::path flv);

  /// Where the MP4 of `flv` goes: the same name with ".mp4".
  static std::filesystem::path mp4_path(const std::filesystem::path& flv);
  /// Remuxes `flv` into `mp4` now (via `mp4`.tmp, renamed when complete). Errors are
  /// AVERROR codes as error_code (lectern::media::av_category) or filesystem errors.
  /// `stop` set by another thread interrupts it.
  static std::error_code remux(const std::filesystem::path& flv, const std::filesystem::path& mp4,
                               const std::atomic<bool>& stop);

  std::size_t queued() const;
  std::uint64_t done() const noexcept { return done_; }
  std::uint64_t failed() const noexcept { return failed_; }
  std::uint64_t dropped() const noexcept { return dropped_; }

 private:
  void run();

  logger& log_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::filesystem::path> queue_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace lectern::server
