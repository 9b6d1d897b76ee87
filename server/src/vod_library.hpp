// Opens recordings for VOD players off the network threads, and keeps the indexes of
// finished recordings for the next players. See docs/recording.md ("Opening a recording").
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>
#include <tuple>
#include <vector>

#include "vod_source.hpp"

namespace lectern::server {

/// Maps and indexes recordings on a small thread pool of its own, so that indexing a
/// multi-hour recording (about 0.4 s per million tags) never stalls the players on a network
/// thread. Players of the same version of a file (same inode, size and modification time)
/// share one index: opened at the same moment they wait for one indexing, and a finished
/// recording's index is kept (bounded, least recently used first out) for later players.
/// Thread-safe.
class vod_library {
 public:
  struct limits {
    /// Files indexed at the same time (the pool's threads).
    unsigned threads = 2;
    /// Opens waiting for a thread; more are refused with recording_error::queue_full.
    std::size_t max_waiting = 256;
    /// Indexes kept for later players: at most this many files and this many bytes.
    std::size_t max_cached_files = 32;
    std::size_t max_cached_bytes = 128u << 20;
    /// A file modified less than this long ago is probably still being recorded (a new
    /// version every flush): its index is not kept.
    std::chrono::milliseconds settle{5000};
  };
  /// Figures for logs and metrics (style rule 7).
  struct stats {
    std::size_t waiting = 0;       ///< opens queued or running now
    std::uint64_t opened = 0;      ///< opens that succeeded
    std::uint64_t indexed = 0;     ///< indexes built (the rest came from the cache or a peer)
    std::uint64_t failed = 0;      ///< opens that failed (no file, not FLV, …)
    std::uint64_t refused = 0;     ///< refused because max_waiting opens were waiting
    std::size_t cached_files = 0;  ///< indexes kept now
    std::size_t cached_bytes = 0;  ///< their footprint
  };
  /// What an open gives its caller: the player's source, or why there is none. `indexed_ms`
  /// is how long this open's indexing took (0 when the index was shared).
  using callback =
      std::function<void(std::unique_ptr<vod_source>, std::error_code, std::uint32_t indexed_ms)>;

  vod_library();
  explicit vod_library(limits l);
  /// Stops: opens not started yet are dropped (their callbacks destroyed, not called); the
  /// ones running finish first.
  ~vod_library();
  vod_library(const vod_library&) = delete;
  vod_library& operator=(const vod_library&) = delete;

  /// Opens `file` and calls `done` once, on a thread of the library: post from there to the
  /// caller's own executor. A refusal (recording_error::queue_full, when max_waiting opens
  /// are waiting) is answered inside open(), on the caller's thread: hold no lock that
  /// `done` takes. Other errors: those of vod_source::open.
  void open(std::filesystem::path file, callback done);

  stats counters() const;

 private:
  // One version of a file: the index of another version never serves it.
  struct version {
    std::uint64_t device = 0, inode = 0, size = 0;
    std::int64_t mtime_ns = 0;
    auto operator<=>(const version&) const = default;
  };
  struct waiter {
    mapped_file map;
    callback done;
  };
  struct cached {
    version key;
    std::shared_ptr<const vod_index> index;
  };

  void run(const std::filesystem::path& file, callback& done);
  void index_and_answer(const version& v, bool shareable, bool settled, mapped_file map,
                        callback& done);
  std::shared_ptr<const vod_index> lookup_locked(const version& v);
  void keep_locked(const version& v, std::shared_ptr<const vod_index> index);
  void finished_locked(std::size_t n, bool ok);

  const limits limits_;
  mutable std::mutex mutex_;  // guards everything below
  std::list<cached> cache_;   // most recently used first
  std::size_t cached_bytes_ = 0;
  std::map<version, std::vector<waiter>> indexing_;  // a version being indexed: its waiters
  stats stats_;
  boost::asio::thread_pool pool_;  // last: its threads use everything above
};

}  // namespace lectern::server
