// buffer_policy: fixed or automatic target, and the catch-up rule.
#include "lectern/media/buffer_policy.hpp"

#include <algorithm>
#include <charconv>

namespace lectern::media {

namespace {
// Each window keeps at most this many samples (a packet or a playback step each).
constexpr std::size_t k_max_samples = 8192;
constexpr int k_max_buffer_ms = 60000;  // the control protocol's buffer.set range
constexpr std::int64_t k_speed_stop_margin_us = 30'000;

std::int64_t since_epoch_us(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
}  // namespace

std::optional<buffer_setting> buffer_setting::parse(std::string_view text) {
  if (text == "auto") return buffer_setting{true, 0};
  int ms = -1;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, ms);
  if (ec != std::errc() || ptr != end || ms < 0 || ms > k_max_buffer_ms) return std::nullopt;
  return buffer_setting{false, ms};
}

std::string buffer_setting::text() const {
  return automatic ? "auto" : std::to_string(fixed_ms);
}

buffer_policy::buffer_policy(buffer_setting setting, std::int64_t auto_initial_us,
                             buffer_tuning tuning)
    : setting_(setting), tuning_(tuning), auto_target_us_(auto_initial_us) {}

void buffer_policy::set(buffer_setting setting, clock::time_point now) {
  setting_ = setting;
  speeding_ = false;
  levels_.clear();
  auto_updated_at_ = now;
}

void buffer_policy::on_arrival(std::int64_t dts_us, clock::time_point at) {
  // The burst a server sends from its GOP cache on (re)connect arrives all at once with old
  // timestamps: it says nothing about the network's jitter.
  if (at - timeline_start_ < tuning_.ignore_after_start) return;
  delays_.push_back({at, since_epoch_us(at) - dts_us});
  trim(delays_, at - tuning_.jitter_window, k_max_samples);
  jitter_us_.reset();
}

void buffer_policy::on_new_timeline(clock::time_point now) {
  timeline_start_ = now;
  delays_.clear();
  jitter_us_.reset();
  levels_.clear();
  speeding_ = false;
}

void buffer_policy::on_stall(clock::time_point now) {
  speeding_ = false;
  levels_.clear();
  // The measured spread was not enough (or not yet measured): raise at once and hold.
  auto_target_us_ = std::min(tuning_.auto_max_us, auto_target_us_ + tuning_.stall_bump_us);
  auto_raised_at_ = now;
}

void buffer_policy::on_skip() {
  speeding_ = false;
  levels_.clear();
}

std::int64_t buffer_policy::jitter_us() const {
  if (delays_.size() < 2) return 0;
  if (!jitter_us_) {
    const auto [lo, hi] =
        std::minmax_element(delays_.begin(), delays_.end(),
                            [](const sample& a, const sample& b) { return a.value < b.value; });
    jitter_us_ = hi->value - lo->value;
  }
  return *jitter_us_;
}

std::int64_t buffer_policy::target_us(clock::time_point now) {
  if (!setting_.automatic) return std::int64_t{setting_.fixed_ms} * 1000;
  update_auto(now);
  return auto_target_us_;
}

// Raise at once to what the window's spread needs; lower slowly, and only after holding a
// raised target for a while, so that one calm minute does not undo what a bad one taught.
void buffer_policy::update_auto(clock::time_point now) {
  const bool measured =
      delays_.size() >= 2 && delays_.back().at - delays_.front().at >= std::chrono::seconds(2);
  if (measured) {
    const auto needed = std::clamp(
        static_cast<std::int64_t>(static_cast<double>(jitter_us()) * tuning_.auto_margin) +
            tuning_.auto_floor_us,
        tuning_.auto_min_us, tuning_.auto_max_us);
    if (needed > auto_target_us_) {
      auto_target_us_ = needed;
      auto_raised_at_ = now;
    } else if (now - auto_raised_at_ >= tuning_.auto_hold && now > auto_updated_at_) {
      const auto elapsed_us =
          std::chrono::duration_cast<std::chrono::microseconds>(now - auto_updated_at_).count();
      const auto step = elapsed_us * tuning_.auto_decay_us_per_s / 1'000'000;
      auto_target_us_ = std::max(needed, auto_target_us_ - step);
    }
  }
  auto_updated_at_ = now;
}

catch_up buffer_policy::decide(std::int64_t level_us, clock::time_point now) {
  levels_.push_back({now, level_us});
  trim(levels_, now - tuning_.level_window, k_max_samples);
  const auto target = target_us(now);
  // Only a lasting excess counts: a jittery network fills the buffer in clumps, and eating
  // a clump's excess would leave nothing for the next gap.
  const bool window_full = now - levels_.front().at >= tuning_.level_window / 2;
  const auto min_level =
      std::min_element(levels_.begin(), levels_.end(), [](const sample& a, const sample& b) {
        return a.value < b.value;
      })->value;
  if (window_full && min_level > target + std::max(tuning_.skip_threshold_us, target)) {
    on_skip();
    return {1.0, true};
  }
  if (!speeding_ && window_full &&
      min_level > target + std::max(tuning_.speed_threshold_us, target / 5)) {
    speeding_ = true;
  }
  if (speeding_ && level_us <= target + k_speed_stop_margin_us) speeding_ = false;
  return {speeding_ ? tuning_.catch_up_rate : 1.0, false};
}

void buffer_policy::trim(std::deque<sample>& d, clock::time_point oldest, std::size_t cap) {
  while (!d.empty() && (d.front().at < oldest || d.size() > cap)) d.pop_front();
}

}  // namespace lectern::media
