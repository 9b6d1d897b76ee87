// live_item's encodings: one per message stream id (and play2 shift), shared by every
// player that needs it.
#include "live_item.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "lectern/shared/chunk_reader.hpp"
#include "lectern/shared/chunk_writer.hpp"
#include "lectern/shared/control.hpp"
#include "live_stream.hpp"

namespace lectern::server {
namespace {

namespace rtmp = shared::rtmp;

constexpr std::uint32_t k_chunk = 4096;

// A keyframe bigger than one chunk, so that the encoding has continuation chunks.
live_item_ptr keyframe_item(std::uint64_t ts) {
  live_stream_limits limits;
  limits.chunk_size = k_chunk;
  live_stream s("live/a", limits);
  const auto now = live_stream::clock::now();
  publisher_info p;
  p.session_id = 1;
  EXPECT_EQ(s.publish(p, now), live_stream::publish_result::accepted);
  shared::media_message m;
  m.type = rtmp::message_type::video;
  m.timestamp = ts;
  m.keyframe = true;
  shared::bytes body(10000, 0x5A);
  body[0] = 0x17;  // keyframe, AVC
  body[1] = 1;     // NALU
  m.payload = std::make_shared<const shared::bytes>(std::move(body));
  return s.push_media(1, std::move(m), now);
}

// What a client reads from `wire`, after the server's Set Chunk Size.
rtmp::message parse(const shared::bytes& wire) {
  const auto scs = rtmp::make_set_chunk_size(k_chunk);
  shared::bytes in;
  EXPECT_FALSE(rtmp::chunk_writer::write_standalone(
      {scs.chunk_stream_id, scs.type, scs.stream_id, scs.timestamp, 0}, scs.payload, 128, in));
  in.insert(in.end(), wire.begin(), wire.end());
  rtmp::chunk_reader r;
  std::error_code ec;
  EXPECT_EQ(r.put(in, ec), in.size());
  EXPECT_FALSE(ec) << ec.message();
  rtmp::message m;
  EXPECT_TRUE(r.next(m) && m.kind() == rtmp::message_type::set_chunk_size);
  EXPECT_TRUE(r.next(m)) << "no complete message in the encoding";
  rtmp::message more;
  EXPECT_FALSE(r.next(more)) << "more than one message in the encoding";
  return m;
}

TEST(LiveItem, PlayersOnStreamIdTwoShareOneEncodingThatParsesBack) {
  const auto item = keyframe_item(5000);
  ASSERT_TRUE(item && item->wire);
  const auto first = item->wire_for(2);
  const auto second = item->wire_for(2);
  ASSERT_TRUE(first);
  EXPECT_EQ(first.get(), second.get()) << "the second player re-encoded the item";
  EXPECT_NE(first.get(), item->wire.get());
  EXPECT_EQ(item->wire_for(k_common_play_stream_id).get(), item->wire.get());

  const auto m = parse(*first);
  EXPECT_EQ(m.stream_id, 2u);
  EXPECT_EQ(m.kind(), rtmp::message_type::video);
  EXPECT_EQ(m.timestamp, 5000u);
  EXPECT_EQ(m.chunk_stream_id, rtmp::k_csid_video);
  EXPECT_EQ(m.payload, *item->media.payload);
  // Only the message stream id differs from the common encoding.
  EXPECT_EQ(parse(*item->wire).stream_id, k_common_play_stream_id);
  EXPECT_EQ(first->size(), item->wire->size());
}

TEST(LiveItem, AFewStreamIdsAreSharedBeyondThemEachPlayerGetsItsOwnCopy) {
  const auto item = keyframe_item(40);
  std::set<const shared::bytes*> shared_ones;
  for (std::uint32_t id = 2; id < 2 + live_item::k_max_alternate_wires; ++id) {
    const auto w = item->wire_for(id);
    EXPECT_EQ(w.get(), item->wire_for(id).get()) << "stream id " << id;
    shared_ones.insert(w.get());
  }
  EXPECT_EQ(shared_ones.size(), live_item::k_max_alternate_wires);
  const std::uint32_t extra = 2 + live_item::k_max_alternate_wires;
  const auto a = item->wire_for(extra);
  const auto b = item->wire_for(extra);
  EXPECT_NE(a.get(), b.get()) << "past the bound nothing more is kept";
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(parse(*a).stream_id, extra);
  EXPECT_EQ(parse(*a).payload, *item->media.payload);
}

TEST(LiveItem, PlayersOnTwoThreadsGetTheSameEncoding) {
  // Players of one stream run on several worker threads; the first encoding kept wins.
  for (int round = 0; round < 50; ++round) {
    const auto item = keyframe_item(round);
    const shared::bytes* seen[2] = {nullptr, nullptr};
    std::thread t([&] { seen[0] = item->wire_for(3).get(); });
    seen[1] = item->wire_for(3).get();
    t.join();
    ASSERT_EQ(seen[0], seen[1]) << "round " << round;
    ASSERT_EQ(item->wire_for(3).get(), seen[0]);
  }
}

TEST(LiveItem, PlayersSwitchedTogetherShareTheShiftedEncoding) {
  // play2 moves players onto a shifted timeline; those that switched together have the
  // same shift and must not each copy every message.
  const auto item = keyframe_item(7000);
  const auto a = item->wire_for(k_common_play_stream_id, 12300);
  const auto b = item->wire_for(k_common_play_stream_id, 12300);
  ASSERT_TRUE(a);
  EXPECT_EQ(a.get(), b.get()) << "the second switched player re-encoded the item";
  EXPECT_NE(a.get(), item->wire.get());
  const auto m = parse(*a);
  EXPECT_EQ(m.timestamp, 12300u);
  EXPECT_EQ(m.stream_id, k_common_play_stream_id);
  EXPECT_EQ(m.payload, *item->media.payload);
  // Another shift, or the same shift on another stream id, is another encoding.
  EXPECT_NE(item->wire_for(k_common_play_stream_id, 12400).get(), a.get());
  const auto on2 = item->wire_for(2, 12300);
  EXPECT_NE(on2.get(), a.get());
  EXPECT_EQ(parse(*on2).stream_id, 2u);
  EXPECT_EQ(parse(*on2).timestamp, 12300u);
  // The stream's own timeline on stream id 1 is still the common encoding.
  EXPECT_EQ(item->wire_for(k_common_play_stream_id, 7000).get(), item->wire.get());
}

TEST(LiveItem, EventsHaveNoEncoding) {
  const live_item event;  // publish/unpublish: no payload
  EXPECT_FALSE(event.wire_for(1));
  EXPECT_FALSE(event.wire_for(2));
}

}  // namespace
}  // namespace lectern::server
