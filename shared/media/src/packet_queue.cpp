// The bounded send queue.
#include "lectern/media/packet_queue.hpp"

namespace lectern::media {

bool packet_queue::push(encoded_packet&& p) {
  {
    std::lock_guard lock(mutex_);
    if (closed_ || items_.size() >= max_) return false;
    items_.push_back(std::move(p));
  }
  cv_.notify_one();
  return true;
}

std::optional<encoded_packet> packet_queue::pop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!cv_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); })) return {};
  if (items_.empty()) return {};
  encoded_packet p = std::move(items_.front());
  items_.pop_front();
  return p;
}

std::size_t packet_queue::clear() {
  std::lock_guard lock(mutex_);
  const std::size_t n = items_.size();
  items_.clear();
  return n;
}

void packet_queue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  cv_.notify_all();
}

std::size_t packet_queue::size() const {
  std::lock_guard lock(mutex_);
  return items_.size();
}

}  // namespace lectern::media
