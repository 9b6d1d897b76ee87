// The class_sessions, attendance, recordings, shared_objects and audit repositories, and what
// deleting a room or an admin does to the rows that mention it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store_test_util.hpp"

namespace lectern::server {
namespace {

using RecordStore = test::store_test;

attendance_fields joiner(std::int64_t room, std::optional<std::int64_t> cls, std::string who,
                         std::int64_t at) {
  attendance_fields f;
  f.room_id = room;
  f.class_session_id = cls;
  f.participant_id = std::move(who);
  f.role = "student";
  f.display_name = "Ann";
  f.via = "ws";
  f.peer = "127.0.0.1:5000";
  f.joined_at = at;
  return f;
}

recording_fields recording(std::optional<std::int64_t> room, std::string path, std::int64_t at) {
  recording_fields f;
  f.room_id = room;
  f.stream = "live/1";
  f.path = std::move(path);
  f.started_at = at;
  f.duration_ms = 60'000;
  f.size_bytes = 1'000'000;
  f.created_at = at + 60'000;
  return f;
}

TEST_F(RecordStore, ClassSessionsStartEndAndList) {
  const auto room = make_room();
  EXPECT_FALSE(db_.class_sessions.open_for(room));
  const auto c1 = db_.class_sessions.start(room, 100, "admin:alice");
  auto open = db_.class_sessions.open_for(room);
  ASSERT_TRUE(open);
  EXPECT_EQ(open->id, c1);
  EXPECT_EQ(open->started_by, "admin:alice");
  EXPECT_EQ(open->ended_at, std::nullopt);
  EXPECT_TRUE(db_.class_sessions.end(c1, 200));
  EXPECT_FALSE(db_.class_sessions.end(c1, 300));  // already ended
  EXPECT_FALSE(db_.class_sessions.open_for(room));

  const auto c2 = db_.class_sessions.start(room, 400, "teacher");
  // Starting while one is open ends it: a room holds one class at a time.
  const auto c3 = db_.class_sessions.start(room, 500, "teacher");
  EXPECT_EQ(db_.class_sessions.find(c2)->ended_at, 500);
  EXPECT_EQ(db_.class_sessions.open_for(room)->id, c3);

  const auto list = db_.class_sessions.list(room);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].id, c3);  // newest first
  EXPECT_EQ(list[2].id, c1);
  EXPECT_EQ(list[2].ended_at, 200);
}

TEST_F(RecordStore, CloseAllOpenClassesAfterACrash) {
  const auto a = make_room("A");
  const auto b = make_room("B");
  db_.class_sessions.start(a, 1, "");
  const auto done = db_.class_sessions.start(b, 1, "");
  db_.class_sessions.end(done, 2);
  db_.class_sessions.start(b, 3, "");
  EXPECT_EQ(db_.class_sessions.close_all_open(9), 2);
  EXPECT_FALSE(db_.class_sessions.open_for(a));
  EXPECT_EQ(db_.class_sessions.find(done)->ended_at, 2);  // untouched
  EXPECT_EQ(db_.class_sessions.close_all_open(10), 0);
}

TEST_F(RecordStore, ClassAttendanceIsWhoWasThereWhileItRan) {
  const auto room = make_room("A");
  const auto other_room = make_room("B");
  const auto cls = db_.class_sessions.start(room, 100, "");
  ASSERT_TRUE(db_.class_sessions.end(cls, 200));
  const auto waited = db_.attendance.join(joiner(room, std::nullopt, "waited", 50));
  const auto gone = db_.attendance.join(joiner(room, std::nullopt, "gone", 10));
  ASSERT_TRUE(db_.attendance.leave(gone, 100));                   // left as it started
  db_.attendance.join(joiner(room, std::nullopt, "after", 200));  // came as it ended
  const auto during = db_.attendance.join(joiner(room, cls, "during", 150));
  ASSERT_TRUE(db_.attendance.leave(during, 160));
  db_.attendance.join(joiner(other_room, std::nullopt, "elsewhere", 120));

  const auto rows = db_.attendance.list(room, cls);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].id, waited);
  EXPECT_EQ(rows[1].id, during);
  EXPECT_TRUE(db_.attendance.list(other_room, cls).empty());  // not that room's class
}

TEST_F(RecordStore, AttendanceJoinLeaveAndList) {
  const auto room = make_room();
  const auto cls = db_.class_sessions.start(room, 100, "");
  const auto j1 = db_.attendance.join(joiner(room, cls, "p1", 110));
  const auto j2 = db_.attendance.join(joiner(room, std::nullopt, "p2", 105));
  EXPECT_TRUE(db_.attendance.leave(j1, 150));
  EXPECT_FALSE(db_.attendance.leave(j1, 160));

  const auto all = db_.attendance.list(room);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, j2);  // join order
  EXPECT_EQ(all[0].class_session_id, std::nullopt);
  EXPECT_EQ(all[1].participant_id, "p1");
  EXPECT_EQ(all[1].display_name, "Ann");
  EXPECT_EQ(all[1].via, "ws");
  EXPECT_EQ(all[1].peer, "127.0.0.1:5000");
  EXPECT_EQ(all[1].left_at, 150);

  // p2 joined before the class started and is still there: it attends the class too.
  const auto in_class = db_.attendance.list(room, cls);
  ASSERT_EQ(in_class.size(), 2u);
  EXPECT_EQ(in_class[0].id, j2);
  EXPECT_EQ(in_class[1].id, j1);

  EXPECT_EQ(db_.attendance.close_all_open(999), 1);
  EXPECT_EQ(db_.attendance.list(room)[0].left_at, 999);

  auto bad = joiner(room, cls, "p3", 1);
  bad.via = "carrier-pigeon";
  EXPECT_THROW(db_.attendance.join(bad), store_error);
}

TEST_F(RecordStore, RecordingsAddListFindRemove) {
  const auto a = make_room("A");
  const auto b = make_room("B");
  const auto r1 = db_.recordings.add(recording(a, "rec/a-1.flv", 1000));
  const auto r2 = db_.recordings.add(recording(b, "rec/b-1.flv", 2000));
  const auto r3 = db_.recordings.add(recording(a, "rec/a-2.flv", 3000));
  EXPECT_THROW(db_.recordings.add(recording(a, "rec/a-2.flv", 4000)), store_error);

  const auto all = db_.recordings.list();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, r3);
  EXPECT_EQ(all[1].id, r2);
  const auto of_a = db_.recordings.list(a);
  ASSERT_EQ(of_a.size(), 2u);
  EXPECT_EQ(of_a[0].path, "rec/a-2.flv");

  const auto found = db_.recordings.find(r1);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->room_id, a);
  EXPECT_EQ(found->stream, "live/1");
  EXPECT_EQ(found->duration_ms, 60'000);
  EXPECT_EQ(found->size_bytes, 1'000'000);
  EXPECT_EQ(found->created_at, 61'000);
  EXPECT_EQ(db_.recordings.find_by_path("rec/b-1.flv")->id, r2);
  EXPECT_FALSE(db_.recordings.find_by_path("nope.flv"));

  EXPECT_TRUE(db_.recordings.set_stats(r1, 5, 6));
  EXPECT_EQ(db_.recordings.find(r1)->size_bytes, 6);
  EXPECT_TRUE(db_.recordings.remove(r1));
  EXPECT_FALSE(db_.recordings.remove(r1));
  EXPECT_FALSE(db_.recordings.find(r1));
}

TEST_F(RecordStore, SharedObjectsSaveLoadClearRemove) {
  const auto room = make_room();
  const std::vector<shared_slot_change> first = {
      {"q1", R"({"text":"2+2?"})", 1}, {"q2", "true", 2}, {"q3", "null", 3}};
  db_.shared_objects.save(room, "quiz", 3, first, 100);
  const std::vector<shared_slot_change> second = {{"q2", std::nullopt, 4}, {"q1", "42", 5}};
  db_.shared_objects.save(room, "quiz", 5, second, 200);
  db_.shared_objects.save(room, "chat", 1, std::vector<shared_slot_change>{{"m1", "\"hi\"", 1}},
                          150);

  auto objects = db_.shared_objects.load_room(room);
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].name, "chat");
  EXPECT_EQ(objects[1].name, "quiz");
  EXPECT_EQ(objects[1].version, 5);
  EXPECT_EQ(objects[1].updated_at, 200);
  ASSERT_EQ(objects[1].slots.size(), 2u);
  EXPECT_EQ(objects[1].slots[0].slot, "q1");
  EXPECT_EQ(objects[1].slots[0].value_json, "42");
  EXPECT_EQ(objects[1].slots[0].version, 5);
  EXPECT_EQ(objects[1].slots[1].slot, "q3");

  db_.shared_objects.clear(room, "quiz", 6, 300);
  objects = db_.shared_objects.load_room(room);
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_TRUE(objects[1].slots.empty());
  EXPECT_EQ(objects[1].version, 6);

  EXPECT_TRUE(db_.shared_objects.remove(room, "chat"));
  EXPECT_FALSE(db_.shared_objects.remove(room, "chat"));
  EXPECT_EQ(db_.shared_objects.load_room(room).size(), 1u);
  EXPECT_EQ(count("shared_object_slots"), 0);
}

TEST_F(RecordStore, AFailedSharedObjectSaveChangesNothing) {
  const auto room = make_room();
  db_.shared_objects.save(room, "quiz", 1, std::vector<shared_slot_change>{{"a", "1", 1}}, 1);
  // A NULL-free column gets NULL through a bad change half-way: the whole save is undone.
  db_.sql.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON shared_object_slots WHEN NEW.slot = 'bad' "
      "BEGIN SELECT RAISE(ABORT, 'refused'); END",
      "trigger");
  const std::vector<shared_slot_change> changes = {{"a", "2", 2}, {"bad", "3", 3}};
  EXPECT_THROW(db_.shared_objects.save(room, "quiz", 3, changes, 2), store_error);
  const auto objects = db_.shared_objects.load_room(room);
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].version, 1);
  EXPECT_EQ(objects[0].slots.at(0).value_json, "1");
}

TEST_F(RecordStore, AuditListsNewestFirstWithPaging) {
  const auto admin = db_.admins.create("alice", "h", 1);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    audit_fields f;
    f.at = 100 + i;
    f.admin_id = admin;
    f.actor = "alice";
    f.action = "room.create";
    f.target = "room:" + std::to_string(i);
    f.peer = "127.0.0.1";
    ids.push_back(db_.audit.add(f));
  }
  const auto page1 = db_.audit.list(2);
  ASSERT_EQ(page1.size(), 2u);
  EXPECT_EQ(page1[0].id, ids[4]);
  EXPECT_EQ(page1[1].id, ids[3]);
  EXPECT_EQ(page1[0].target, "room:4");
  EXPECT_EQ(page1[0].detail_json, "{}");
  EXPECT_EQ(page1[0].admin_id, admin);
  const auto page2 = db_.audit.list(10, page1.back().id);
  ASSERT_EQ(page2.size(), 3u);
  EXPECT_EQ(page2[0].id, ids[2]);
  EXPECT_EQ(page2[2].id, ids[0]);
}

TEST_F(RecordStore, DeletingARoomCascadesButKeepsRecordings) {
  const auto room = make_room("doomed");
  const auto other = make_room("kept");
  for (const auto r : {room, other}) {
    db_.room_tokens.set_active(r, "teacher", "n", "h" + std::to_string(r), 1);
    const auto cls = db_.class_sessions.start(r, 1, "");
    db_.attendance.join(joiner(r, cls, "p1", 2));
    db_.shared_objects.save(r, "quiz", 1, std::vector<shared_slot_change>{{"a", "1", 1}}, 1);
  }
  const auto rec = db_.recordings.add(recording(room, "rec/doomed.flv", 5));

  ASSERT_TRUE(db_.rooms.remove(room));
  EXPECT_TRUE(db_.room_tokens.active(room).empty());
  EXPECT_TRUE(db_.class_sessions.list(room).empty());
  EXPECT_TRUE(db_.attendance.list(room).empty());
  EXPECT_TRUE(db_.shared_objects.load_room(room).empty());
  const auto kept = db_.recordings.find(rec);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->room_id, std::nullopt);
  EXPECT_EQ(kept->path, "rec/doomed.flv");

  // The other room is untouched.
  EXPECT_EQ(count("room_tokens"), 1);
  EXPECT_EQ(count("class_sessions"), 1);
  EXPECT_EQ(count("attendance"), 1);
  EXPECT_EQ(count("shared_objects"), 1);
  EXPECT_EQ(count("shared_object_slots"), 1);
}

TEST_F(RecordStore, DeletingAnAdminEndsSessionsAndKeepsTheAudit) {
  const auto admin = db_.admins.create("alice", "h", 1);
  db_.admin_sessions.create(admin, "th", "c", 1, 100, "");
  audit_fields f;
  f.at = 1;
  f.admin_id = admin;
  f.actor = "alice";
  f.action = "login";
  db_.audit.add(f);
  db_.sql.exec("DELETE FROM admins", "delete");
  EXPECT_EQ(count("admin_sessions"), 0);
  const auto log = db_.audit.list(10);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].admin_id, std::nullopt);
  EXPECT_EQ(log[0].actor, "alice");
}

TEST_F(RecordStore, ChildRowsNeedAnExistingRoom) {
  EXPECT_THROW(db_.class_sessions.start(77, 1, ""), store_error);
  EXPECT_THROW(db_.attendance.join(joiner(77, std::nullopt, "p", 1)), store_error);
  EXPECT_THROW(db_.shared_objects.save(77, "quiz", 1, std::vector<shared_slot_change>{}, 1),
               store_error);
}

}  // namespace
}  // namespace lectern::server
