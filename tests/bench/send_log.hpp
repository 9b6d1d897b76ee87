// What the in-process publisher sent and when, readable by players on other threads: the
// basis of "delay added by the server" and "delivery".
//
// Players find the publisher's record of a message by a fingerprint of its payload, not by
// its timestamp: a server may rebase timestamps per player (nginx-rtmp without atc, a
// timestamp mapper), but it forwards audio and video payloads byte for byte.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "lectern/shared/bytes.hpp"

namespace lectern::bench {

/// A 64-bit fingerprint of a media message: its type, size and first and last 32 bytes.
/// Two video frames of a moving picture never share all of these; identical messages (a
/// frozen picture, a repeated audio frame) map to the latest send, which is what a player
/// receives unless the server delays it by more than the repetition period.
std::uint64_t fingerprint(std::uint8_t type, shared::byte_view payload) noexcept;

/// The publisher's record of one sent message.
struct send_record {
  std::chrono::steady_clock::time_point sent;  ///< just before the write that carried it
  std::uint64_t audio_before = 0;              ///< audio payload bytes the publisher sent before it
  std::uint64_t video_before = 0;              ///< video payload bytes the publisher sent before it
};

/// A fixed-size 4-way set-associative table from fingerprint to send_record: one writer
/// (the publisher), any number of readers on other threads, no locks. Each slot is a
/// seqlock; a reader that races the writer, or finds the record replaced, gets a miss,
/// which players count as unmatched. With 2^17 slots and ~75 messages/s a record survives
/// for many minutes, far longer than any delay worth measuring.
class send_log {
 public:
  explicit send_log(unsigned slots_log2 = 17);

  void record(std::uint64_t fp, const send_record& r) noexcept;
  bool find(std::uint64_t fp, send_record& out) const noexcept;

  // Running totals, written by the publisher and read anywhere (relaxed: they are counters).
  std::atomic<std::uint64_t> audio_bytes{0};  ///< audio payload bytes sent
  std::atomic<std::uint64_t> video_bytes{0};  ///< video payload bytes sent
  std::atomic<std::uint64_t> messages{0};     ///< media and data messages sent
  std::atomic<std::uint64_t> wire_bytes{0};   ///< bytes written to the socket
  /// steady_clock nanoseconds of the last media write (0: none yet).
  std::atomic<std::int64_t> last_send_ns{0};

  /// Delivery counts what was sent before this time, so that what is still in flight when
  /// the players stop does not count as lost. Set before the run starts.
  std::chrono::steady_clock::time_point cutoff = std::chrono::steady_clock::time_point::max();
  /// Called by the publisher before each write: keeps its totals as they were at cutoff.
  void note_time(std::chrono::steady_clock::time_point now) noexcept;
  /// Audio (or video) payload bytes sent before cutoff, or in all if it never came.
  std::uint64_t bytes_before_cutoff(bool audio) const noexcept;

 private:
  struct slot {
    std::atomic<std::uint32_t> seq{0};  // odd while the writer is inside
    std::atomic<std::uint64_t> key{0};
    std::atomic<std::int64_t> sent_ns{0};
    std::atomic<std::uint64_t> audio{0};
    std::atomic<std::uint64_t> video{0};
  };

  static bool read(const slot& s, std::uint64_t fp, send_record& out) noexcept;

  std::unique_ptr<slot[]> slots_;
  std::uint64_t mask_;
  std::atomic<bool> cutoff_reached_{false};
  std::atomic<std::uint64_t> audio_at_cutoff_{0};
  std::atomic<std::uint64_t> video_at_cutoff_{0};
};

}  // namespace lectern::bench
