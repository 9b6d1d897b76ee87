// Measurement helpers of lectern-bench: a bounded sample for percentiles, the stall model,
// and the counters the progress line reads while the run goes on.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace lectern::bench {

using clock = std::chrono::steady_clock;

/// Milliseconds between two time points, as a double.
inline double ms_between(clock::time_point from, clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

/// A bounded sample of one metric: every value until `cap` values were seen, then a uniform
/// reservoir sample of them (Vitter's algorithm R), so memory stays cap * 4 bytes however
/// long the run is.
class sample_set {
 public:
  explicit sample_set(std::size_t cap, std::uint64_t seed) : cap_(cap), rng_(seed | 1) {}

  void add(float v);
  std::uint64_t seen() const noexcept { return seen_; }
  const std::vector<float>& values() const noexcept { return values_; }

 private:
  std::size_t cap_;
  std::uint64_t rng_;
  std::uint64_t seen_ = 0;
  std::vector<float> values_;
};

/// Nearest-rank percentile, p in [0, 1]; reorders `v`. nullopt when `v` is empty.
std::optional<double> percentile(std::vector<float>& v, double p);
std::optional<double> percentile(std::vector<double>& v, double p);

/// The stall model: a player that starts playing `threshold` after the first media
/// message arrives and then plays at media speed (audio and video timestamps together).
/// A message that arrives after its play time is a stall: its lateness is added to
/// stalled_ms and the model player rebuffers `threshold` again before going on. So a stall
/// is counted whenever arrival falls behind media time by more than the buffer the player
/// had built, which is `threshold` at the start and after every stall.
class playout_model {
 public:
  explicit playout_model(std::chrono::milliseconds threshold) : threshold_(threshold) {}

  void on_media(clock::time_point arrival, std::uint64_t timestamp_ms);
  /// Counts a last stall when the model player ran out of data before `until` (the
  /// publisher's last send), i.e. when the server stopped delivering.
  void finish(clock::time_point until);

  std::uint64_t stalls() const noexcept { return stalls_; }
  double stalled_ms() const noexcept { return stalled_ms_; }
  /// Timestamp jumps of more than 5 s either way; the model restarts its clock there.
  std::uint64_t timestamp_jumps() const noexcept { return jumps_; }

 private:
  clock::time_point due(std::uint64_t ts) const;

  std::chrono::milliseconds threshold_;
  bool started_ = false;
  clock::time_point origin_{};  // when media time base_ts_ plays
  std::uint64_t base_ts_ = 0;
  std::uint64_t last_ts_ = 0;
  clock::time_point newest_due_{};
  std::uint64_t stalls_ = 0;
  double stalled_ms_ = 0;
  std::uint64_t jumps_ = 0;
};

/// Counters read once a second for the progress line, from any thread.
struct live_counters {
  std::atomic<int> connected{0};  ///< connections open (handshake done)
  std::atomic<int> playing{0};    ///< players receiving media now
  std::atomic<int> failed{0};     ///< players whose setup failed
  std::atomic<int> finished{0};   ///< players whose run is over
  std::atomic<std::uint64_t> bytes_in{0};
};

}  // namespace lectern::bench
