#include "outbound_queue.hpp"

#include <algorithm>
#include <limits>

namespace lectern::server {

using shared::drop_priority;

void outbound_queue::push_control(shared::shared_bytes wire, clock::time_point now) {
  if (!wire || wire->empty()) return;
  entry e;
  e.queued_at = now;
  e.wire = std::move(wire);
  e.priority = drop_priority::never;
  bytes_ += e.wire->size();
  control_bytes_ += e.wire->size();
  entries_.push_back(std::move(e));
  counters_.max_bytes_seen = std::max<std::uint64_t>(counters_.max_bytes_seen, bytes_);
}

bool outbound_queue::push_media(entry e) {
  if (!e.wire || e.wire->empty()) return false;
  if (e.video && e.priority != drop_priority::never) {
    // After a drop (or a player turning video back on) inter frames reference pictures
    // the player never got: skip them until a keyframe starts a new GOP.
    if (!e.keyframe && waiting_for_keyframe(e.stream_id)) {
      account_drop(e);
      return false;
    }
    if (e.keyframe) stop_waiting(e.stream_id);
  }
  const auto size = e.wire->size();
  const auto* const pushed = e.wire.get();
  bytes_ += size;
  if (e.priority == drop_priority::never) control_bytes_ += size;
  if (counts_against_bounds(e)) paced_bytes_ += size;
  entries_.push_back(std::move(e));
  counters_.max_bytes_seen = std::max<std::uint64_t>(counters_.max_bytes_seen, bytes_);
  if (!over_limits()) return true;

  // 1. Disposable frames: nothing references them, video keeps decoding.
  drop_if([](const entry& x) { return x.priority == drop_priority::disposable; });
  if (!over_limits()) return true;
  // 2. Inter frames: the rest of each GOP is lost, so video waits for the next keyframe.
  drop_if([this](const entry& x) {
    if (x.priority != drop_priority::inter) return false;
    if (x.video) wait_for_keyframe(x.stream_id);
    return true;
  });
  // 3. Keyframes and audio, oldest first: this player's link cannot carry even those.
  while (over_limits()) drop_oldest_media();
  // Did the message we were asked to queue survive?
  return !entries_.empty() && entries_.back().wire.get() == pushed;
}

void outbound_queue::take(std::vector<entry>& out, std::size_t max_bytes, std::size_t max_entries) {
  std::size_t taken = 0;
  std::size_t count = 0;
  while (
      !entries_.empty() &&
      (count == 0 || (count < max_entries && taken + entries_.front().wire->size() <= max_bytes))) {
    ++count;
    auto& e = entries_.front();
    const auto size = e.wire->size();
    taken += size;
    bytes_ -= size;
    if (counts_against_bounds(e)) paced_bytes_ -= size;
    if (e.priority == drop_priority::never) control_bytes_ -= size;
    out.push_back(std::move(e));
    entries_.pop_front();
  }
}

outbound_queue::clock::time_point outbound_queue::oldest_queued_at(
    clock::time_point now) const noexcept {
  return entries_.empty() ? now : entries_.front().queued_at;
}

bool outbound_queue::waiting_for_keyframe(std::uint32_t stream_id) const noexcept {
  return std::find(waiting_.begin(), waiting_.end(), stream_id) != waiting_.end();
}

void outbound_queue::wait_for_keyframe(std::uint32_t stream_id) {
  if (!waiting_for_keyframe(stream_id)) waiting_.push_back(stream_id);
}

void outbound_queue::stop_waiting(std::uint32_t stream_id) noexcept {
  waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), stream_id), waiting_.end());
}

void outbound_queue::clear() noexcept {
  entries_.clear();
  bytes_ = 0;
  paced_bytes_ = 0;
  control_bytes_ = 0;
}

void outbound_queue::drop_stream(std::uint32_t stream_id) {
  // Only media and data carry a stream id here; the stream's statuses stay.
  drop_if([stream_id](const entry& x) {
    return x.stream_id == stream_id && x.priority != drop_priority::never;
  });
}

bool outbound_queue::over_limits() const noexcept {
  if (paced_bytes_ > limits_.max_bytes) return true;
  return media_span() > static_cast<std::uint64_t>(limits_.max_media_span.count());
}

std::uint64_t outbound_queue::media_span() const noexcept {
  // Media entries are queued in stream order, so the oldest and newest paced ones bound
  // the span (audio and video interleave within a few hundred ms).
  std::uint64_t first = std::numeric_limits<std::uint64_t>::max();
  for (const auto& e : entries_) {
    if (counts_against_bounds(e)) {
      first = e.timestamp;
      break;
    }
  }
  if (first == std::numeric_limits<std::uint64_t>::max()) return 0;
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (counts_against_bounds(*it)) {
      return it->timestamp > first ? it->timestamp - first : 0;
    }
  }
  return 0;
}

template <class Pred>
std::size_t outbound_queue::drop_if(Pred pred) {
  std::size_t n = 0;
  auto out = entries_.begin();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (pred(*it)) {
      account_drop(*it);
      const auto size = it->wire->size();
      bytes_ -= size;
      if (counts_against_bounds(*it)) paced_bytes_ -= size;
      ++n;
    } else {
      if (out != it) *out = std::move(*it);
      ++out;
    }
  }
  entries_.erase(out, entries_.end());
  return n;
}

void outbound_queue::drop_oldest_media() {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [](const entry& x) { return x.priority != drop_priority::never; });
  if (it == entries_.end()) {
    // Only undroppable messages are left; they are small and bounded by the session's
    // own limits, so the queue may sit above the media bounds for a moment.
    paced_bytes_ = 0;
    return;
  }
  if (it->video) wait_for_keyframe(it->stream_id);
  ++counters_.dropped_keyframes_or_audio;
  account_drop(*it);
  const auto size = it->wire->size();
  bytes_ -= size;
  if (counts_against_bounds(*it)) paced_bytes_ -= size;
  entries_.erase(it);
}

void outbound_queue::account_drop(const entry& e) noexcept {
  ++counters_.dropped_messages;
  counters_.dropped_bytes += e.wire ? e.wire->size() : 0;
  if (e.video) {
    ++counters_.dropped_video;
  } else {
    ++counters_.dropped_audio;
  }
}

}  // namespace lectern::server
