// The publisher's send queue: encoded packets waiting for the network, bounded.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "lectern/media/encoder.hpp"

namespace lectern::media {

/// A bounded FIFO between the encoder threads (producers) and the publisher thread (the
/// consumer). A full queue refuses the new packet (the caller counts it) so that a slow
/// network never makes capture wait. Thread-safe.
class packet_queue {
 public:
  explicit packet_queue(std::size_t max_packets) : max_(max_packets) {}

  /// False (and the packet is dropped) when the queue holds max_packets already.
  bool push(encoded_packet&& p);
  /// Waits up to `timeout` for a packet; nullopt on timeout or after close().
  std::optional<encoded_packet> pop(std::chrono::milliseconds timeout);
  /// Drops everything queued; returns how many packets that was.
  std::size_t clear();
  /// Wakes a waiting pop() for good.
  void close();
  std::size_t size() const;

 private:
  const std::size_t max_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<encoded_packet> items_;
  bool closed_ = false;
};

}  // namespace lectern::media
