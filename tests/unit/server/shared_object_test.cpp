#include "shared_object.hpp"

#include <gtest/gtest.h>

namespace lectern::server {
namespace {

using json = nlohmann::json;

std::vector<so_edit> set(std::string slot, json value) {
  std::vector<so_edit> edits;
  edits.push_back({std::move(slot), std::move(value)});
  return edits;
}

std::vector<so_edit> erase(std::string slot) {
  std::vector<so_edit> edits;
  edits.push_back({std::move(slot), std::nullopt});
  return edits;
}

TEST(SharedObject, EachChangeIsOneVersionAndReportsWhatToStore) {
  shared_object so("quiz", true, 0, {});
  auto change = so.apply(set("q1", json{{"a", 1}}));
  EXPECT_EQ(so.version(), 1u);
  EXPECT_EQ(change.name, "quiz");
  EXPECT_EQ(change.version, 1u);
  ASSERT_EQ(change.writes.size(), 1u);
  EXPECT_EQ(change.writes[0].slot, "q1");
  EXPECT_EQ(change.writes[0].value_json, R"({"a":1})");
  EXPECT_EQ(change.writes[0].version, 1u);
  ASSERT_NE(so.get("q1"), nullptr);
  EXPECT_EQ((*so.get("q1"))["a"], 1);

  std::vector<so_edit> two;
  two.push_back({"q2", json(2)});
  two.push_back({"q1", std::nullopt});
  change = so.apply(std::move(two));
  EXPECT_EQ(so.version(), 2u);  // two slot changes, one version
  ASSERT_EQ(change.writes.size(), 2u);
  EXPECT_FALSE(change.writes[1].value_json.has_value());
  EXPECT_EQ(so.get("q1"), nullptr);
  EXPECT_EQ(so.slots().size(), 1u);
}

TEST(SharedObject, RemovingAnAbsentSlotIsNoChange) {
  shared_object so("quiz", false, 7, {});
  auto change = so.apply(erase("nope"));
  EXPECT_TRUE(change.writes.empty());
  EXPECT_EQ(so.version(), 7u);
}

TEST(SharedObject, ChangesSinceAnswersFromHistory) {
  shared_object so("quiz", false, 0, {});
  so.apply(set("a", 1));
  so.apply(set("b", 2));
  so.apply(erase("a"));
  auto since1 = so.changes_since(1);
  ASSERT_TRUE(since1);
  ASSERT_EQ(since1->size(), 2u);
  EXPECT_EQ((*since1)[0].slot, "b");
  EXPECT_EQ(*(*since1)[0].value, 2);
  EXPECT_EQ((*since1)[1].slot, "a");
  EXPECT_EQ((*since1)[1].value, nullptr);  // deleted
  EXPECT_EQ((*since1)[1].version, 3u);
  auto current = so.changes_since(3);
  ASSERT_TRUE(current);
  EXPECT_TRUE(current->empty());
  EXPECT_FALSE(so.changes_since(4));  // from the future: a different life of the object
}

TEST(SharedObject, HistoryKeepsTheLast256Changes) {
  shared_object so("quiz", false, 0, {});
  for (int i = 0; i < 300; ++i) {
    std::string slot = "s";  // not "s" + to_string(): GCC 12 warns wrongly (-Wstringop-overflow)
    slot += std::to_string(i % 5);
    so.apply(set(slot, i));
  }
  EXPECT_EQ(so.version(), 300u);
  EXPECT_FALSE(so.changes_since(10));
  EXPECT_FALSE(so.changes_since(43));  // version 44 was trimmed
  auto recent = so.changes_since(44);  // versions 45..300: the 256 kept
  ASSERT_TRUE(recent);
  EXPECT_EQ(recent->size(), 256u);
  EXPECT_EQ(recent->back().version, 300u);
}

TEST(SharedObject, HistoryIsBoundedInBytesToo) {
  so_limits limits;
  limits.history_bytes = 1000;
  shared_object so("big", false, 0, limits);
  for (int i = 0; i < 10; ++i) so.apply(set("s", std::string(300, 'x')));
  EXPECT_FALSE(so.changes_since(5));
  ASSERT_TRUE(so.changes_since(8));
  EXPECT_EQ(so.changes_since(8)->size(), 2u);
}

TEST(SharedObject, AVersionWithPartOfItsChangesTrimmedIsNotReplayed) {
  so_limits limits;
  limits.history_changes = 3;
  shared_object so("chat", false, 0, limits);
  std::vector<so_edit> two;
  two.push_back({"a", json(1)});
  two.push_back({"b", json(2)});
  so.apply(std::move(two));  // version 1: two entries
  so.apply(set("c", 3));     // version 2
  so.apply(set("d", 4));     // version 3: the first entry of version 1 goes
  EXPECT_FALSE(so.changes_since(0));
  ASSERT_TRUE(so.changes_since(1));
  EXPECT_EQ(so.changes_since(1)->size(), 2u);
}

TEST(SharedObject, LoadedObjectHasNoHistoryBeforeItsVersion) {
  persisted_so stored{"quiz", 12, {{"q1", R"({"x":true})", 11}, {"bad", "{not json", 12}}};
  auto so = shared_object::restore(stored, {});
  EXPECT_TRUE(so.persistent());
  EXPECT_EQ(so.version(), 12u);
  EXPECT_EQ(so.slots().size(), 1u);  // the damaged row is dropped
  EXPECT_EQ((*so.get("q1"))["x"], true);
  EXPECT_EQ(so.slots().at("q1").version, 11u);
  EXPECT_FALSE(so.changes_since(11));
  ASSERT_TRUE(so.changes_since(12));
  EXPECT_TRUE(so.changes_since(12)->empty());
}

TEST(SharedObject, CheckEnforcesTheLimits) {
  so_limits limits;
  limits.max_slots = 2;
  limits.max_value_bytes = 10;
  limits.max_object_bytes = 30;
  shared_object so("quiz", false, 0, limits);
  EXPECT_EQ(so.check("", 1), so_error::bad_request);
  EXPECT_EQ(so.check(std::string(129, 's'), 1), so_error::bad_request);
  EXPECT_EQ(so.check("a", 11), so_error::too_large);
  EXPECT_EQ(so.check("a", 10), so_error::none);
  so.apply(set("a", "12345678"));  // 1 + 10 bytes
  so.apply(set("b", "12345678"));  // 22 bytes
  EXPECT_EQ(so.bytes(), 22u);
  EXPECT_EQ(so.check("c", 1), so_error::limit);  // a third slot
  EXPECT_EQ(so.check("a", 10), so_error::none);  // replacing fits
  EXPECT_EQ(so.check("a", std::nullopt), so_error::none);
  limits.max_slots = 5;
  shared_object small("s", false, 0, limits);
  small.apply(set("a", "12345678"));
  small.apply(set("b", "12345678"));
  EXPECT_EQ(small.check("c", 8), so_error::too_large);  // 22 + 9 > 30 bytes
}

TEST(SharedObject, OldestSlotIsTheEarliestWrite) {
  shared_object so("chat", true, 0, {});
  EXPECT_EQ(so.oldest_slot(), nullptr);
  so.apply(set("m2", 1));
  so.apply(set("m1", 1));
  so.apply(set("m2", 2));  // rewritten: now the newest
  ASSERT_NE(so.oldest_slot(), nullptr);
  EXPECT_EQ(*so.oldest_slot(), "m1");
}

TEST(SharedObject, LockRemembersHolderAndTime) {
  shared_object so("quiz", false, 0, {});
  EXPECT_FALSE(so.locked_by());
  so.lock(9, 1234);
  EXPECT_EQ(so.locked_by(), 9u);
  EXPECT_EQ(so.locked_at(), 1234);
  so.unlock();
  EXPECT_FALSE(so.locked_by());
}

TEST(SharedObject, ErrorCodesAreTheWireCodes) {
  EXPECT_EQ(so_error_code(so_error::forbidden), "forbidden");
  EXPECT_EQ(so_error_code(so_error::locked), "locked");
  EXPECT_EQ(so_error_code(so_error::too_large), "too_large");
  EXPECT_EQ(so_error_code(so_error::limit), "limit");
  EXPECT_EQ(so_error_code(so_error::bad_request), "bad_request");
}

}  // namespace
}  // namespace lectern::server
