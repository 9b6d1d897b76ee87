#include "stats.hpp"

#include <algorithm>
#include <cmath>

namespace lectern::bench {

void sample_set::add(float v) {
  ++seen_;
  if (values_.size() < cap_) {
    values_.push_back(v);
    return;
  }
  // xorshift64: a fast generator is all a reservoir needs.
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  const std::uint64_t j = rng_ % seen_;
  if (j < cap_) values_[j] = v;
}

namespace {
template <typename T>
std::optional<double> nearest_rank(std::vector<T>& v, double p) {
  if (v.empty()) return std::nullopt;
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  const std::size_t i = std::clamp<std::size_t>(rank, 1, v.size()) - 1;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return static_cast<double>(v[i]);
}
}  // namespace

std::optional<double> percentile(std::vector<float>& v, double p) {
  return nearest_rank(v, p);
}
std::optional<double> percentile(std::vector<double>& v, double p) {
  return nearest_rank(v, p);
}

clock::time_point playout_model::due(std::uint64_t ts) const {
  const auto offset = static_cast<std::int64_t>(ts) - static_cast<std::int64_t>(base_ts_);
  return origin_ + std::chrono::milliseconds(offset);
}

void playout_model::on_media(clock::time_point arrival, std::uint64_t ts) {
  constexpr std::uint64_t k_jump_ms = 5000;
  if (!started_) {
    started_ = true;
    base_ts_ = last_ts_ = ts;
    origin_ = arrival + threshold_;
    newest_due_ = origin_;
    return;
  }
  const std::uint64_t gap = ts > last_ts_ ? ts - last_ts_ : last_ts_ - ts;
  if (gap > k_jump_ms) {
    // A discontinuity (or a server that mangles timestamps): go on from here as if this
    // message directly followed the last one.
    ++jumps_;
    origin_ = due(last_ts_);
    base_ts_ = ts;
  }
  last_ts_ = ts;
  const clock::time_point when = due(ts);
  if (arrival > when) {
    ++stalls_;
    stalled_ms_ += ms_between(when, arrival);
    origin_ += (arrival - when) + threshold_;
  }
  newest_due_ = std::max(newest_due_, due(ts));
}

void playout_model::finish(clock::time_point until) {
  if (!started_ || until <= newest_due_) return;
  ++stalls_;
  stalled_ms_ += ms_between(newest_due_, until);
}

}  // namespace lectern::bench
