#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <vector>

#include "lectern/shared/bytes.hpp"
#include "lectern/shared/media_message.hpp"

namespace lectern::server {

/// Bounds of one connection's outbound queue (--subscriber-queue-bytes, -ms).
struct outbound_limits {
  std::size_t max_bytes = 8u << 20;
  std::chrono::milliseconds max_media_span{10000};
};

/// What one connection still has to send: encoded chunks, in order, many of them shared
/// with other players. Bounded in bytes and in media time; when a player cannot keep up,
/// frames are dropped by priority (disposable, then inter frames, then keyframes and
/// audio), never commands, metadata or sequence headers, and video restarts at the next
/// keyframe, so that what the player does get still decodes.
class outbound_queue {
 public:
  using clock = std::chrono::steady_clock;

  using limits = outbound_limits;

  /// One message on the wire, already chunked.
  struct entry {
    shared::shared_bytes wire;
    std::uint64_t timestamp = 0;  ///< media time, for the span bound
    shared::drop_priority priority = shared::drop_priority::never;
    bool video = false;
    bool keyframe = false;
    /// The connection's message stream it belongs to: a player of the teacher's camera and
    /// screen on one connection waits for each one's keyframe separately.
    std::uint32_t stream_id = 0;
    /// Sent in one burst when a player joins (GOP cache): not counted against the bounds,
    /// which are for what piles up while playing.
    bool burst = false;
    clock::time_point queued_at{};
  };

  struct counters {
    std::uint64_t dropped_messages = 0;
    std::uint64_t dropped_bytes = 0;
    std::uint64_t dropped_video = 0;
    std::uint64_t dropped_audio = 0;
    std::uint64_t dropped_keyframes_or_audio = 0;  ///< the last resort: the link is too slow
    std::uint64_t max_bytes_seen = 0;
  };

  explicit outbound_queue(limits l = {}) : limits_(l) {}

  /// Queues a message that must not be dropped (commands, control, metadata, headers).
  void push_control(shared::shared_bytes wire, clock::time_point now);
  /// Queues a media message; may drop it or older ones to stay within the bounds.
  /// Returns false if this message itself was not queued.
  bool push_media(entry e);

  /// Moves up to `max_bytes` and `max_entries` (at least one entry) into `out`, oldest first.
  void take(std::vector<entry>& out, std::size_t max_bytes,
            std::size_t max_entries = static_cast<std::size_t>(-1));

  bool empty() const noexcept { return entries_.empty(); }
  std::size_t size() const noexcept { return entries_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }
  /// When the oldest message still waiting was queued (now() if none).
  clock::time_point oldest_queued_at(clock::time_point now) const noexcept;
  /// Video is skipped until the next keyframe (after drops or a gap).
  bool waiting_for_keyframe(std::uint32_t stream_id = 0) const noexcept;
  void wait_for_keyframe(std::uint32_t stream_id = 0);
  /// Drops everything (a player that is being disconnected).
  void clear() noexcept;
  /// Drops the media and data queued for one message stream (a seek, a play that restarts
  /// the stream), so that a stream never has two start bursts queued.
  void drop_stream(std::uint32_t stream_id);
  /// Bytes of messages that are never dropped (replies, status, headers): a client that
  /// sends commands and never reads their replies is bounded by this, not by the media bounds.
  std::size_t control_bytes() const noexcept { return control_bytes_; }
  const counters& stats() const noexcept { return counters_; }
  const limits& bounds() const noexcept { return limits_; }

 private:
  static bool counts_against_bounds(const entry& e) noexcept {
    return !e.burst && e.priority != shared::drop_priority::never;
  }
  bool over_limits() const noexcept;
  std::uint64_t media_span() const noexcept;
  // Removes every entry matching `pred`; returns how many.
  template <class Pred>
  std::size_t drop_if(Pred pred);
  void drop_oldest_media();
  void account_drop(const entry& e) noexcept;

  limits limits_;
  std::deque<entry> entries_;
  std::size_t bytes_ = 0;          // all entries
  std::size_t paced_bytes_ = 0;    // entries that count against the bounds (not burst)
  std::size_t control_bytes_ = 0;  // entries with drop_priority::never
  void stop_waiting(std::uint32_t stream_id) noexcept;
  std::vector<std::uint32_t> waiting_;  // streams whose video waits for a keyframe (few)
  counters counters_;
};

}  // namespace lectern::server
