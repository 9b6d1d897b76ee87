// The student's buffer rules (NetStream.bufferTime semantics, `auto`, catch-up), driven with
// an injected clock: what a student notices as stalls, delay that creeps up, or a buffer
// that never settles.
#include "lectern/media/buffer_policy.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace lectern::media;
using namespace std::chrono_literals;
using clock_type = buffer_policy::clock;

TEST(BufferSetting, ParsesAutoAndMillisecondsWithinTheProtocolRange) {
  EXPECT_TRUE(buffer_setting::parse("auto")->automatic);
  EXPECT_EQ(buffer_setting::parse("0")->fixed_ms, 0);
  EXPECT_EQ(buffer_setting::parse("2000")->fixed_ms, 2000);
  EXPECT_EQ(buffer_setting::parse("60000")->fixed_ms, 60000);
  for (const char* bad : {"", "-1", "60001", "12ab", "1.5", "AUTO", " 500"}) {
    EXPECT_FALSE(buffer_setting::parse(bad)) << bad;
  }
  EXPECT_EQ(buffer_setting::parse("auto")->text(), "auto");
  EXPECT_EQ(buffer_setting::parse("750")->text(), "750");
}

TEST(BufferPolicy, AFixedSettingIsHeldWhateverTheNetworkDoes) {
  buffer_policy p(*buffer_setting::parse("2000"));
  const auto t0 = clock_type::now();
  p.on_new_timeline(t0);
  for (int i = 0; i < 100; ++i) p.on_arrival(i * 40'000, t0 + 2s + i * 40ms + (i % 2) * 500ms);
  p.on_stall(t0 + 10s);
  EXPECT_EQ(p.target_us(t0 + 10s), 2'000'000);
}

/// Feeds `seconds` of 25 packets/s arriving with delays alternating 0 and `spread`.
void feed(buffer_policy& p, clock_type::time_point start, std::int64_t first_dts_us, int seconds,
          std::chrono::milliseconds spread) {
  for (int i = 0; i < seconds * 25; ++i) {
    const auto nominal = start + i * 40ms;
    p.on_arrival(first_dts_us + i * 40'000, nominal + (i % 2 == 1 ? spread : 0ms));
  }
}

TEST(BufferPolicy, AutoRisesToTheMeasuredJitterAndIgnoresTheConnectBurst) {
  buffer_policy p(*buffer_setting::parse("auto"), 300'000);
  const auto t0 = clock_type::now();
  p.on_new_timeline(t0);
  // The GOP-cache burst of a connect: seconds of old timestamps at once. Not jitter.
  for (int i = 0; i < 50; ++i) p.on_arrival(i * 40'000, t0 + 1ms);
  EXPECT_EQ(p.jitter_us(), 0);
  feed(p, t0 + 2s, 2'000'000, 5, 400ms);
  EXPECT_NEAR(p.jitter_us(), 400'000, 1'000);
  // spread × 1.25 + 150 ms floor
  EXPECT_NEAR(p.target_us(t0 + 7s), 650'000, 2'000);
}

TEST(BufferPolicy, AutoLowersOnlyAfterHoldingAndThenSlowly) {
  buffer_tuning tuning;
  tuning.jitter_window = 5s;  // so that the calm period soon fills the window
  buffer_policy p(*buffer_setting::parse("auto"), 300'000, tuning);
  const auto t0 = clock_type::now();
  p.on_new_timeline(t0);
  feed(p, t0 + 2s, 2'000'000, 5, 400ms);
  const auto raised = p.target_us(t0 + 7s);
  ASSERT_GT(raised, 600'000);
  // The network calms down: steady arrivals from t0+7s on.
  for (int i = 0; i < 40 * 25; ++i) {
    const auto at = t0 + 7s + i * 40ms;
    p.on_arrival(7'000'000 + i * 40'000, at);
    if (i % 25 == 0) (void)p.target_us(at);  // the player asks about once a frame
    if (at < t0 + 7s + tuning.auto_hold) {
      ASSERT_EQ(p.target_us(at), raised) << "lowered during the hold";
    }
  }
  const auto settled = p.target_us(t0 + 47s);
  EXPECT_EQ(settled, tuning.auto_min_us);
  // Lowering takes (raised - floor) / 50 ms per s: not a sudden drop right after the hold.
  buffer_policy q(*buffer_setting::parse("auto"), 300'000, tuning);
  q.on_new_timeline(t0);
  feed(q, t0 + 2s, 2'000'000, 5, 400ms);
  (void)q.target_us(t0 + 7s);
  for (int i = 0; i <= 15 * 25; ++i) {
    const auto at = t0 + 7s + i * 40ms;
    q.on_arrival(7'000'000 + i * 40'000, at);
    if (i % 25 == 0) (void)q.target_us(at);
  }
  const auto after_hold = q.target_us(t0 + 7s + tuning.auto_hold + 5s);
  // 5 s after the hold, at 50 ms per second: well on its way down, not yet at the floor.
  EXPECT_LT(after_hold, raised - 150'000);
  EXPECT_GT(after_hold, tuning.auto_min_us + 100'000);
}

TEST(BufferPolicy, AStallRaisesAuto) {
  buffer_policy p(*buffer_setting::parse("auto"), 500'000);
  const auto t0 = clock_type::now();
  p.on_new_timeline(t0);
  p.on_stall(t0 + 3s);
  EXPECT_EQ(p.target_us(t0 + 3s), 750'000);
}

TEST(BufferPolicy, ALastingExcessPlaysFasterUntilTheTargetIsBack) {
  buffer_policy p(*buffer_setting::parse("1000"));
  const auto t0 = clock_type::now();
  p.on_new_timeline(t0);
  // 600 ms too much for 4 s: faster once the excess has lasted half the window.
  catch_up c;
  for (int i = 0; i <= 100; ++i) c = p.decide(1'600'000, t0 + i * 20ms);
  EXPECT_DOUBLE_EQ(c.rate, 1.05);
  EXPECT_FALSE(c.skip);
  // Still faster while above the target, normal speed once back within 30 ms of it.
  EXPECT_DOUBLE_EQ(p.decide(1'200'000, t0 + 2100ms).rate, 1.05);
  EXPECT_DOUBLE_EQ(p.decide(1'020'000, t0 + 2120ms).rate, 1.0);
}

TEST(BufferPolicy, ClumpyArrivalsAreNotEatenByCatchUp) {
  // A jittery network fills the buffer in clumps: the level swings above the target but
  // keeps dipping to it. Eating the peaks would leave nothing for the next gap.
  buffer_policy p(*buffer_setting::parse("1000"));
  const auto t0 = clock_type::now();
  p.on_new_timeline(t0);
  for (int i = 0; i < 500; ++i) {
    const std::int64_t level = i % 50 < 5 ? 1'000'000 : 1'800'000;
    const auto c = p.decide(level, t0 + i * 20ms);
    ASSERT_DOUBLE_EQ(c.rate, 1.0) << i;
    ASSERT_FALSE(c.skip) << i;
  }
}

TEST(BufferPolicy, AHugeLastingExcessSkipsAhead) {
  // After a pause or a long outage's burst: seconds too much, skip to the target at once.
  buffer_policy p(*buffer_setting::parse("500"));
  const auto t0 = clock_type::now();
  p.on_new_timeline(t0);
  bool skipped = false;
  for (int i = 0; i <= 100 && !skipped; ++i) skipped = p.decide(4'000'000, t0 + i * 20ms).skip;
  EXPECT_TRUE(skipped);
}

}  // namespace
