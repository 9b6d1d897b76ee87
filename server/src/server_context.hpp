#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <unordered_map>
#include <vector>

#include "authorizer.hpp"
#include "log.hpp"
#include "options.hpp"
#include "round_writer.hpp"
#include "rtmp_observer.hpp"
#include "send_batch.hpp"
#include "stream_registry.hpp"

namespace lectern::server {

class rtmp_session;
struct worker;
class recording_finalizer;
class vod_library;

/// What every connection needs from the server, passed in (no globals).
struct server_context {
  const server_options& options;
  logger& log;
  stream_registry& streams;
  authorizer& auth;
  recording_finalizer& finalizer;
  vod_library& vod;  ///< opens recordings for VOD players off the network threads
  /// The classroom layer (null for a bare relay): told of publications and playbacks.
  rtmp_observer* observer = nullptr;
  std::filesystem::path recordings_dir;  ///< <data-dir>/recordings
  std::atomic<std::size_t> connections{0};
  // Totals for /metrics (relaxed: counters, not synchronization). Bytes in and out are
  // counted per worker (worker::bytes_in, bytes_out).
  std::atomic<std::uint64_t> dropped_messages{0};
  std::atomic<std::uint64_t> next_session_id{1};
  std::atomic<bool> stopping{false};
  /// The worker threads (set once at start-up): a connection accepted by the HTTP server
  /// finds its own with worker_of().
  std::vector<worker*> workers{};
  worker* worker_of(const boost::asio::io_context& context) const noexcept;
};

/// One worker thread: its io_context and the sessions that live on it. `sessions` and
/// `due_writes` are touched only on this worker's thread.
struct worker {
  explicit worker(bool io_uring) : sends(io_uring) {}
  boost::asio::io_context context{1};
  std::unordered_map<std::uint64_t, std::weak_ptr<rtmp_session>> sessions;
  /// Players whose writes are due (schedule_write, round_writer.hpp), written by one posted
  /// handler: RTMP, HTTP-FLV and WS-FLV players alike.
  std::vector<std::shared_ptr<round_writer>> due_writes;
  std::vector<std::shared_ptr<round_writer>> writing_now;  // due_writes being run (reused)
  /// The round's writes in one system call (io_uring), when the kernel allows it.
  send_batch sends;
  std::vector<round_writer*> sending;  // whose writes are in `sends`, in order
  std::vector<long> sent;              // their results
  /// Bytes its RTMP connections read and wrote, for /metrics (summed over the workers).
  /// Written by this worker's thread only: a plain add, where one counter for the whole
  /// server took a locked add on a cache line every thread wrote, once per player write.
  struct counter {
    std::atomic<std::uint64_t> value{0};
    void add(std::uint64_t n) noexcept {
      value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
  };
  counter bytes_in;
  counter bytes_out;
};

}  // namespace lectern::server
