// Finishes recordings in the background: rewrites each closed FLV with a complete onMetaData
// (duration, filesize, keyframes index) first, so players can show the length and seek.
// See docs/recording.md.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>

namespace lectern::server {

/// One background thread rewriting closed recordings, in the order they were handed over.
/// A rewrite goes to `<file>.tmp`, is fsynced, and is renamed over the file: a crash at any
/// point leaves the original intact (and at worst a .tmp that cleanup() removes).
class recording_finalizer {
 public:
  /// What became of one file.
  struct result {
    std::filesystem::path file;
    std::uint32_t duration_ms = 0;
    std::uint64_t file_size = 0;      ///< of the rewritten file
    std::uint64_t skipped_bytes = 0;  ///< damage or a torn tail left out (recover mode)
    std::error_code ec;               ///< empty on success; the file is unchanged otherwise
  };
  using callback = std::function<void(const result&)>;

  struct options {
    /// Files waiting at most; finish() beyond it fails with recording_error::queue_full.
    /// 1024 is hours of a busy server's recordings, and a path is ~100 bytes.
    std::size_t max_queue = 1024;
    /// Called on the finalizer thread after each file; must not throw or block for long.
    callback on_done;
  };

  /// Counters for metrics (style rule 7).
  struct stats {
    std::size_t queued = 0;      ///< waiting now
    std::size_t max_queued = 0;  ///< high-water mark
    std::uint64_t finished = 0;  ///< rewritten successfully
    std::uint64_t failed = 0;    ///< tried and left unchanged
    std::uint64_t rejected = 0;  ///< refused by finish() (queue full or stopping)
  };

  /// Starts the thread (throws std::system_error if it cannot: start-up only).
  recording_finalizer();
  explicit recording_finalizer(options o);
  /// Finishes every queued file, then stops the thread: server shutdown "finishes recordings".
  ~recording_finalizer();
  recording_finalizer(const recording_finalizer&) = delete;
  recording_finalizer& operator=(const recording_finalizer&) = delete;

  /// Queues `file` (a file already queued and not yet started is not queued twice).
  /// Errors: recording_error::queue_full, recording_error::stopped.
  std::error_code finish(std::filesystem::path file);

  /// Blocks until the queue is empty and no file is being rewritten.
  void wait_idle();

  stats counters() const;

  /// Rewrites one file now, on the calling thread (what the background thread does). The
  /// file is locked as a recorder locks it: recording_error::busy if a recorder has it.
  /// Other errors: not FLV (shared::error), file system errors, file_replaced.
  static result finalize(const std::filesystem::path& file);

  /// Removes `*.flv.tmp` files under `dir` (recursively) that a crash mid-rewrite left; call
  /// at start-up, before any finalizer runs. A missing `dir` is not an error.
  static std::error_code cleanup(const std::filesystem::path& dir, std::size_t* removed = nullptr);

 private:
  void run();

  options options_;
  mutable std::mutex mutex_;
  std::condition_variable work_;  // queue_ non-empty or stopping_
  std::condition_variable idle_;  // queue_ empty and !busy_
  std::deque<std::filesystem::path> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  stats stats_;
  std::thread thread_;  // last: starts after everything it uses
};

}  // namespace lectern::server
