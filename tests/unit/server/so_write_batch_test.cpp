// so_write_batch: a room's shared-object changes merged by slot before they are stored.
#include "so_write_batch.hpp"

#include <gtest/gtest.h>

namespace lectern::server {
namespace {

so_persist change(std::string name, std::uint64_t version,
                  std::vector<std::pair<std::string, std::optional<std::string>>> slots,
                  bool cleared = false) {
  so_persist p;
  p.name = std::move(name);
  p.version = version;
  p.cleared = cleared;
  for (auto& [slot, value] : slots) p.writes.push_back({slot, value, version});
  return p;
}

TEST(SoWriteBatch, TheLastWriteOfEachSlotWins) {
  so_write_batch b;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.add(change("quiz", 1, {{"a", "1"}, {"b", "1"}})), 0u);
  EXPECT_EQ(b.add(change("quiz", 2, {{"a", "2"}})), 1u);
  EXPECT_EQ(b.add(change("quiz", 3, {{"b", std::nullopt}})), 1u);  // a removal replaces too
  EXPECT_EQ(b.add(change("chat", 7, {{"m1", "x"}})), 0u);
  auto out = b.take();
  EXPECT_TRUE(b.empty());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].name, "chat");
  EXPECT_EQ(out[1].name, "quiz");
  EXPECT_EQ(out[1].version, 3u);
  EXPECT_FALSE(out[1].cleared);
  ASSERT_EQ(out[1].writes.size(), 2u);
  EXPECT_EQ(out[1].writes[0].slot, "a");
  EXPECT_EQ(out[1].writes[0].value_json, "2");
  EXPECT_EQ(out[1].writes[0].version, 2u);
  EXPECT_EQ(out[1].writes[1].slot, "b");
  EXPECT_EQ(out[1].writes[1].value_json, std::nullopt);
  EXPECT_TRUE(b.take().empty());
}

TEST(SoWriteBatch, AClearDropsWhatWaitedAndIsKept) {
  so_write_batch b;
  b.add(change("quiz", 1, {{"a", "1"}, {"b", "1"}}));
  EXPECT_EQ(b.add(change("quiz", 2, {}, true)), 2u);
  b.add(change("quiz", 3, {{"c", "3"}}));
  const auto out = b.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].cleared);
  EXPECT_EQ(out[0].version, 3u);
  ASSERT_EQ(out[0].writes.size(), 1u);
  EXPECT_EQ(out[0].writes[0].slot, "c");
}

}  // namespace
}  // namespace lectern::server
