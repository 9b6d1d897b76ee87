#include "outbound_queue.hpp"

#include <gtest/gtest.h>

namespace lectern::server {
namespace {

using namespace std::chrono_literals;
using shared::drop_priority;

shared::shared_bytes bytes_of(std::size_t n) {
  return std::make_shared<const shared::bytes>(n, std::uint8_t{0});
}

outbound_queue::entry video_entry(std::uint64_t ts, bool key, std::size_t size = 1000,
                                  bool disposable = false) {
  outbound_queue::entry e;
  e.wire = bytes_of(size);
  e.timestamp = ts;
  e.video = true;
  e.keyframe = key;
  e.priority = key ? drop_priority::key_or_audio
                   : (disposable ? drop_priority::disposable : drop_priority::inter);
  return e;
}

outbound_queue::entry audio_entry(std::uint64_t ts, std::size_t size = 200) {
  outbound_queue::entry e;
  e.wire = bytes_of(size);
  e.timestamp = ts;
  e.priority = drop_priority::key_or_audio;
  return e;
}

outbound_queue::entry header(std::uint64_t ts) {
  outbound_queue::entry e = video_entry(ts, false, 50);
  e.priority = drop_priority::never;
  return e;
}

std::vector<outbound_queue::entry> drain(outbound_queue& q) {
  std::vector<outbound_queue::entry> out;
  while (!q.empty()) q.take(out, 1u << 30);
  return out;
}

TEST(OutboundQueue, KeepsOrderAndTakesInBatches) {
  outbound_queue q;
  q.push_control(bytes_of(10), {});
  q.push_media(video_entry(0, true));
  q.push_media(audio_entry(10));
  q.push_media(video_entry(40, false));
  EXPECT_EQ(q.size(), 4u);
  std::vector<outbound_queue::entry> out;
  q.take(out, 1500);  // 10 + 1000 fit, the audio would too: 1210
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].timestamp, 0u);
  EXPECT_EQ(out[2].timestamp, 10u);
  q.take(out, 1);  // always at least one
  EXPECT_EQ(out.size(), 4u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

// A write is one gathered send, one buffer per message, and the kernel refuses more than
// IOV_MAX (1024) of them: a joiner's GOP of many tiny frames must go in several writes.
TEST(OutboundQueue, AWriteTakesAtMostItsCountOfMessages) {
  outbound_queue q;
  q.push_media(video_entry(0, true));
  for (std::uint64_t i = 1; i <= 1200; ++i) q.push_media(video_entry(i, false, 45));
  std::vector<outbound_queue::entry> out;
  q.take(out, 256 * 1024, 512);
  EXPECT_EQ(out.size(), 512u);
  EXPECT_EQ(q.size(), 1201u - 512u);
  out.clear();
  q.take(out, 256 * 1024, 512);
  q.take(out, 256 * 1024, 512);
  EXPECT_EQ(out.size(), 1201u - 512u);
  EXPECT_TRUE(q.empty());
}

TEST(OutboundQueue, DropsDisposableFramesFirstAndKeepsDecoding) {
  outbound_queue q({.max_bytes = 5000, .max_media_span = 10s});
  q.push_media(video_entry(0, true));
  q.push_media(video_entry(40, false, 1000, true));
  q.push_media(video_entry(80, false, 1000, true));
  q.push_media(video_entry(120, false));
  q.push_media(video_entry(160, false));               // 5000 bytes: at the bound
  EXPECT_TRUE(q.push_media(video_entry(200, false)));  // over: both disposable frames go
  EXPECT_EQ(q.stats().dropped_messages, 2u);
  EXPECT_FALSE(q.waiting_for_keyframe());
  for (const auto& e : drain(q)) EXPECT_NE(e.priority, drop_priority::disposable);
}

TEST(OutboundQueue, DropsInterFramesThenWaitsForTheNextKeyframe) {
  outbound_queue q({.max_bytes = 4000, .max_media_span = 10s});
  q.push_media(header(0));
  q.push_media(video_entry(0, true));
  q.push_media(audio_entry(0));
  q.push_media(video_entry(40, false));
  q.push_media(video_entry(80, false));
  q.push_media(video_entry(120, false));  // over the bound: inter frames go
  EXPECT_TRUE(q.waiting_for_keyframe());
  EXPECT_FALSE(q.push_media(video_entry(160, false)));  // would not decode without its references
  EXPECT_TRUE(q.push_media(audio_entry(170)));          // audio keeps flowing
  EXPECT_TRUE(q.push_media(video_entry(2000, true)));   // a new GOP
  EXPECT_FALSE(q.waiting_for_keyframe());
  EXPECT_TRUE(q.push_media(video_entry(2040, false)));
  const auto out = drain(q);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.front().priority, drop_priority::never);  // the sequence header survives
  for (const auto& e : out) {
    if (e.video && !e.keyframe && e.priority != drop_priority::never) {
      EXPECT_GT(e.timestamp, 2000u);
    }
  }
}

TEST(OutboundQueue, BoundsMediaTimeAsWellAsBytes) {
  outbound_queue q({.max_bytes = 1u << 30, .max_media_span = 1000ms});
  q.push_media(video_entry(0, true, 100));
  for (std::uint64_t ts = 40; ts <= 1000; ts += 40) q.push_media(video_entry(ts, false, 100));
  EXPECT_EQ(q.stats().dropped_messages, 0u);
  q.push_media(video_entry(1040, false, 100));  // span 1040 ms > 1000 ms
  EXPECT_GT(q.stats().dropped_messages, 0u);
  EXPECT_TRUE(q.waiting_for_keyframe());
}

TEST(OutboundQueue, LastResortDropsOldestKeyframesAndAudioButNeverControl) {
  outbound_queue q({.max_bytes = 1000, .max_media_span = 10s});
  q.push_control(bytes_of(500), {});
  q.push_media(header(0));
  for (int i = 0; i < 10; ++i) q.push_media(audio_entry(i * 20, 300));
  EXPECT_LE(q.bytes(), 1000u + 500u + 50u);
  EXPECT_GT(q.stats().dropped_keyframes_or_audio, 0u);
  const auto out = drain(q);
  ASSERT_GE(out.size(), 2u);
  EXPECT_EQ(out[0].wire->size(), 500u);  // the command is still first
  EXPECT_EQ(out[1].priority, drop_priority::never);
  EXPECT_EQ(out.back().timestamp, 180u);  // the newest audio is kept
}

TEST(OutboundQueue, AJoinBurstDoesNotCountAgainstTheBounds) {
  // A late joiner gets a whole GOP at once; that must not look like a player falling behind.
  outbound_queue q({.max_bytes = 2000, .max_media_span = 500ms});
  auto k = video_entry(0, true, 1500);
  k.burst = true;
  q.push_media(std::move(k));
  for (std::uint64_t ts = 40; ts < 2000; ts += 40) {
    auto e = video_entry(ts, false, 100);
    e.burst = true;
    q.push_media(std::move(e));
  }
  EXPECT_EQ(q.stats().dropped_messages, 0u);
  EXPECT_TRUE(q.push_media(video_entry(2000, false, 100)));
  EXPECT_EQ(q.stats().dropped_messages, 0u);
}

TEST(OutboundQueue, EachStreamOfAConnectionWaitsForItsOwnKeyframe) {
  // A student plays the teacher's camera (stream 1) and screen (stream 2) on one connection.
  outbound_queue q({.max_bytes = 1u << 30, .max_media_span = 10s});
  q.wait_for_keyframe(1);
  q.wait_for_keyframe(2);
  auto camera_key = video_entry(0, true);
  camera_key.stream_id = 1;
  EXPECT_TRUE(q.push_media(std::move(camera_key)));
  EXPECT_FALSE(q.waiting_for_keyframe(1));
  EXPECT_TRUE(q.waiting_for_keyframe(2));  // the camera's keyframe does not help the screen
  auto screen_inter = video_entry(40, false);
  screen_inter.stream_id = 2;
  EXPECT_FALSE(q.push_media(std::move(screen_inter)));
  auto camera_inter = video_entry(40, false);
  camera_inter.stream_id = 1;
  EXPECT_TRUE(q.push_media(std::move(camera_inter)));
}

TEST(OutboundQueue, DropStreamRemovesOneStreamsMediaAndKeepsControl) {
  outbound_queue q;
  q.push_control(bytes_of(100), {});
  auto a = video_entry(0, true);
  a.stream_id = 1;
  auto b = video_entry(0, true);
  b.stream_id = 2;
  q.push_media(std::move(a));
  q.push_media(std::move(b));
  EXPECT_EQ(q.control_bytes(), 100u);
  q.drop_stream(1);
  const auto out = drain(q);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].priority, drop_priority::never);
  EXPECT_EQ(out[1].stream_id, 2u);
  EXPECT_EQ(q.control_bytes(), 0u);
}

}  // namespace
}  // namespace lectern::server
