// room_state: joining, leaving, resuming, and the shared-object requests.
#include "room_state.hpp"

#include <gtest/gtest.h>

#include "room_state_test_util.hpp"

namespace lectern::server {
namespace {

using namespace testing;
using role = participant_role;

TEST(RoomStateJoin, JoinerGetsClassroomStatesOthersGetRosterChange) {
  room_harness h;
  auto teacher = h.join(1, role::teacher, "Mr T");
  auto r = h.room.join(2, role::student, "  Ana ", h.now);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.name, "Ana");
  EXPECT_NE(r.participant_id, teacher);
  EXPECT_FALSE(r.resume_key.empty());

  auto mine = frames_to(r.effects, 2);
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[0]["op"], "so.state");
  EXPECT_EQ(mine[0]["so"], "room");
  EXPECT_EQ(mine[0]["persistent"], true);
  EXPECT_EQ(mine[1]["so"], "roster");
  EXPECT_EQ(mine[1]["persistent"], false);
  EXPECT_EQ(mine[2]["so"], "chat");
  const auto& me = mine[1]["slots"][r.participant_id];
  EXPECT_EQ(me["name"], "Ana");
  EXPECT_EQ(me["role"], "student");
  EXPECT_EQ(me["hand"], false);
  EXPECT_TRUE(me["speak"].is_null());
  EXPECT_EQ(me["muted"], false);
  EXPECT_EQ(me["joined_at"], h.now);
  EXPECT_TRUE(mine[1]["slots"].contains(teacher));

  auto theirs = frames_to(r.effects, 1);
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs[0]["op"], "so.change");
  EXPECT_EQ(theirs[0]["so"], "roster");
  EXPECT_EQ(theirs[0]["version"], mine[1]["version"]);
  ASSERT_EQ(theirs[0]["changes"].size(), 1u);
  EXPECT_EQ(theirs[0]["changes"][0]["slot"], r.participant_id);
  EXPECT_EQ(theirs[0]["changes"][0]["value"]["name"], "Ana");
}

TEST(RoomStateJoin, RoomObjectHoldsTheRoomSettings) {
  room_harness h;
  h.join(1, role::student);
  auto room = find_op(frames_to(h.last_join.effects, 1), "so.state", "room");
  EXPECT_EQ(room["slots"]["welcome"], "Welcome!");
  EXPECT_EQ(room["slots"]["buffer_ms"], 1500);
  EXPECT_EQ(room["slots"]["teacher_live"], false);
  EXPECT_EQ(room["slots"]["class"]["state"], "idle");
}

TEST(RoomStateJoin, RoomFullCountsStudentsOnly) {
  room_harness h(test_room(2));
  h.join(1, role::student);
  h.join(2, role::student);
  auto r = h.room.join(3, role::student, "Third", h.now);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_code, "room_full");
  EXPECT_EQ(r.close_code, k_close_room_full);
  EXPECT_TRUE(r.effects.deliveries.empty());
  EXPECT_TRUE(h.room.join(4, role::teacher, "T", h.now).ok);
  EXPECT_TRUE(h.room.join(5, role::admin, "A", h.now).ok);
}

TEST(RoomStateJoin, AdminIsNotInTheRoster) {
  room_harness h;
  h.join(1, role::teacher);
  auto r = h.room.join(2, role::admin, "Root", h.now);
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(frames_to(r.effects, 1).empty());  // the teacher sees no join
  auto roster = find_op(frames_to(r.effects, 2), "so.state", "roster");
  EXPECT_FALSE(roster["slots"].contains(r.participant_id));
  EXPECT_EQ(roster["slots"].size(), 1u);
}

TEST(RoomStateJoin, NamesAreCheckedAndTrimmed) {
  room_harness h;
  EXPECT_EQ(h.room.join(1, role::student, "   ", 0).error_code, "bad_request");
  EXPECT_EQ(h.room.join(1, role::student, std::string(65, 'a'), 0).close_code, k_close_bad_request);
  EXPECT_FALSE(h.room.join(1, role::student, "A\x01", 0).ok);
  EXPECT_FALSE(h.room.join(1, role::student, "bad \xff utf8", 0).ok);
  EXPECT_TRUE(h.room.join(1, role::student, std::string(64, 'a'), 0).ok);
  // 64 characters of two bytes each
  std::string accented;
  for (int i = 0; i < 64; ++i) accented += "\xc3\xa9";
  EXPECT_TRUE(h.room.join(2, role::student, accented, 0).ok);
}

TEST(RoomStateLeave, RosterEntryStaysForTheGraceThenLeaveIsBroadcast) {
  room_harness h;
  h.join(1, role::teacher);
  auto ana = h.join(2, role::student);
  auto fx = h.room.leave(2, h.now);
  EXPECT_TRUE(fx.deliveries.empty());  // others see nothing yet
  EXPECT_FALSE(h.room.empty());
  EXPECT_TRUE(h.room.expire(h.now + 59'999).deliveries.empty());
  fx = h.room.expire(h.now + 60'000);
  auto change = find_op(frames_to(fx, 1), "so.change", "roster");
  ASSERT_FALSE(change.is_null());
  EXPECT_EQ(change["changes"][0]["slot"], ana);
  EXPECT_EQ(change["changes"][0]["deleted"], true);
  EXPECT_EQ(h.room.snapshot()["participants"].size(), 1u);
}

TEST(RoomStateLeave, EmptyOnlyWhenTheLastGraceEnds) {
  room_harness h;
  h.join(1, role::student);
  h.room.leave(1, h.now);
  EXPECT_FALSE(h.room.empty());
  h.room.expire(h.now + 60'000);
  EXPECT_TRUE(h.room.empty());
}

TEST(RoomStateResume, WithinGraceKeepsIdAndHandAndOthersSeeNothing) {
  room_harness h;
  h.join(1, role::teacher);
  auto ana = h.join(2, role::student);
  auto key = h.last_join.resume_key;
  h.send(2, {{"op", "hand.raise"}});
  h.room.leave(2, h.now);
  auto r = h.room.join(3, role::student, "Ana", h.now + 30'000, key);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.participant_id, ana);
  EXPECT_EQ(r.resume_key, key);
  EXPECT_TRUE(frames_to(r.effects, 1).empty());
  auto roster = find_op(frames_to(r.effects, 3), "so.state", "roster");
  EXPECT_EQ(roster["slots"][ana]["hand"], true);
  // the first grace no longer applies
  auto fx = h.room.expire(h.now + 61'000);
  EXPECT_TRUE(frames_to(fx, 1).empty());
  EXPECT_EQ(h.room.snapshot()["participants"].size(), 2u);
}

TEST(RoomStateResume, AfterGraceTheKeyNoLongerWorks) {
  room_harness h;
  auto ana = h.join(2, role::student);
  auto key = h.last_join.resume_key;
  h.room.leave(2, h.now);
  h.room.expire(h.now + 60'000);
  auto r = h.room.join(3, role::student, "Ana", h.now + 60'001, key);
  ASSERT_TRUE(r.ok);
  EXPECT_NE(r.participant_id, ana);
  EXPECT_NE(r.resume_key, key);
}

TEST(RoomStateResume, TakesOverAConnectionStillAttached) {
  room_harness h;
  auto ana = h.join(2, role::student);
  auto key = h.last_join.resume_key;
  auto r = h.room.join(3, role::student, "Ana", h.now, key);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.participant_id, ana);
  EXPECT_TRUE(closed_with(r.effects, 2, k_close_replaced));
  EXPECT_TRUE(h.send(2, {{"op", "ping"}}).empty());  // the old connection is ignored
  EXPECT_TRUE(h.room.leave(2, h.now).empty());
  EXPECT_EQ(h.room.snapshot()["participants"][0]["connected"], true);
}

TEST(RoomStateResume, KeyOfAnotherRoleStartsAFreshParticipant) {
  room_harness h;
  auto ana = h.join(2, role::student);
  auto key = h.last_join.resume_key;
  h.room.leave(2, h.now);
  auto r = h.room.join(3, role::teacher, "Ana", h.now, key);
  ASSERT_TRUE(r.ok);
  EXPECT_NE(r.participant_id, ana);
}

class RoomStateSo : public ::testing::Test {
 protected:
  void SetUp() override {
    teacher = h.join(1, role::teacher, "T");
    ana = h.join(2, role::student, "Ana");
    bo = h.join(3, role::student, "Bo");
  }
  room_effects connect(conn_handle c, const std::string& so, std::uint64_t version = 0,
                       bool persistent = false) {
    return h.send(
        c, {{"op", "so.connect"}, {"so", so}, {"version", version}, {"persistent", persistent}});
  }
  room_effects set(conn_handle c, const std::string& so, const std::string& slot, json value,
                   json id = 1) {
    return h.send(c, {{"op", "so.set"}, {"id", id}, {"so", so}, {"slot", slot}, {"value", value}});
  }
  room_harness h;
  std::string teacher, ana, bo;
};

TEST_F(RoomStateSo, ConnectWithVersionZeroGetsTheFullState) {
  auto fx = connect(2, "quiz", 0, true);
  auto frames = frames_to(fx, 2);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["op"], "so.state");
  EXPECT_EQ(frames[0]["so"], "quiz");
  EXPECT_EQ(frames[0]["version"], 0);
  EXPECT_EQ(frames[0]["persistent"], true);
  EXPECT_TRUE(frames[0]["slots"].empty());
}

TEST_F(RoomStateSo, ConnectWithRecentVersionGetsOnlyTheChangesAfterIt) {
  connect(2, "quiz", 0, true);
  set(2, "quiz", "a", 1);
  set(2, "quiz", "b", 2);
  set(2, "quiz", "a", 3);
  auto frames = frames_to(connect(3, "quiz", 1), 3);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["op"], "so.change");
  EXPECT_EQ(frames[0]["version"], 3);
  ASSERT_EQ(frames[0]["changes"].size(), 2u);
  EXPECT_EQ(frames[0]["changes"][0], (json{{"slot", "b"}, {"value", 2}}));
  EXPECT_EQ(frames[0]["changes"][1], (json{{"slot", "a"}, {"value", 3}}));
  // up to date: an empty change
  frames = frames_to(connect(1, "quiz", 3), 1);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["op"], "so.change");
  EXPECT_TRUE(frames[0]["changes"].empty());
}

TEST_F(RoomStateSo, ConnectWithVersionTooOldOrUnknownGetsTheFullState) {
  connect(2, "quiz", 0, true);
  for (int i = 0; i < 300; ++i) set(2, "quiz", "s", i);
  auto frames = frames_to(connect(3, "quiz", 10), 3);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["op"], "so.state");
  EXPECT_EQ(frames[0]["version"], 300);
  EXPECT_EQ(frames[0]["slots"]["s"], 299);
  frames = frames_to(connect(1, "quiz", 9999), 1);  // from a life the server forgot
  EXPECT_EQ(frames[0]["op"], "so.state");
}

TEST_F(RoomStateSo, TemporaryObjectVersionsDoNotRestartAtZero) {
  auto frames = frames_to(connect(2, "poll"), 2);
  EXPECT_EQ(frames[0]["persistent"], false);
  EXPECT_GT(frames[0]["version"].get<std::uint64_t>(), 0u);
}

TEST_F(RoomStateSo, SetAnswersTheSenderAndChangesTheOthers) {
  connect(1, "quiz", 0, true);
  connect(2, "quiz", 0, true);
  connect(3, "quiz", 0, true);
  auto fx = set(2, "quiz", "q1", json{{"text", "2+2?"}}, "req-7");
  auto mine = frames_to(fx, 2);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0], (json{{"op", "so.result"}, {"id", "req-7"}, {"ok", true}, {"version", 1}}));
  for (conn_handle other : {1, 3}) {
    auto theirs = frames_to(fx, other);
    ASSERT_EQ(theirs.size(), 1u);
    EXPECT_EQ(theirs[0], (json{{"op", "so.change"},
                               {"so", "quiz"},
                               {"version", 1},
                               {"changes", {{{"slot", "q1"}, {"value", {{"text", "2+2?"}}}}}}}));
  }
  // one frame, serialized once, for both others
  EXPECT_EQ(fx.deliveries.size(), 2u);
  ASSERT_EQ(fx.persist.size(), 1u);
  EXPECT_EQ(fx.persist[0].name, "quiz");
  EXPECT_EQ(fx.persist[0].version, 1u);
  EXPECT_EQ(fx.persist[0].writes[0].value_json, R"({"text":"2+2?"})");

  fx = h.send(3, {{"op", "so.delete"}, {"id", 2}, {"so", "quiz"}, {"slot", "q1"}});
  EXPECT_EQ(frames_to(fx, 3)[0]["version"], 2);
  EXPECT_EQ(frames_to(fx, 2)[0]["changes"][0], (json{{"slot", "q1"}, {"deleted", true}}));
  ASSERT_EQ(fx.persist.size(), 1u);
  EXPECT_FALSE(fx.persist[0].writes[0].value_json.has_value());
}

TEST_F(RoomStateSo, TemporaryObjectsAreNotPersisted) {
  connect(2, "poll");
  auto fx = set(2, "poll", "a", 1);
  EXPECT_EQ(frames_to(fx, 2)[0]["ok"], true);
  EXPECT_TRUE(fx.persist.empty());
}

TEST_F(RoomStateSo, WritesNeedAConnectFirst) {
  auto frames = frames_to(set(2, "quiz", "a", 1), 2);
  EXPECT_EQ(frames[0]["op"], "so.result");
  EXPECT_EQ(frames[0]["ok"], false);
  EXPECT_EQ(frames[0]["code"], "bad_request");
}

TEST_F(RoomStateSo, ServerObjectsAreReadOnlyToEveryone) {
  h.room.join(9, role::admin, "Root", h.now);
  for (conn_handle c : {1, 2, 9}) {
    for (const char* so : {"room", "roster", "chat"}) {
      auto fx = set(c, so, "x", 1);
      auto frames = frames_to(fx, c);
      ASSERT_EQ(frames.size(), 1u) << so;
      EXPECT_EQ(frames[0]["code"], "forbidden") << so;
      EXPECT_TRUE(fx.persist.empty());
    }
  }
}

TEST_F(RoomStateSo, TeacherObjectsAreWrittenByTeachersAndAdminsOnly) {
  h.room.join(9, role::admin, "Root", h.now);
  for (conn_handle c : {1, 2, 9}) connect(c, "teacher.board");
  EXPECT_EQ(frames_to(set(2, "teacher.board", "a", 1), 2)[0]["code"], "forbidden");
  EXPECT_EQ(frames_to(set(1, "teacher.board", "a", 1), 1)[0]["ok"], true);
  EXPECT_EQ(frames_to(set(9, "teacher.board", "a", 2), 9)[0]["ok"], true);
  auto fx = h.send(2, {{"op", "so.send"}, {"so", "teacher.board"}, {"handler", "h"}});
  EXPECT_EQ(frames_to(fx, 2)[0]["code"], "forbidden");
}

TEST_F(RoomStateSo, TooManyObjectsIsRefusedWithLimit) {
  for (int i = 0; i < 32; ++i) {
    std::string name = "o";
    name += std::to_string(i);
    auto frames = frames_to(connect(2, name), 2);
    ASSERT_EQ(frames[0]["op"], "so.state") << i;
  }
  auto frames = frames_to(h.send(2, {{"op", "so.connect"}, {"id", 5}, {"so", "one-more"}}), 2);
  EXPECT_EQ(frames[0]["op"], "so.result");
  EXPECT_EQ(frames[0]["id"], 5);
  EXPECT_EQ(frames[0]["code"], "limit");
  // an existing object can still be joined
  EXPECT_EQ(frames_to(connect(3, "o1"), 3)[0]["op"], "so.state");
}

TEST_F(RoomStateSo, ValueTooLargeAndTooManySlots) {
  connect(2, "quiz");
  auto frames = frames_to(set(2, "quiz", "big", std::string(16 * 1024, 'x')), 2);
  EXPECT_EQ(frames[0]["code"], "too_large");
  EXPECT_EQ(frames_to(set(2, "quiz", "ok", std::string(16 * 1024 - 2, 'x')), 2)[0]["ok"], true);
  EXPECT_EQ(frames_to(set(2, "quiz", std::string(129, 's'), 1), 2)[0]["code"], "bad_request");

  room_limits limits;
  limits.object.max_slots = 2;
  room_harness small(test_room(), {}, limits);
  small.join(1, role::student);
  small.send(1, {{"op", "so.connect"}, {"so", "q"}});
  auto put = [&](const char* slot) {
    return frames_to(small.send(1, {{"op", "so.set"}, {"so", "q"}, {"slot", slot}, {"value", 1}}),
                     1)[0];
  };
  EXPECT_EQ(put("a")["ok"], true);
  EXPECT_EQ(put("b")["ok"], true);
  EXPECT_EQ(put("c")["code"], "limit");
  EXPECT_EQ(put("a")["ok"], true);  // rewriting is fine
}

TEST_F(RoomStateSo, LockHoldsTheHoldersChangesAndRefusesOthers) {
  for (conn_handle c : {1, 2, 3}) connect(c, "quiz");
  auto fx = h.send(2, {{"op", "so.lock"}, {"id", "L"}, {"so", "quiz"}});
  EXPECT_EQ(frames_to(fx, 2)[0]["ok"], true);
  EXPECT_EQ(frames_to(set(3, "quiz", "x", 1), 3)[0]["code"], "locked");
  EXPECT_EQ(frames_to(h.send(3, {{"op", "so.lock"}, {"so", "quiz"}}), 3)[0]["code"], "locked");
  fx = set(2, "quiz", "a", 1);
  EXPECT_EQ(frames_to(fx, 2)[0]["ok"], true);
  EXPECT_TRUE(frames_to(fx, 1).empty());
  EXPECT_TRUE(frames_to(set(2, "quiz", "b", 2), 3).empty());
  fx = h.send(2, {{"op", "so.unlock"}, {"id", "U"}, {"so", "quiz"}});
  EXPECT_EQ(frames_to(fx, 2).size(), 1u);  // only its result
  for (conn_handle other : {1, 3}) {
    auto frames = frames_to(fx, other);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0]["op"], "so.change");
    ASSERT_EQ(frames[0]["changes"].size(), 2u);
    EXPECT_EQ(frames[0]["changes"][0]["slot"], "a");
    EXPECT_EQ(frames[0]["changes"][1]["slot"], "b");
  }
  EXPECT_EQ(frames_to(set(3, "quiz", "x", 1), 3)[0]["ok"], true);
}

TEST_F(RoomStateSo, LockIsReleasedWhenTheHolderLeaves) {
  for (conn_handle c : {1, 2}) connect(c, "quiz");
  h.send(2, {{"op", "so.lock"}, {"so", "quiz"}});
  set(2, "quiz", "a", 1);
  auto fx = h.room.leave(2, h.now);
  auto frames = frames_to(fx, 1);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["changes"][0]["slot"], "a");
  EXPECT_EQ(frames_to(set(1, "quiz", "x", 1), 1)[0]["ok"], true);
}

TEST_F(RoomStateSo, LockTimesOut) {
  for (conn_handle c : {1, 2}) connect(c, "quiz");
  h.send(2, {{"op", "so.lock"}, {"so", "quiz"}});
  set(2, "quiz", "a", 1);
  EXPECT_TRUE(frames_to(h.room.expire(h.now + 29'000), 1).empty());
  auto frames = frames_to(h.room.expire(h.now + 30'000), 1);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["op"], "so.change");
}

TEST_F(RoomStateSo, UnlockSendsEachSubscriberOnlyWhatItLacks) {
  connect(1, "quiz");
  connect(2, "quiz");
  h.send(2, {{"op", "so.lock"}, {"so", "quiz"}});
  set(2, "quiz", "a", 1);
  auto late = frames_to(connect(3, "quiz"), 3);  // joins during the lock: has "a" already
  EXPECT_EQ(late[0]["slots"]["a"], 1);
  auto fx = h.send(2, {{"op", "so.unlock"}, {"so", "quiz"}});
  EXPECT_TRUE(frames_to(fx, 3).empty());
  EXPECT_EQ(frames_to(fx, 1).size(), 1u);
}

TEST_F(RoomStateSo, ABatchLongerThanTheHistoryArrivesAsFullState) {
  connect(1, "quiz");
  connect(2, "quiz");
  h.send(2, {{"op", "so.lock"}, {"so", "quiz"}});
  for (int i = 0; i < 300; ++i) set(2, "quiz", "s", i);
  auto frames = frames_to(h.send(2, {{"op", "so.unlock"}, {"so", "quiz"}}), 1);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["op"], "so.state");
  EXPECT_EQ(frames[0]["slots"]["s"], 299);
}

TEST_F(RoomStateSo, UnlockWithoutTheLockIsRefused) {
  connect(2, "quiz");
  auto frames = frames_to(h.send(2, {{"op", "so.unlock"}, {"so", "quiz"}}), 2);
  EXPECT_EQ(frames[0]["ok"], false);
}

TEST_F(RoomStateSo, SendReachesEverySubscriberIncludingTheSender) {
  connect(1, "quiz");
  connect(2, "quiz");
  auto fx =
      h.send(2, {{"op", "so.send"}, {"so", "quiz"}, {"handler", "reveal"}, {"args", {1, "two"}}});
  json expected{{"op", "so.message"},
                {"so", "quiz"},
                {"handler", "reveal"},
                {"args", {1, "two"}},
                {"from", ana}};
  EXPECT_EQ(frames_to(fx, 1), std::vector<json>{expected});
  EXPECT_EQ(frames_to(fx, 2), std::vector<json>{expected});
  EXPECT_TRUE(frames_to(fx, 3).empty());  // not subscribed
  EXPECT_EQ(fx.deliveries.size(), 1u);
  EXPECT_TRUE(fx.persist.empty());
  auto bad = h.send(2, {{"op", "so.send"}, {"so", "quiz"}, {"handler", "x"}, {"args", 5}});
  EXPECT_EQ(frames_to(bad, 2)[0]["code"], "bad_request");
}

TEST_F(RoomStateSo, CloseStopsTheChanges) {
  connect(1, "quiz");
  connect(2, "quiz");
  h.send(1, {{"op", "so.close"}, {"so", "quiz"}});
  EXPECT_TRUE(frames_to(set(2, "quiz", "a", 1), 1).empty());
}

TEST_F(RoomStateSo, TemporaryObjectsGoWhenTheRoomEmpties) {
  connect(2, "poll");
  connect(2, "quiz", 0, true);
  EXPECT_EQ(h.room.snapshot()["shared_objects"], 2);
  for (conn_handle c : {1, 2, 3}) h.room.leave(c, h.now);
  h.room.expire(h.now + 60'000);
  EXPECT_TRUE(h.room.empty());
  EXPECT_EQ(h.room.snapshot()["shared_objects"], 1);  // the persistent one stays
}

}  // namespace
}  // namespace lectern::server
