// The player's packet queue between the network and the decoders (Flash's NetStream
// buffer): packets in arrival order, their total bytes and the media time they span, with
// hard bounds. Thread-safe: the RTMP reader pushes, the playback engine pops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "lectern/media/media_packet.hpp"

namespace lectern::media {

/// Bounds of a jitter_buffer. Past either, the oldest packets are dropped up to the next
/// video keyframe (so what stays still decodes) and counted.
struct jitter_buffer_limits {
  std::size_t max_bytes = 64u << 20;      ///< 64 MiB: minutes of a classroom stream
  std::int64_t max_span_us = 60'000'000;  ///< 60 s of media
  std::size_t max_packets = 20'000;
};

/// What a jitter_buffer holds and has done (a snapshot).
struct jitter_buffer_stats {
  std::size_t packets = 0;
  std::size_t bytes = 0;
  std::uint64_t dropped_packets = 0;  ///< dropped by the bounds
  std::uint64_t skipped_packets = 0;  ///< dropped by skip_to (catch-up)
  std::uint64_t generation = 0;       ///< new_timeline() calls
};

/// Packet queue with a timeline generation: a reconnect starts a new timeline, which the
/// consumer notices and resets its decoders and clock for.
class jitter_buffer {
 public:
  explicit jitter_buffer(jitter_buffer_limits limits = {});

  /// Appends a packet (the reader's thread). Wakes a waiting consumer.
  void push(media_packet p);
  /// Drops everything and starts a new timeline (after a reconnect).
  void new_timeline();
  /// Wakes waiters for good (shutdown).
  void close();

  /// Removes and returns the oldest packet, if any and if its dts is at most `until_us`.
  std::optional<media_packet> pop(std::int64_t until_us = std::numeric_limits<std::int64_t>::max());
  /// dts of the oldest packet, if any.
  std::optional<std::int64_t> front_dts_us() const;
  /// The newest dts of `kind` that was pushed in this timeline and is not yet popped, or
  /// the newest popped one when the queue holds none of that kind.
  std::optional<std::int64_t> newest_us(media_kind kind) const;
  /// True once a packet of `kind` was pushed in this timeline.
  bool seen(media_kind kind) const;
  /// Drops the oldest packets so that playback can start at `us`: audio before `us`, and
  /// video before the last keyframe at or before `us` (video after it is still needed to
  /// decode up to `us`). Returns the number of packets dropped.
  std::size_t skip_to(std::int64_t us);
  /// Waits until a packet is pushed, the timeline changes, close() or `timeout`.
  void wait(std::chrono::milliseconds timeout);

  /// Moves the (dts, arrival) of packets pushed since the last call into `out` (for the
  /// jitter measurement, which must not wait for packets to be played).
  void drain_arrivals(
      std::vector<std::pair<std::int64_t, std::chrono::steady_clock::time_point>>& out);

  std::uint64_t generation() const;
  jitter_buffer_stats stats() const;

 private:
  void enforce_bounds_locked();
  void drop_front_to_keyframe_locked();

  jitter_buffer_limits limits_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<media_packet> queue_;  // bounded by limits_ (enforce_bounds_locked)
  // Bounded by k_max_arrivals; older entries are dropped when the engine does not drain.
  std::deque<std::pair<std::int64_t, std::chrono::steady_clock::time_point>> arrivals_;
  std::size_t bytes_ = 0;
  std::optional<std::int64_t> newest_[2];
  bool seen_[2] = {false, false};
  bool closed_ = false;
  std::uint64_t pushes_ = 0;
  jitter_buffer_stats counters_;
};

}  // namespace lectern::media
