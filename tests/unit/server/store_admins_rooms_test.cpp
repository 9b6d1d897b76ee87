// The admins, admin_sessions, rooms and room_tokens repositories.
#include <gtest/gtest.h>

#include <string>

#include "store_test_util.hpp"

namespace lectern::server {
namespace {

using AdminStore = test::store_test;
using RoomStore = test::store_test;

TEST_F(AdminStore, CreateFindAndUpdate) {
  EXPECT_EQ(db_.admins.count(), 0);
  const auto id = db_.admins.create("alice", "hash1", 100);
  EXPECT_EQ(db_.admins.count(), 1);
  auto a = db_.admins.find_by_username("alice");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->id, id);
  EXPECT_EQ(a->password_hash, "hash1");
  EXPECT_EQ(a->created_at, 100);
  EXPECT_EQ(a->last_login_at, std::nullopt);
  EXPECT_FALSE(db_.admins.find_by_username("ALICE"));  // names are case-sensitive
  EXPECT_FALSE(db_.admins.find(id + 1));

  EXPECT_TRUE(db_.admins.set_password(id, "hash2"));
  EXPECT_TRUE(db_.admins.touch_login(id, 200));
  a = db_.admins.find(id);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->password_hash, "hash2");
  EXPECT_EQ(a->last_login_at, 200);
  EXPECT_FALSE(db_.admins.set_password(id + 1, "x"));
}

TEST_F(AdminStore, UsernameIsUnique) {
  db_.admins.create("alice", "h", 1);
  EXPECT_THROW(db_.admins.create("alice", "h", 2), store_error);
  EXPECT_EQ(db_.admins.count(), 1);
}

TEST_F(AdminStore, SessionsExpireAndAreRemoved) {
  const auto admin = db_.admins.create("alice", "h", 1);
  const auto sid = db_.admin_sessions.create(admin, "th1", "csrf1", 1000, 2000, "127.0.0.1");
  auto s = db_.admin_sessions.find_valid("th1", 1999);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->id, sid);
  EXPECT_EQ(s->admin_id, admin);
  EXPECT_EQ(s->username, "alice");
  EXPECT_EQ(s->csrf_token, "csrf1");
  EXPECT_EQ(s->expires_at, 2000);
  EXPECT_FALSE(db_.admin_sessions.find_valid("th1", 2000));  // expired at expires_at
  EXPECT_FALSE(db_.admin_sessions.find_valid("other", 1500));

  EXPECT_TRUE(db_.admin_sessions.touch(sid, 1900, 5000));
  EXPECT_TRUE(db_.admin_sessions.find_valid("th1", 4000));

  db_.admin_sessions.create(admin, "th2", "csrf2", 1000, 1500, "");
  EXPECT_EQ(db_.admin_sessions.remove_expired(3000), 1);  // th2 only
  EXPECT_TRUE(db_.admin_sessions.find_valid("th1", 4000));
  EXPECT_TRUE(db_.admin_sessions.remove("th1"));
  EXPECT_FALSE(db_.admin_sessions.remove("th1"));
  EXPECT_FALSE(db_.admin_sessions.find_valid("th1", 4000));
}

TEST_F(AdminStore, SessionTokenHashIsUniqueAndNeedsAnAdmin) {
  const auto admin = db_.admins.create("alice", "h", 1);
  db_.admin_sessions.create(admin, "th", "c", 1, 2, "");
  EXPECT_THROW(db_.admin_sessions.create(admin, "th", "c2", 1, 2, ""), store_error);
  EXPECT_THROW(db_.admin_sessions.create(admin + 1, "th3", "c", 1, 2, ""), store_error);
  const auto kept = db_.admin_sessions.create(admin, "th4", "c", 1, 2, "");
  db_.admin_sessions.create(admin, "th5", "c", 1, 2, "");
  EXPECT_EQ(db_.admin_sessions.remove_for_admin(admin, kept), 2);  // th and th5
  EXPECT_TRUE(db_.admin_sessions.find_valid("th4", 1));
  EXPECT_EQ(db_.admin_sessions.remove_for_admin(admin), 1);
}

TEST_F(RoomStore, CreateWithDefaultsAndFind) {
  room_fields f;
  f.name = "Physics 101";
  const auto r = db_.rooms.create(f, 1234);
  EXPECT_GT(r.id, 0);
  const auto found = db_.rooms.find(r.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "Physics 101");
  EXPECT_TRUE(found->is_public);
  EXPECT_EQ(found->max_students, 100);
  EXPECT_EQ(found->buffer_ms, 1000);
  EXPECT_FALSE(found->record);
  EXPECT_EQ(found->welcome, "");
  EXPECT_EQ(found->created_at, 1234);
  EXPECT_EQ(found->updated_at, 1234);
  EXPECT_FALSE(db_.rooms.find(r.id + 1));
}

TEST_F(RoomStore, ListUpdateAndRemove) {
  const auto a = make_room("A");
  const auto b = make_room("B");
  auto all = db_.rooms.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, a);
  EXPECT_EQ(all[1].name, "B");

  room_patch p;
  p.record = true;
  p.welcome = "Hello";
  p.max_students = 0;
  const auto updated = db_.rooms.update(b, p, 5000);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->name, "B");  // unchanged
  EXPECT_TRUE(updated->record);
  EXPECT_TRUE(updated->is_public);
  EXPECT_EQ(updated->welcome, "Hello");
  EXPECT_EQ(updated->max_students, 0);
  EXPECT_EQ(updated->updated_at, 5000);
  EXPECT_EQ(updated->created_at, 1000);
  EXPECT_FALSE(db_.rooms.update(b + 100, p, 5000));

  p = {};
  p.buffer_ms = -1;
  EXPECT_THROW(db_.rooms.update(b, p, 6000), store_error);  // CHECK constraint
  EXPECT_EQ(db_.rooms.find(b)->buffer_ms, 1000);

  EXPECT_TRUE(db_.rooms.remove(a));
  EXPECT_FALSE(db_.rooms.remove(a));
  EXPECT_EQ(db_.rooms.list().size(), 1u);
}

TEST_F(RoomStore, DeletedRoomIdsAreNotReused) {
  make_room("A");
  const auto b = make_room("B");
  db_.rooms.remove(b);
  EXPECT_GT(make_room("C"), b);
}

TEST_F(RoomStore, SetActiveRevokesThePreviousTokenOfThatRole) {
  const auto room = make_room();
  db_.room_tokens.set_active(room, "teacher", "n1", "hash-t1", 10);
  db_.room_tokens.set_active(room, "student", "n2", "hash-s1", 10);
  const auto t2 = db_.room_tokens.set_active(room, "teacher", "n3", "hash-t2", 20);

  const auto active = db_.room_tokens.active(room);
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(active[0].role, "teacher");
  EXPECT_EQ(active[0].id, t2);
  EXPECT_EQ(active[0].nonce, "n3");
  EXPECT_EQ(active[0].token_hash, "hash-t2");
  EXPECT_EQ(active[0].created_at, 20);
  EXPECT_EQ(active[1].role, "student");

  EXPECT_FALSE(db_.room_tokens.find_by_hash("hash-t1"));  // revoked
  const auto s = db_.room_tokens.find_by_hash("hash-s1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->room_id, room);
  EXPECT_EQ(db_.sql.query_int("SELECT revoked_at FROM room_tokens WHERE nonce = 'n1'", "t"), 20);
}

TEST_F(RoomStore, AllActiveCoversEveryRoom) {
  const auto a = make_room("A");
  const auto b = make_room("B");
  db_.room_tokens.set_active(a, "teacher", "n1", "h1", 1);
  db_.room_tokens.set_active(b, "student", "n2", "h2", 1);
  db_.room_tokens.set_active(b, "student", "n3", "h3", 2);
  const auto all = db_.room_tokens.all_active();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].token_hash, "h1");
  EXPECT_EQ(all[1].token_hash, "h3");
  EXPECT_TRUE(db_.room_tokens.revoke(b, "student", 3));
  EXPECT_FALSE(db_.room_tokens.revoke(b, "student", 3));
  EXPECT_EQ(db_.room_tokens.all_active().size(), 1u);
}

TEST_F(RoomStore, TokenHashIsUniqueAndAFailedSetKeepsTheOldToken) {
  const auto a = make_room("A");
  const auto b = make_room("B");
  db_.room_tokens.set_active(a, "teacher", "n1", "same", 1);
  db_.room_tokens.set_active(b, "teacher", "n2", "b-old", 1);
  // The insert fails after the revoke: the transaction must undo the revoke too.
  EXPECT_THROW(db_.room_tokens.set_active(b, "teacher", "n3", "same", 2), store_error);
  EXPECT_TRUE(db_.room_tokens.find_by_hash("b-old"));
  EXPECT_THROW(db_.room_tokens.set_active(a, "guest", "n4", "h4", 2), store_error);
  EXPECT_THROW(db_.room_tokens.set_active(a + 100, "teacher", "n5", "h5", 2), store_error);
}

TEST_F(RoomStore, SetActiveNestsInACallersTransaction) {
  const auto room = make_room();
  {
    auto tx = db_.begin();
    db_.room_tokens.set_active(room, "teacher", "n1", "h1", 1);
    db_.room_tokens.set_active(room, "student", "n2", "h2", 1);
    // not committed
  }
  EXPECT_TRUE(db_.room_tokens.active(room).empty());
  {
    auto tx = db_.begin();
    db_.room_tokens.set_active(room, "teacher", "n1", "h1", 1);
    tx.commit();
  }
  EXPECT_EQ(db_.room_tokens.active(room).size(), 1u);
}

}  // namespace
}  // namespace lectern::server
