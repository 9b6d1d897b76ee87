// jitter_buffer: a bounded, locked deque of packets with a timeline generation.
#include "lectern/media/jitter_buffer.hpp"

#include <algorithm>

namespace lectern::media {

namespace {
std::size_t index_of(media_kind k) {
  return k == media_kind::audio ? 0 : 1;
}
constexpr std::size_t k_max_arrivals = 4096;
std::size_t size_of(const media_packet& p) {
  return p.packet ? static_cast<std::size_t>(p.packet->size) : 0;
}
}  // namespace

jitter_buffer::jitter_buffer(jitter_buffer_limits limits) : limits_(limits) {}

void jitter_buffer::push(media_packet p) {
  {
    std::lock_guard lock(mutex_);
    const auto i = index_of(p.kind);
    newest_[i] = std::max(newest_[i].value_or(p.dts_us), p.dts_us);
    seen_[i] = true;
    bytes_ += size_of(p);
    arrivals_.emplace_back(p.dts_us, p.arrival);
    if (arrivals_.size() > k_max_arrivals) arrivals_.pop_front();
    queue_.push_back(std::move(p));
    ++pushes_;
    enforce_bounds_locked();
  }
  cv_.notify_all();
}

void jitter_buffer::new_timeline() {
  {
    std::lock_guard lock(mutex_);
    queue_.clear();
    arrivals_.clear();
    bytes_ = 0;
    newest_[0].reset();
    newest_[1].reset();
    seen_[0] = seen_[1] = false;
    ++counters_.generation;
  }
  cv_.notify_all();
}

void jitter_buffer::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  cv_.notify_all();
}

std::optional<media_packet> jitter_buffer::pop(std::int64_t until_us) {
  std::lock_guard lock(mutex_);
  if (queue_.empty() || queue_.front().dts_us > until_us) return std::nullopt;
  media_packet p = std::move(queue_.front());
  queue_.pop_front();
  bytes_ -= size_of(p);
  return p;
}

std::optional<std::int64_t> jitter_buffer::front_dts_us() const {
  std::lock_guard lock(mutex_);
  if (queue_.empty()) return std::nullopt;
  return queue_.front().dts_us;
}

std::optional<std::int64_t> jitter_buffer::newest_us(media_kind kind) const {
  std::lock_guard lock(mutex_);
  return newest_[index_of(kind)];
}

bool jitter_buffer::seen(media_kind kind) const {
  std::lock_guard lock(mutex_);
  return seen_[index_of(kind)];
}

std::size_t jitter_buffer::skip_to(std::int64_t us) {
  std::lock_guard lock(mutex_);
  // The last keyframe at or before `us`: video before it cannot help decode what follows.
  std::optional<std::int64_t> keyframe;
  for (const auto& p : queue_) {
    if (p.kind == media_kind::video && p.keyframe && p.dts_us <= us) keyframe = p.dts_us;
  }
  const auto before = queue_.size();
  std::erase_if(queue_, [&](const media_packet& p) {
    const bool drop =
        p.kind == media_kind::audio ? p.pts_us < us : (keyframe && p.dts_us < *keyframe);
    if (drop) bytes_ -= size_of(p);
    return drop;
  });
  const auto dropped = before - queue_.size();
  counters_.skipped_packets += dropped;
  return dropped;
}

void jitter_buffer::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const auto pushes = pushes_;
  const auto generation = counters_.generation;
  cv_.wait_for(lock, timeout,
               [&] { return closed_ || pushes_ != pushes || counters_.generation != generation; });
}

void jitter_buffer::drain_arrivals(
    std::vector<std::pair<std::int64_t, std::chrono::steady_clock::time_point>>& out) {
  std::lock_guard lock(mutex_);
  out.assign(arrivals_.begin(), arrivals_.end());
  arrivals_.clear();
}

std::uint64_t jitter_buffer::generation() const {
  std::lock_guard lock(mutex_);
  return counters_.generation;
}

jitter_buffer_stats jitter_buffer::stats() const {
  std::lock_guard lock(mutex_);
  auto s = counters_;
  s.packets = queue_.size();
  s.bytes = bytes_;
  return s;
}

void jitter_buffer::enforce_bounds_locked() {
  const auto over = [&] {
    if (queue_.empty()) return false;
    return bytes_ > limits_.max_bytes || queue_.size() > limits_.max_packets ||
           queue_.back().dts_us - queue_.front().dts_us > limits_.max_span_us;
  };
  while (over()) drop_front_to_keyframe_locked();
}

// Drops the oldest packet and then everything up to the next video keyframe, so that the
// decoder never sees inter frames whose reference was dropped (audio-only: one packet).
void jitter_buffer::drop_front_to_keyframe_locked() {
  do {
    bytes_ -= size_of(queue_.front());
    queue_.pop_front();
    ++counters_.dropped_packets;
  } while (seen_[1] && !queue_.empty() &&
           !(queue_.front().kind == media_kind::video && queue_.front().keyframe));
}

}  // namespace lectern::media
