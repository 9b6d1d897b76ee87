#include "timestamp_mapper.hpp"

#include <gtest/gtest.h>

namespace lectern::server {
namespace {

using namespace std::chrono_literals;
using track = timestamp_mapper::track;
using clock = timestamp_mapper::clock;

TEST(TimestampMapper, KeepsAWellBehavedPublishersTimeline) {
  timestamp_mapper m;
  const auto t0 = clock::time_point{} + 1h;
  EXPECT_EQ(m.map(track::video, 5000, t0), 5000u);
  EXPECT_EQ(m.map(track::audio, 4990, t0), 4990u);  // audio slightly behind video is normal
  EXPECT_EQ(m.map(track::video, 5040, t0 + 40ms), 5040u);
  EXPECT_EQ(m.discontinuities(), 0u);
}

TEST(TimestampMapper, CrossesThe24BitBoundaryWithoutAJump) {
  // The chunk reader delivers 64-bit timestamps; 0xFFFFFF ms (4.66 h) is just a number here.
  timestamp_mapper m;
  auto now = clock::time_point{} + 1h;
  std::uint64_t prev = 0;
  for (std::uint64_t ts = 0xFFFFFF - 1000; ts < 0xFFFFFF + 1000; ts += 40, now += 40ms) {
    const auto out = m.map(track::video, ts, now);
    EXPECT_EQ(out, ts);
    EXPECT_GE(out, prev);
    prev = out;
  }
  EXPECT_EQ(m.discontinuities(), 0u);
}

TEST(TimestampMapper, AReconnectingPublisherContinuesAfterTheWallTimeThatPassed) {
  timestamp_mapper m;
  auto now = clock::time_point{} + 1h;
  m.map(track::video, 60'000, now);
  m.map(track::audio, 60'010, now);
  m.rebase();  // teacher reconnects 3 s later and starts at 0
  now += 3s;
  EXPECT_EQ(m.map(track::video, 0, now), 60'010u + 3000u);
  EXPECT_EQ(m.map(track::audio, 20, now + 20ms), 60'010u + 3020u);
  EXPECT_EQ(m.discontinuities(), 1u);
}

TEST(TimestampMapper, ABackwardsJumpIsSmoothedAndNeverDecreasesATrack) {
  timestamp_mapper m;
  auto now = clock::time_point{} + 1h;
  m.map(track::video, 100'000, now);
  now += 40ms;
  const auto out = m.map(track::video, 10, now);  // the encoder restarted its clock
  EXPECT_GT(out, 100'000u);
  EXPECT_LT(out, 100'100u);
  EXPECT_EQ(m.map(track::video, 50, now + 40ms), out + 40);
}

TEST(TimestampMapper, AForwardJumpBeyondTheWallClockIsClosed) {
  timestamp_mapper m;
  auto now = clock::time_point{} + 1h;
  m.map(track::video, 1000, now);
  now += 40ms;
  const auto out = m.map(track::video, 1000 + 3'600'000, now);  // an hour ahead in 40 ms
  EXPECT_LT(out, 1000u + 1000u);
  EXPECT_EQ(m.discontinuities(), 1u);
}

TEST(TimestampMapper, AGenuineGapOfWallTimeIsKept) {
  // The teacher's camera froze for 8 s and the encoder's clock kept real time.
  timestamp_mapper m;
  auto now = clock::time_point{} + 1h;
  m.map(track::video, 1000, now);
  now += 8s;
  EXPECT_EQ(m.map(track::video, 9000, now), 9000u);
  EXPECT_EQ(m.discontinuities(), 0u);
}

TEST(TimestampMapper, SequenceHeadersStampedZeroDoNotMoveTheTimeline) {
  // ffmpeg -output_ts_offset 16770 sends its headers at 0 and its frames from 16,770,000 ms:
  // the players must still see the publisher's own timeline (and so cross 0xFFFFFF ms).
  timestamp_mapper m;
  const auto now = clock::time_point{} + 1h;
  EXPECT_EQ(m.map_config(track::video), 0u);
  EXPECT_EQ(m.map_config(track::audio), 0u);
  EXPECT_EQ(m.map(track::video, 16'770'000, now), 16'770'000u);
  EXPECT_EQ(m.map(track::audio, 16'770'010, now), 16'770'010u);
  EXPECT_EQ(m.discontinuities(), 0u);
  // A header mid-stream goes out at the current position, never back in time.
  EXPECT_EQ(m.map_config(track::video), 16'770'010u);
}

}  // namespace
}  // namespace lectern::server
