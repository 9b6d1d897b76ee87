// --max-http-players: an HTTP-FLV/WS-FLV player's place is checked and taken in one step,
// so players starting on several worker threads at once cannot pass the limit, and it is
// held by a slot that gives it back however the player ends.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <utility>
#include <vector>

#include "flv_player.hpp"

namespace lectern::server {
namespace {

TEST(http_player_limit, AdmitsUpToTheLimitAndCountsNoRefusedPlayer) {
  http_player_counters c;
  auto first = c.try_add_player(2);
  auto second = c.try_add_player(2);
  EXPECT_TRUE(first);
  EXPECT_TRUE(second);
  EXPECT_FALSE(c.try_add_player(2));
  EXPECT_EQ(c.players.load(), 2u) << "a refused player is not counted";
  EXPECT_FALSE(c.try_add_player(0)) << "--max-http-players 0 refuses every HTTP player";
}

TEST(http_player_limit, ASlotGivesItsPlaceBackOnceWhereverItWasMoved) {
  http_player_counters c;
  {
    auto slot = c.try_add_player(1);
    ASSERT_TRUE(slot);
    http_player_slot moved(std::move(slot));  // as into the player
    EXPECT_EQ(c.players.load(), 1u);
    http_player_slot assigned;
    assigned = std::move(moved);
    EXPECT_EQ(c.players.load(), 1u) << "moving does not count twice";
    EXPECT_FALSE(c.try_add_player(1));
  }
  EXPECT_EQ(c.players.load(), 0u) << "the player is gone: its place is free";
  auto again = c.try_add_player(1);
  EXPECT_TRUE(again);
  again = c.try_add_player(1);  // refused: the old place goes back, the new one is empty
  EXPECT_FALSE(again);
  EXPECT_EQ(c.players.load(), 0u);
}

TEST(http_player_limit, PlayersStartingOnManyThreadsAtOnceStayWithinIt) {
  http_player_counters c;
  constexpr std::size_t limit = 50;
  std::atomic<bool> go{false};
  std::vector<std::vector<http_player_slot>> held(8);
  std::vector<std::thread> starters;
  for (auto& mine : held) {
    starters.emplace_back([&c, &go, &mine] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < 2000; ++i) {
        if (auto slot = c.try_add_player(limit)) mine.push_back(std::move(slot));
      }
    });
  }
  go = true;
  for (auto& t : starters) t.join();
  std::size_t admitted = 0;
  for (const auto& mine : held) admitted += mine.size();
  EXPECT_EQ(admitted, limit);
  EXPECT_EQ(c.players.load(), limit);
  held.clear();
  EXPECT_EQ(c.players.load(), 0u);
}

}  // namespace
}  // namespace lectern::server
