// The player's packet queue: bounded however long the network bursts, never handing the
// decoder an inter frame whose keyframe was dropped, and a reconnect starting afresh.
#include "lectern/media/jitter_buffer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace {

using namespace lectern::media;
using namespace std::chrono_literals;

media_packet packet(media_kind kind, std::int64_t dts_us, bool key = false, int bytes = 100) {
  media_packet p;
  p.packet = make_packet();
  EXPECT_EQ(av_new_packet(p.packet.get(), bytes), 0);
  p.kind = kind;
  p.dts_us = p.pts_us = dts_us;
  p.keyframe = key;
  p.arrival = std::chrono::steady_clock::now();
  return p;
}

/// 2 s of a 25 fps stream with a keyframe each second, and audio every 20 ms... in order.
void push_stream(jitter_buffer& b, std::int64_t from_us, int frames) {
  for (int i = 0; i < frames; ++i) {
    const std::int64_t t = from_us + i * 40'000;
    b.push(packet(media_kind::video, t, i % 25 == 0));
    b.push(packet(media_kind::audio, t));
    b.push(packet(media_kind::audio, t + 20'000));
  }
}

TEST(JitterBuffer, KeepsOrderBytesAndTheNewestTimes) {
  jitter_buffer b;
  push_stream(b, 0, 50);
  const auto s = b.stats();
  EXPECT_EQ(s.packets, 150u);
  EXPECT_EQ(s.bytes, 150u * 100);
  EXPECT_EQ(b.newest_us(media_kind::video), 49 * 40'000);
  EXPECT_EQ(b.newest_us(media_kind::audio), 49 * 40'000 + 20'000);
  EXPECT_EQ(b.front_dts_us(), 0);
  std::int64_t last = -1;
  while (auto p = b.pop()) {
    ASSERT_GE(p->dts_us, last);
    last = p->dts_us;
  }
  EXPECT_EQ(b.stats().bytes, 0u);
}

TEST(JitterBuffer, PopHandsOutOnlyWhatIsDue) {
  jitter_buffer b;
  push_stream(b, 0, 2);  // 0 (video, audio), 20 ms, 40 ms (video, audio), 60 ms
  int popped = 0;
  while (auto p = b.pop(20'000)) {
    EXPECT_LE(p->dts_us, 20'000);
    ++popped;
  }
  EXPECT_EQ(popped, 3);
  EXPECT_EQ(b.front_dts_us(), 40'000);  // left for later, not lost
  EXPECT_EQ(b.stats().packets, 3u);
}

TEST(JitterBuffer, OverTheSpanBoundDropsUpToAKeyframeAndCountsIt) {
  jitter_buffer_limits limits;
  limits.max_span_us = 1'500'000;
  jitter_buffer b(limits);
  push_stream(b, 0, 100);  // 4 s of media into a 1.5 s buffer
  const auto s = b.stats();
  EXPECT_GT(s.dropped_packets, 0u);
  auto first = b.pop();
  ASSERT_TRUE(first);
  // What is left starts where a decoder can start.
  EXPECT_EQ(first->kind, media_kind::video);
  EXPECT_TRUE(first->keyframe);
  EXPECT_LE(*b.newest_us(media_kind::video) - first->dts_us, 1'500'000);
}

TEST(JitterBuffer, OverThePacketOrByteBoundStaysBounded) {
  jitter_buffer_limits limits;
  limits.max_packets = 200;
  limits.max_bytes = 15'000;
  jitter_buffer b(limits);
  push_stream(b, 0, 1000);
  const auto s = b.stats();
  EXPECT_LE(s.packets, 200u);
  EXPECT_LE(s.bytes, 15'000u);
  EXPECT_EQ(s.dropped_packets + s.packets, 3000u);
}

TEST(JitterBuffer, SkipToKeepsTheKeyframeNeededToDecodeTheTarget) {
  jitter_buffer b;
  push_stream(b, 0, 75);  // keyframes at 0, 1 s, 2 s
  const std::int64_t target = 1'500'000;
  EXPECT_GT(b.skip_to(target), 0u);
  bool first_video = true;
  while (auto p = b.pop()) {
    if (p->kind == media_kind::audio) {
      EXPECT_GE(p->pts_us, target);
    } else if (first_video) {
      EXPECT_TRUE(p->keyframe);
      EXPECT_EQ(p->dts_us, 1'000'000);  // the last keyframe before the target
      first_video = false;
    }
  }
  EXPECT_GT(b.stats().skipped_packets, 0u);
}

TEST(JitterBuffer, ANewTimelineStartsAfreshAndWakesTheConsumer) {
  jitter_buffer b;
  push_stream(b, 5'000'000, 10);
  std::thread waker([&] {
    std::this_thread::sleep_for(50ms);
    b.new_timeline();
  });
  const auto before = std::chrono::steady_clock::now();
  b.wait(10s);  // returns on the timeline change, not the timeout
  waker.join();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
  EXPECT_EQ(b.generation(), 1u);
  EXPECT_EQ(b.stats().packets, 0u);
  EXPECT_FALSE(b.seen(media_kind::video));
  EXPECT_FALSE(b.newest_us(media_kind::audio));
}

TEST(JitterBuffer, CloseWakesAWaiterForGood) {
  jitter_buffer b;
  std::thread closer([&] {
    std::this_thread::sleep_for(50ms);
    b.close();
  });
  const auto before = std::chrono::steady_clock::now();
  b.wait(10s);
  closer.join();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
}

}  // namespace
