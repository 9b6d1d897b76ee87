// --max-http-players: the HTTP-FLV/WS-FLV player count is checked and taken in one step, so
// players starting on several worker threads at once cannot pass the limit.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "flv_player.hpp"

namespace lectern::server {
namespace {

TEST(http_player_limit, AdmitsUpToTheLimitAndCountsNoRefusedPlayer) {
  http_player_counters c;
  EXPECT_TRUE(c.try_add_player(2));
  EXPECT_TRUE(c.try_add_player(2));
  EXPECT_FALSE(c.try_add_player(2));
  EXPECT_EQ(c.players.load(), 2u) << "a refused player is not counted";
  --c.players;  // one leaves: its place is free again
  EXPECT_TRUE(c.try_add_player(2));
  EXPECT_FALSE(c.try_add_player(0)) << "--max-http-players 0 refuses every HTTP player";
}

TEST(http_player_limit, PlayersStartingOnManyThreadsAtOnceStayWithinIt) {
  http_player_counters c;
  constexpr std::size_t limit = 50;
  std::atomic<std::size_t> admitted{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> starters;
  for (int t = 0; t < 8; ++t) {
    starters.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < 2000; ++i) {
        if (c.try_add_player(limit)) ++admitted;
      }
    });
  }
  go = true;
  for (auto& t : starters) t.join();
  EXPECT_EQ(admitted.load(), limit);
  EXPECT_EQ(c.players.load(), limit);
}

}  // namespace
}  // namespace lectern::server
