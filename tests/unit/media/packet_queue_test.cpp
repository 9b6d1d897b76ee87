#include "lectern/media/packet_queue.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace lectern::media {
namespace {

encoded_packet packet(std::int64_t pts, bool video = true) {
  encoded_packet p;
  p.packet = make_packet();
  p.packet->pts = p.packet->dts = pts;
  p.video = video;
  return p;
}

TEST(PacketQueueTest, RefusesBeyondItsBoundAndKeepsOrder) {
  packet_queue q(3);
  EXPECT_TRUE(q.push(packet(1)));
  EXPECT_TRUE(q.push(packet(2)));
  EXPECT_TRUE(q.push(packet(3)));
  EXPECT_FALSE(q.push(packet(4)));  // full: the newest is the one refused
  EXPECT_EQ(q.size(), 3U);
  for (int want = 1; want <= 3; ++want) {
    auto p = q.pop(std::chrono::milliseconds(0));
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->packet->pts, want);
  }
  EXPECT_FALSE(q.pop(std::chrono::milliseconds(1)).has_value());
}

TEST(PacketQueueTest, ClearCountsAndCloseWakesAWaiter) {
  packet_queue q(8);
  q.push(packet(1));
  q.push(packet(2, false));
  EXPECT_EQ(q.clear(), 2U);
  std::thread closer([&] { q.close(); });
  // Without close() this would wait the whole minute.
  EXPECT_FALSE(q.pop(std::chrono::minutes(1)).has_value());
  closer.join();
  EXPECT_FALSE(q.push(packet(3)));  // closed: nothing more is taken
}

}  // namespace
}  // namespace lectern::media
