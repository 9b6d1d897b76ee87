#include "send_log.hpp"

#include <algorithm>
#include <cstring>

namespace lectern::bench {

namespace {

// splitmix64's finaliser: cheap and mixes every input bit into every output bit.
std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t mix_bytes(std::uint64_t h, const std::uint8_t* p, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p + i, std::min<std::size_t>(8, n - i));
    h = mix(h ^ w);
  }
  return h;
}

}  // namespace

std::uint64_t fingerprint(std::uint8_t type, shared::byte_view payload) noexcept {
  constexpr std::size_t k_edge = 32;
  const std::size_t n = payload.size();
  std::uint64_t h = mix((std::uint64_t{type} << 32) ^ n);
  h = mix_bytes(h, payload.data(), std::min(n, k_edge));
  if (n > k_edge) {
    const std::size_t tail = std::min(n - k_edge, k_edge);
    h = mix_bytes(h, payload.data() + n - tail, tail);
  }
  return h;
}

send_log::send_log(unsigned slots_log2)
    : slots_(new slot[std::size_t{1} << slots_log2]), mask_((std::uint64_t{1} << slots_log2) - 1) {}

// The table is k_ways-way set associative: a fingerprint may sit in any slot of its
// bucket, and a new record replaces the oldest one there, so a record is only lost when
// k_ways newer ones land in its bucket before a player looks it up.
namespace {
constexpr std::uint64_t k_ways = 4;
}

void send_log::record(std::uint64_t fp, const send_record& r) noexcept {
  const std::uint64_t bucket = fp & mask_ & ~(k_ways - 1);
  slot* target = &slots_[bucket];
  for (std::uint64_t i = 0; i < k_ways; ++i) {  // only this thread writes: relaxed reads
    slot& c = slots_[bucket + i];
    if (c.key.load(std::memory_order_relaxed) == fp) {
      target = &c;
      break;
    }
    if (c.sent_ns.load(std::memory_order_relaxed) < target->sent_ns.load(std::memory_order_relaxed))
      target = &c;
  }
  slot& s = *target;
  const std::uint32_t seq = s.seq.load(std::memory_order_relaxed);
  s.seq.store(seq + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  s.key.store(fp, std::memory_order_relaxed);
  s.sent_ns.store(r.sent.time_since_epoch().count(), std::memory_order_relaxed);
  s.audio.store(r.audio_before, std::memory_order_relaxed);
  s.video.store(r.video_before, std::memory_order_relaxed);
  s.seq.store(seq + 2, std::memory_order_release);
}

bool send_log::read(const slot& s, std::uint64_t fp, send_record& out) noexcept {
  const std::uint32_t before = s.seq.load(std::memory_order_acquire);
  if (before == 0 || (before & 1) != 0) return false;
  const std::uint64_t key = s.key.load(std::memory_order_relaxed);
  const std::int64_t sent = s.sent_ns.load(std::memory_order_relaxed);
  const std::uint64_t audio = s.audio.load(std::memory_order_relaxed);
  const std::uint64_t video = s.video.load(std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_acquire);
  if (s.seq.load(std::memory_order_relaxed) != before || key != fp) return false;
  out.sent = std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(sent));
  out.audio_before = audio;
  out.video_before = video;
  return true;
}

bool send_log::find(std::uint64_t fp, send_record& out) const noexcept {
  const std::uint64_t bucket = fp & mask_ & ~(k_ways - 1);
  for (std::uint64_t i = 0; i < k_ways; ++i)
    if (read(slots_[bucket + i], fp, out)) return true;
  return false;
}

void send_log::note_time(std::chrono::steady_clock::time_point now) noexcept {
  if (now < cutoff || cutoff_reached_.load(std::memory_order_relaxed)) return;
  audio_at_cutoff_.store(audio_bytes.load(std::memory_order_relaxed), std::memory_order_relaxed);
  video_at_cutoff_.store(video_bytes.load(std::memory_order_relaxed), std::memory_order_relaxed);
  cutoff_reached_.store(true, std::memory_order_release);
}

std::uint64_t send_log::bytes_before_cutoff(bool audio) const noexcept {
  if (cutoff_reached_.load(std::memory_order_acquire))
    return (audio ? audio_at_cutoff_ : video_at_cutoff_).load(std::memory_order_relaxed);
  return (audio ? audio_bytes : video_bytes).load(std::memory_order_relaxed);
}

}  // namespace lectern::bench
