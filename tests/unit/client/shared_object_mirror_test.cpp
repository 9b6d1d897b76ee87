// The shared-object mirror: full states replace, changes apply in version order, duplicates
// and stale frames change nothing, holes are reported so the channel can resynchronise.
// Also the reconnect backoff.
#include "lectern/client/shared_object_mirror.hpp"

#include <gtest/gtest.h>

#include "lectern/client/backoff.hpp"

namespace lectern::client {
namespace {

using nlohmann::json;

json set(const char* slot, json value) {
  return {{"slot", slot}, {"value", std::move(value)}};
}
json del(const char* slot) {
  return {{"slot", slot}, {"deleted", true}};
}

TEST(SharedObjectMirrorTest, StateReplacesEverything) {
  shared_object_mirror m;
  ASSERT_EQ(m.apply_state("quiz", 3, true, {{"a", 1}, {"b", 2}}), apply_outcome::applied);
  ASSERT_EQ(m.apply_state("quiz", 9, true, {{"c", 3}}), apply_outcome::applied);
  EXPECT_EQ(m.version("quiz"), 9u);
  EXPECT_EQ(m.find("quiz")->slots, json({{"c", 3}}));  // a and b are gone: so.state clears
  EXPECT_TRUE(m.find("quiz")->persistent);
  EXPECT_EQ(m.apply_state("quiz", 10, true, json::array()), apply_outcome::invalid);
}

TEST(SharedObjectMirrorTest, ChangesSetAndDeleteInOrder) {
  shared_object_mirror m;
  m.apply_state("quiz", 3, false, {{"a", 1}, {"b", 2}});
  ASSERT_EQ(m.apply_change("quiz", 5, json::array({set("a", 10), del("b")})),
            apply_outcome::applied);
  EXPECT_EQ(m.version("quiz"), 5u);
  EXPECT_EQ(m.find("quiz")->slots, json({{"a", 10}}));
  EXPECT_EQ(*m.slot("quiz", "a"), 10);
  EXPECT_EQ(m.slot("quiz", "b"), nullptr);
}

TEST(SharedObjectMirrorTest, DuplicateAndOlderChangesAreIgnored) {
  shared_object_mirror m;
  m.apply_state("quiz", 5, false, {{"a", 5}});
  EXPECT_EQ(m.apply_change("quiz", 5, json::array({set("a", 1)})), apply_outcome::ignored);
  EXPECT_EQ(m.apply_change("quiz", 4, json::array({set("a", 2)})), apply_outcome::ignored);
  EXPECT_EQ(m.apply_change("quiz", 5, json::array()), apply_outcome::ignored);  // up to date
  EXPECT_EQ(*m.slot("quiz", "a"), 5);
  // A state older than what we hold is a late answer: ignored.
  EXPECT_EQ(m.apply_state("quiz", 4, false, json::object()), apply_outcome::ignored);
  EXPECT_EQ(*m.slot("quiz", "a"), 5);
}

TEST(SharedObjectMirrorTest, OverlappingChangeAppliesOnlyTheNewPart) {
  shared_object_mirror m;
  m.apply_state("quiz", 5, false, {{"n", 0}});
  // Versions 4..7; we hold 5, so only 6 and 7 apply ("n" must not be overwritten by 4/5).
  ASSERT_EQ(m.apply_change("quiz", 7,
                           json::array({set("old", 4), set("old", 5), set("n", 6), set("m", 7)})),
            apply_outcome::applied);
  EXPECT_EQ(m.find("quiz")->slots, json({{"n", 6}, {"m", 7}}));
  EXPECT_EQ(m.version("quiz"), 7u);
}

TEST(SharedObjectMirrorTest, HoleIsAGapAndChangesNothing) {
  shared_object_mirror m;
  m.apply_state("quiz", 5, false, {{"a", 1}});
  EXPECT_EQ(m.apply_change("quiz", 8, json::array({set("a", 8)})), apply_outcome::gap);
  EXPECT_EQ(m.version("quiz"), 5u);
  EXPECT_EQ(*m.slot("quiz", "a"), 1);
  // Unknown object: only a history from version 1 can create it.
  EXPECT_EQ(m.apply_change("other", 3, json::array({set("x", 1)})), apply_outcome::gap);
  EXPECT_EQ(m.apply_change("fresh", 1, json::array({set("x", 1)})), apply_outcome::applied);
  EXPECT_EQ(*m.slot("fresh", "x"), 1);
}

TEST(SharedObjectMirrorTest, MalformedChangeLeavesObjectUntouched) {
  shared_object_mirror m;
  m.apply_state("quiz", 1, false, {{"a", 1}});
  EXPECT_EQ(m.apply_change("quiz", 3, json::array({set("a", 2), json{{"nope", 1}}})),
            apply_outcome::invalid);
  EXPECT_EQ(*m.slot("quiz", "a"), 1);
  EXPECT_EQ(m.version("quiz"), 1u);
  EXPECT_EQ(m.apply_change("quiz", 1, json::array({set("a", 1), set("a", 2)})),
            apply_outcome::invalid);  // more changes than versions
}

TEST(SharedObjectMirrorTest, OwnWritesApplyAtTheirVersion) {
  shared_object_mirror m;
  m.apply_state("quiz", 2, false, {{"a", 1}});
  EXPECT_EQ(m.apply_own("quiz", 3, "b", json(2)), apply_outcome::applied);
  EXPECT_EQ(m.apply_own("quiz", 4, "a", std::nullopt), apply_outcome::applied);
  EXPECT_EQ(m.find("quiz")->slots, json({{"b", 2}}));
  EXPECT_EQ(m.apply_own("quiz", 4, "c", json(1)), apply_outcome::ignored);
  EXPECT_EQ(m.apply_own("quiz", 9, "c", json(1)), apply_outcome::gap);
  EXPECT_EQ(m.apply_own("missing", 1, "c", json(1)), apply_outcome::gap);
  EXPECT_EQ(m.slot("quiz", "c"), nullptr);
}

TEST(SharedObjectMirrorTest, EraseAndClear) {
  shared_object_mirror m;
  m.apply_state("a", 1, false, json::object());
  m.apply_state("b", 1, false, json::object());
  m.erase("a");
  EXPECT_EQ(m.find("a"), nullptr);
  EXPECT_NE(m.find("b"), nullptr);
  m.clear();
  EXPECT_TRUE(m.objects().empty());
}

TEST(BackoffTest, DoublesFromHalfASecondToTenWithJitter) {
  using std::chrono::milliseconds;
  const milliseconds initial{500}, max{10000};
  EXPECT_EQ(backoff_delay(0, initial, max, 0.5), milliseconds(500));
  EXPECT_EQ(backoff_delay(1, initial, max, 0.5), milliseconds(1000));
  EXPECT_EQ(backoff_delay(4, initial, max, 0.5), milliseconds(8000));
  EXPECT_EQ(backoff_delay(5, initial, max, 0.5), max);
  EXPECT_EQ(backoff_delay(1000, initial, max, 0.5), max);  // no overflow on long outages
  EXPECT_EQ(backoff_delay(0, initial, max, 0.0), milliseconds(400));
  EXPECT_EQ(backoff_delay(0, initial, max, 1.0), milliseconds(600));
  EXPECT_EQ(backoff_delay(9, initial, max, 1.0), max);  // jitter never exceeds the cap
}

}  // namespace
}  // namespace lectern::client
