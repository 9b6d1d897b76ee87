// How much to buffer and how to hold it: NetStream.bufferTime semantics for a fixed target,
// an automatic target from measured arrival jitter, and the catch-up decision (play slightly
// faster, or skip ahead) that keeps the delay at the target after a burst or a pause.
// Pure logic with injected times: no threads, no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace lectern::media {

/// A fixed buffer in milliseconds, or automatic.
struct buffer_setting {
  bool automatic = false;
  int fixed_ms = 1000;  ///< used when !automatic; 0 = lowest latency
  /// "auto" or a number of milliseconds (0..60000); nullopt when neither.
  static std::optional<buffer_setting> parse(std::string_view text);
  std::string text() const;  ///< "auto" or "1500"
};

/// Tuning of the automatic mode and of catch-up (defaults documented in student-client/README).
struct buffer_tuning {
  std::chrono::milliseconds jitter_window{30000};      ///< arrival samples kept for `auto`
  std::chrono::milliseconds ignore_after_start{1500};  ///< the GOP burst of a (re)connect
  double auto_margin = 1.25;                           ///< target = spread × margin + floor
  std::int64_t auto_floor_us = 150'000;
  std::int64_t auto_min_us = 200'000;
  std::int64_t auto_max_us = 10'000'000;
  std::int64_t auto_decay_us_per_s = 50'000;     ///< how fast `auto` lowers its target
  std::chrono::milliseconds auto_hold{10000};    ///< no lowering this long after a raise
  std::int64_t stall_bump_us = 250'000;          ///< `auto` raise after a stall
  std::chrono::milliseconds level_window{4000};  ///< catch-up looks at the minimum level here
  double catch_up_rate = 1.05;                   ///< "slightly faster"
  std::int64_t speed_threshold_us = 150'000;     ///< excess (or target/5) that starts speeding
  std::int64_t skip_threshold_us = 2'000'000;    ///< excess (or the target) that skips ahead
};

/// The decision for the next moment of playback.
struct catch_up {
  double rate = 1.0;  ///< playback speed
  bool skip = false;  ///< jump ahead so the buffer holds the target
};

/// The target buffer and the catch-up rule of one player.
class buffer_policy {
 public:
  using clock = std::chrono::steady_clock;

  explicit buffer_policy(buffer_setting setting, std::int64_t auto_initial_us = 1'000'000,
                         buffer_tuning tuning = {});

  void set(buffer_setting setting, clock::time_point now);
  const buffer_setting& setting() const { return setting_; }

  /// A packet with timeline time `dts_us` arrived at `at`.
  void on_arrival(std::int64_t dts_us, clock::time_point at);
  /// A new connection or timeline: old arrival samples no longer compare.
  void on_new_timeline(clock::time_point now);
  /// Playback ran dry.
  void on_stall(clock::time_point now);
  /// Playback jumped ahead: old level samples no longer apply.
  void on_skip();

  /// The buffer to hold now (µs); `auto` adapts here.
  std::int64_t target_us(clock::time_point now);
  /// Arrival jitter seen in the window: the spread of (arrival − timestamp), µs.
  std::int64_t jitter_us() const;
  /// Speed or skip, given the buffer level now.
  catch_up decide(std::int64_t level_us, clock::time_point now);

 private:
  struct sample {
    clock::time_point at;
    std::int64_t value;
  };
  void update_auto(clock::time_point now);
  static void trim(std::deque<sample>& d, clock::time_point oldest, std::size_t cap);

  buffer_setting setting_;
  buffer_tuning tuning_;
  std::int64_t auto_target_us_;
  clock::time_point auto_raised_at_{};
  clock::time_point auto_updated_at_{};
  clock::time_point timeline_start_{};
  std::deque<sample> delays_;  // bounded: jitter_window and k_max_samples
  // The spread of delays_, computed when asked after delays_ changed: the engine asks
  // every step, packets arrive less often.
  mutable std::optional<std::int64_t> jitter_us_;
  std::deque<sample> levels_;  // bounded: level_window and k_max_samples
  bool speeding_ = false;
};

}  // namespace lectern::media
