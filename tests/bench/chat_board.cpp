#include "chat_board.hpp"

namespace lectern::bench {

chat_board::chat_board(int clients, int messages, std::string run_id)
    : messages_(messages),
      tracks_(std::make_unique<chat_message_track[]>(static_cast<std::size_t>(messages))),
      connected_(std::make_unique<std::atomic<bool>[]>(static_cast<std::size_t>(clients))) {
  marker_ = "lb ";
  marker_ += run_id + " ";
}

void chat_board::delivered(int seq, std::int64_t arrival_ns) {
  chat_message_track& t = message(seq);
  std::int64_t last = t.last_ns.load(std::memory_order_relaxed);
  while (last < arrival_ns && !t.last_ns.compare_exchange_weak(last, arrival_ns)) {
  }
  if (t.received.fetch_add(1) + 1 == t.expected.load()) notify();
}

void chat_board::notify() {
  // Taking the lock orders the notification after the coordinator's predicate check.
  std::lock_guard lock(mu);
  cv.notify_all();
}

}  // namespace lectern::bench
