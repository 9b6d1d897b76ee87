// What the clients of `lectern-bench ws-chat` share with the coordinator: where each chat
// message stands (who has it, when the last one got it) and the live counters of the run.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "stats.hpp"

namespace lectern::bench {

/// Nanoseconds of the steady clock since its epoch: the time stamp a chat message carries,
/// comparable across the tool's threads (one process, one clock).
inline std::int64_t steady_ns(clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

/// One chat message of the run. The sender sets sent_ns; every client that sees it counts
/// itself in `received` and pushes `last_ns` up to its arrival time.
struct chat_message_track {
  std::atomic<int> expected{0};  ///< clients connected when it was sent (set before sending)
  std::atomic<int> received{0};
  std::atomic<std::int64_t> sent_ns{0};
  std::atomic<std::int64_t> last_ns{0};  ///< the latest arrival so far
  std::atomic<std::int64_t> ack_ns{0};   ///< when the sender got its `result`
  std::atomic<bool> refused{false};      ///< the sender got ok:false (its error says why)
};

/// Shared state of one ws-chat run. Clients write from their I/O threads; the coordinator
/// waits on `cv` for joins and deliveries.
class chat_board {
 public:
  chat_board(int clients, int messages, std::string run_id);

  /// "lb RUN " — every chat text of this run starts with it, so that messages left in the
  /// room's persistent chat by an earlier run are not taken for this run's.
  const std::string& marker() const noexcept { return marker_; }
  int messages() const noexcept { return messages_; }
  chat_message_track& message(int seq) { return tracks_[static_cast<std::size_t>(seq)]; }
  std::atomic<bool>& connected(int client) { return connected_[static_cast<std::size_t>(client)]; }

  /// A client saw message `seq` at `arrival_ns`; wakes the coordinator when it was the
  /// last one expected.
  void delivered(int seq, std::int64_t arrival_ns);
  /// Wakes the coordinator (a join, a failure, an acknowledgement).
  void notify();

  std::atomic<int> joined{0};         ///< clients that completed the join (ever)
  std::atomic<int> failed{0};         ///< clients whose join failed
  std::atomic<int> connected_now{0};  ///< joined and still open
  std::atomic<std::uint64_t> frames_in{0};
  std::atomic<std::uint64_t> bytes_in{0};
  std::mutex mu;
  std::condition_variable cv;

 private:
  std::string marker_;
  int messages_;
  std::unique_ptr<chat_message_track[]> tracks_;
  std::unique_ptr<std::atomic<bool>[]> connected_;
};

}  // namespace lectern::bench
