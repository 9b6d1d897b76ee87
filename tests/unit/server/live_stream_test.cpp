#include "live_stream.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

namespace lectern::server {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using clock = live_stream::clock;

// FLV VIDEODATA: frame type (1 key, 2 inter) << 4 | codec 7 (AVC), then AVCPacketType.
shared::media_message video(std::uint64_t ts, bool key, bool header = false) {
  shared::media_message m;
  m.type = shared::rtmp::message_type::video;
  m.timestamp = ts;
  m.keyframe = key;
  m.sequence_header = header;
  m.payload = std::make_shared<const shared::bytes>(
      shared::bytes{static_cast<std::uint8_t>((key ? 0x10 : 0x20) | 7),
                    static_cast<std::uint8_t>(header ? 0 : 1), 0, 0, 0, 0xAB});
  return m;
}

shared::media_message audio(std::uint64_t ts) {
  shared::media_message m;
  m.type = shared::rtmp::message_type::audio;
  m.timestamp = ts;
  m.payload = std::make_shared<const shared::bytes>(shared::bytes{0xAF, 1, 0x21});
  return m;
}

struct recorder final : live_subscriber {
  std::vector<live_item_ptr> items;
  void on_live(const live_item_ptr* run, std::size_t n,
               std::chrono::steady_clock::time_point) override {
    items.insert(items.end(), run, run + n);
  }
  void on_gap() override { ++gaps; }
  int gaps = 0;
};

publisher_info publisher(std::uint64_t id, std::string principal = {}) {
  publisher_info p;
  p.session_id = id;
  p.principal = std::move(principal);
  return p;
}

TEST(LiveStream, ALateJoinerStartsAtTheLastKeyframeWithItsHeaders) {
  asio::io_context ctx;
  live_stream s("live/a", {});
  const auto now = clock::now();
  ASSERT_EQ(s.publish(publisher(1), now), live_stream::publish_result::accepted);
  s.push_media(1, video(0, true, true), now);
  s.push_media(1, video(0, true), now);
  s.push_media(1, audio(10), now);
  s.push_media(1, video(40, false), now);
  s.push_media(1, video(2000, true), now);  // the second GOP starts here
  s.push_media(1, audio(2010), now);
  s.push_media(1, video(2040, false), now);

  recorder r;
  const auto j = s.subscribe(ctx, &r);
  EXPECT_TRUE(j.publishing);
  ASSERT_EQ(j.items.size(), 4u);  // video header, keyframe, audio, inter frame
  EXPECT_TRUE(j.items[0]->media.sequence_header);
  EXPECT_TRUE(j.items[1]->media.keyframe);
  EXPECT_EQ(j.items[1]->media.timestamp, 2000u);
  EXPECT_EQ(j.items[3]->media.timestamp, 2040u);
  // The shared encoding is a complete RTMP message with a type-0 header on the video csid.
  EXPECT_EQ(j.items[1]->wire->at(0), shared::rtmp::k_csid_video);

  s.push_media(1, video(2080, false), now);
  ctx.poll();  // items reach a player on its own context
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0]->media.timestamp, 2080u);
  EXPECT_EQ(s.stats().players, 1u);
  s.unsubscribe(ctx, &r);
  EXPECT_EQ(s.stats().players, 0u);
}

TEST(LiveStream, FrameBatchingHandsAudioOverWithTheNextVideoFrame) {
  asio::io_context ctx;
  live_stream_limits limits;
  limits.hold_audio = true;  // --write-batching frame
  live_stream s("live/a", limits);
  const auto start = clock::now();
  const auto push = [&](shared::media_message m) {
    const auto at = start + std::chrono::milliseconds(m.timestamp);  // a live publisher's pace
    s.push_media(1, std::move(m), at);
  };
  const auto run = [&] {
    ctx.restart();
    ctx.poll();
  };
  recorder r;
  s.subscribe(ctx, &r);
  s.publish(publisher(1), start);
  push(video(0, true));
  run();
  const std::size_t before = r.items.size();  // the publish event and the keyframe

  push(audio(10));
  push(audio(33));
  run();
  EXPECT_EQ(r.items.size(), before) << "audio went out before the next video frame";
  push(video(40, false));
  run();
  ASSERT_EQ(r.items.size(), before + 3);
  EXPECT_TRUE(r.items[before]->media.is_audio());
  EXPECT_TRUE(r.items[before + 1]->media.is_audio());
  EXPECT_TRUE(r.items[before + 2]->media.is_video()) << "the held audio keeps its order";

  // No video (a slow screen share, audio only): audio goes in runs of 50 ms of media.
  for (std::uint64_t ts : {60, 83, 106}) push(audio(ts));
  run();
  EXPECT_EQ(r.items.size(), before + 3);
  push(audio(129));  // 69 ms after the first held frame
  run();
  EXPECT_EQ(r.items.size(), before + 7);

  // The teacher stalls after one frame: the stream's timer hands it over by itself.
  push(audio(152));
  run();
  EXPECT_EQ(r.items.size(), before + 7);
  ctx.restart();
  ctx.run_for(1s);  // returns once the release timer has run
  EXPECT_EQ(r.items.size(), before + 8);
}

TEST(LiveStream, ASecondPublisherIsRefusedButTheSamePrincipalTakesOver) {
  live_stream s("live/a", {});
  const auto now = clock::now();
  int evicted = 0;
  asio::io_context ctx;
  auto first = publisher(1, "teacher-token");
  first.context = &ctx;
  first.evict = [&] { ++evicted; };
  ASSERT_EQ(s.publish(std::move(first), now), live_stream::publish_result::accepted);
  EXPECT_EQ(s.publish(publisher(2, "someone-else"), now), live_stream::publish_result::busy);
  EXPECT_EQ(s.publish(publisher(3), now), live_stream::publish_result::busy);
  EXPECT_EQ(s.publish(publisher(4, "teacher-token"), now), live_stream::publish_result::taken_over);
  ctx.run();
  EXPECT_EQ(evicted, 1);
  // The old session's media no longer goes anywhere.
  EXPECT_EQ(s.push_media(1, video(0, true), now), nullptr);
  EXPECT_NE(s.push_media(4, video(0, true), now), nullptr);
}

TEST(LiveStream, AStalePublisherCanBeReplacedByAnyone) {
  live_stream s("live/a", {.stale_publisher = 5000ms});
  const auto now = clock::now();
  ASSERT_EQ(s.publish(publisher(1), now), live_stream::publish_result::accepted);
  s.push_media(1, video(0, true), now);
  EXPECT_EQ(s.publish(publisher(2), now + 1s), live_stream::publish_result::busy);
  EXPECT_EQ(s.publish(publisher(2), now + 6s), live_stream::publish_result::taken_over);
}

TEST(LiveStream, PlayersHearWhenThePublisherLeavesAndComesBackWithIncreasingTimestamps) {
  asio::io_context ctx;
  live_stream s("live/a", {});
  auto now = clock::now();
  recorder r;
  const auto j = s.subscribe(ctx, &r);  // a student who arrives before the teacher
  EXPECT_FALSE(j.publishing);
  EXPECT_TRUE(j.items.empty());
  s.publish(publisher(1), now);
  s.push_media(1, video(5000, true), now);
  s.unpublish(1);
  now += 2s;
  s.publish(publisher(2), now);
  s.push_media(2, video(0, true), now);  // the new connection starts at 0
  ctx.poll();
  using k = live_item::kind;
  ASSERT_EQ(r.items.size(), 5u);
  EXPECT_EQ(r.items[0]->what, k::publish);
  EXPECT_EQ(r.items[2]->what, k::unpublish);
  EXPECT_EQ(r.items[3]->what, k::publish);
  EXPECT_GT(r.items[4]->media.timestamp, r.items[1]->media.timestamp);
}

TEST(LiveStream, TheGopCacheIsBounded) {
  asio::io_context ctx;
  live_stream s("live/a", {.gop_cache_bytes = 100});
  const auto now = clock::now();
  s.publish(publisher(1), now);
  s.push_media(1, video(0, true, true), now);
  s.push_media(1, video(0, true), now);
  for (int i = 1; i < 100; ++i) s.push_media(1, video(i * 40, false), now);
  EXPECT_EQ(s.stats().gop_bytes, 0u);  // overflowed: dropped rather than grown
  recorder r;
  const auto j = s.subscribe(ctx, &r);
  ASSERT_EQ(j.items.size(), 1u);  // just the sequence header: the player waits for a keyframe
  EXPECT_TRUE(j.items[0]->media.sequence_header);
}

TEST(LiveStream, PlayersOnOtherThreadsGetEveryItemOnceAndInOrder) {
  // Publisher on this thread, players on two worker threads joining while media flows:
  // each player must see the join snapshot followed by every later item, no gap, no repeat.
  live_stream s("live/a", {});
  constexpr int k_players_per_thread = 4;
  constexpr std::uint64_t k_frames = 3000;
  struct worker_thread {
    asio::io_context ctx;
    std::vector<std::unique_ptr<recorder>> players;
    std::vector<std::vector<live_item_ptr>> joins;
    int posted = 0;
  };
  std::array<worker_thread, 2> workers;
  std::vector<std::thread> threads;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& w : workers) {
    guards.emplace_back(w.ctx.get_executor());
    threads.emplace_back([&w] { w.ctx.run(); });
  }
  const auto now = clock::now();
  s.publish(publisher(1), now);
  s.push_media(1, video(0, true, true), now);
  for (std::uint64_t i = 0; i < k_frames; ++i) {
    s.push_media(1, i % 50 == 0 ? video(i * 40, true) : video(i * 40, false), now);
    if (i % 400 == 7) {
      for (auto& w : workers) {
        if (w.posted++ >= k_players_per_thread) continue;
        asio::post(w.ctx, [&s, &w] {
          w.players.push_back(std::make_unique<recorder>());
          w.joins.push_back(s.subscribe(w.ctx, w.players.back().get()).items);
        });
      }
    }
  }
  for (auto& g : guards) g.reset();
  for (auto& t : threads) t.join();
  for (auto& w : workers) {
    ASSERT_EQ(w.players.size(), static_cast<std::size_t>(k_players_per_thread));
    for (std::size_t p = 0; p < w.players.size(); ++p) {
      std::vector<live_item_ptr> all = w.joins[p];
      all.insert(all.end(), w.players[p]->items.begin(), w.players[p]->items.end());
      // From the keyframe the player starts at, the frames are consecutive up to the end.
      std::size_t first_key = 0;
      while (first_key < all.size() &&
             !(all[first_key]->media.keyframe && !all[first_key]->media.sequence_header)) {
        ++first_key;
      }
      ASSERT_LT(first_key, all.size());
      for (std::size_t i = first_key + 1; i < all.size(); ++i) {
        EXPECT_EQ(all[i]->media.timestamp, all[i - 1]->media.timestamp + 40) << "player " << p;
      }
      EXPECT_EQ(all.back()->media.timestamp, (k_frames - 1) * 40);
    }
  }
}

TEST(LiveStream, AWorkerThatFallsBehindSkipsFramesInsteadOfGrowingABacklog) {
  // The player's worker is busy (its context does not run while the publisher sends):
  // what is handed to it stays bounded, and when it catches up it is told about the gap.
  live_stream s("live/a", {});
  asio::io_context player_ctx;
  recorder r;
  s.subscribe(player_ctx, &r);
  const auto now = clock::now();
  s.publish(publisher(1), now);
  player_ctx.poll();  // the publish event
  r.items.clear();
  auto big_inter = [](std::uint64_t ts) {
    auto m = video(ts, false);
    m.payload = std::make_shared<const shared::bytes>(1u << 20, std::uint8_t{0x27});
    return m;
  };
  constexpr int k_frames = 64;  // 64 MiB offered, twice the 32 MiB bound
  for (int i = 0; i < k_frames; ++i) s.push_media(1, big_inter(i * 40), now);
  player_ctx.restart();
  player_ctx.poll();
  EXPECT_GT(r.items.size(), 20u);
  EXPECT_LT(r.items.size(), 40u);
  // Told once, with the first item it handles after the skip began (possibly one posted
  // before it): its video then waits for a keyframe.
  EXPECT_EQ(r.gaps, 1);
  s.push_media(1, video(k_frames * 40, true), now);
  player_ctx.restart();
  player_ctx.poll();
  EXPECT_EQ(r.gaps, 1);
  EXPECT_TRUE(r.items.back()->media.keyframe);
}

}  // namespace
}  // namespace lectern::server
