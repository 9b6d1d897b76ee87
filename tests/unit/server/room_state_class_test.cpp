// room_state: the classroom requests, server and admin events, and hostile clients.
#include <gtest/gtest.h>

#include "room_state.hpp"
#include "room_state_test_util.hpp"

namespace lectern::server {
namespace {

using namespace testing;
using role = participant_role;

class RoomStateClass : public ::testing::Test {
 protected:
  void SetUp() override {
    teacher = h.join(1, role::teacher, "T");
    ana = h.join(2, role::student, "Ana");
    bo = h.join(3, role::student, "Bo");
  }
  room_effects request(conn_handle c, json msg) {
    msg["id"] = 42;
    return h.send(c, msg);
  }
  /// The answer to the request, which must be the connection's last frame.
  static json answer(const room_effects& fx, conn_handle c) {
    auto frames = frames_to(fx, c);
    return frames.empty() ? json(nullptr) : frames.back();
  }
  static json roster_value(const room_effects& fx, conn_handle c, const std::string& id) {
    auto change = find_op(frames_to(fx, c), "so.change", "roster");
    if (change.is_null()) return nullptr;
    for (const auto& ch : change["changes"]) {
      if (ch["slot"] == id) return ch.contains("value") ? ch["value"] : ch;
    }
    return nullptr;
  }
  room_harness h;
  std::string teacher, ana, bo;
};

TEST_F(RoomStateClass, PublicChatIsStoredAndReachesEveryone) {
  auto fx = request(2, {{"op", "chat.send"}, {"text", "hello"}});
  EXPECT_EQ(answer(fx, 2), (json{{"op", "result"}, {"ok", true}, {"id", 42}}));
  for (conn_handle c : {1, 2, 3}) {
    auto change = find_op(frames_to(fx, c), "so.change", "chat");
    ASSERT_FALSE(change.is_null()) << c;
    EXPECT_EQ(change["changes"][0]["slot"], "m000001");
    EXPECT_EQ(change["changes"][0]["value"], (json{{"from", ana},
                                                   {"name", "Ana"},
                                                   {"role", "student"},
                                                   {"text", "hello"},
                                                   {"at", h.now}}));
  }
  ASSERT_EQ(fx.persist.size(), 1u);
  EXPECT_EQ(fx.persist[0].name, "chat");
  EXPECT_EQ(fx.persist[0].writes[0].slot, "m000001");
}

TEST_F(RoomStateClass, ChatKeepsTheLast200Messages) {
  for (int i = 0; i < 200; ++i) request(2, {{"op", "chat.send"}, {"text", "x"}});
  h.now += 10'000;
  auto fx = request(2, {{"op", "chat.send"}, {"text", "the 201st"}});
  auto change = find_op(frames_to(fx, 1), "so.change", "chat");
  ASSERT_EQ(change["changes"].size(), 2u);
  EXPECT_EQ(change["changes"][0]["slot"], "m000201");
  EXPECT_EQ(change["changes"][1], (json{{"slot", "m000001"}, {"deleted", true}}));
  EXPECT_EQ(change["version"], 201);  // one change, one version
  ASSERT_EQ(fx.persist.size(), 1u);
  EXPECT_EQ(fx.persist[0].writes.size(), 2u);
  EXPECT_EQ(h.room.snapshot()["chat_messages"], 200);
}

TEST_F(RoomStateClass, PrivateChatReachesTeachersAndAdminsOnly) {
  h.room.join(9, role::admin, "Root", h.now);
  auto fx = request(2, {{"op", "chat.send"}, {"text", "psst"}, {"to", "teacher"}});
  EXPECT_EQ(answer(fx, 2)["ok"], true);
  for (conn_handle c : {1, 9}) {
    auto frames = frames_to(fx, c);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0]["op"], "chat.private");
    EXPECT_EQ(frames[0]["from"], ana);
    EXPECT_EQ(frames[0]["text"], "psst");
  }
  EXPECT_TRUE(frames_to(fx, 3).empty());
  EXPECT_TRUE(fx.persist.empty());
  EXPECT_EQ(h.room.snapshot()["chat_messages"], 0);
  EXPECT_EQ(answer(request(1, {{"op", "chat.send"}, {"text", "x"}, {"to", "teacher"}}), 1)["code"],
            "forbidden");
  EXPECT_EQ(answer(request(2, {{"op", "chat.send"}, {"text", "x"}, {"to", "bo"}}), 2)["code"],
            "bad_request");
}

TEST_F(RoomStateClass, ChatTextIsOneTo2000Characters) {
  for (json text : {json(""), json("  \n "), json(std::string(2001, 'a')), json(5)}) {
    EXPECT_EQ(answer(request(2, {{"op", "chat.send"}, {"text", text}}), 2)["code"], "bad_request");
  }
  std::string wide;
  for (int i = 0; i < 2000; ++i) wide += "\xc3\xa9";  // 2,000 characters, 4,000 bytes
  EXPECT_EQ(answer(request(2, {{"op", "chat.send"}, {"text", wide}}), 2)["ok"], true);
  EXPECT_EQ(answer(request(2, {{"op", "chat.send"}, {"text", "two\nlines"}}), 2)["ok"], true);
}

TEST_F(RoomStateClass, TeacherDeletesChatStudentsMayNot) {
  request(2, {{"op", "chat.send"}, {"text", "rude"}});
  EXPECT_EQ(answer(request(3, {{"op", "chat.delete"}, {"message", "m000001"}}), 3)["code"],
            "forbidden");
  auto fx = request(1, {{"op", "chat.delete"}, {"message", "m000001"}});
  EXPECT_EQ(answer(fx, 1)["ok"], true);
  auto change = find_op(frames_to(fx, 2), "so.change", "chat");
  EXPECT_EQ(change["changes"][0], (json{{"slot", "m000001"}, {"deleted", true}}));
  ASSERT_EQ(fx.persist.size(), 1u);
  EXPECT_EQ(answer(request(1, {{"op", "chat.delete"}, {"message", "m000001"}}), 1)["code"],
            "not_found");
}

TEST_F(RoomStateClass, AdminDeletesChatFromThePanel) {
  request(2, {{"op", "chat.send"}, {"text", "rude"}});
  auto fx = h.room.delete_chat("m000001", h.now);
  EXPECT_FALSE(find_op(frames_to(fx, 3), "so.change", "chat").is_null());
  EXPECT_TRUE(h.room.delete_chat("m000001", h.now).empty());
}

TEST_F(RoomStateClass, HandsGoUpAndDown) {
  auto fx = request(2, {{"op", "hand.raise"}});
  EXPECT_EQ(answer(fx, 2)["ok"], true);
  EXPECT_EQ(roster_value(fx, 1, ana)["hand"], true);
  EXPECT_EQ(roster_value(fx, 3, ana)["hand"], true);
  EXPECT_EQ(answer(request(1, {{"op", "hand.raise"}}), 1)["code"], "forbidden");
  EXPECT_EQ(answer(request(3, {{"op", "hand.lower"}, {"participant", ana}}), 3)["code"],
            "forbidden");
  fx = request(1, {{"op", "hand.lower"}, {"participant", ana}});
  EXPECT_EQ(answer(fx, 1)["ok"], true);
  EXPECT_EQ(roster_value(fx, 2, ana)["hand"], false);
  request(2, {{"op", "hand.raise"}});
  fx = request(2, {{"op", "hand.lower"}});
  EXPECT_EQ(roster_value(fx, 1, ana)["hand"], false);
  EXPECT_EQ(answer(request(1, {{"op", "hand.lower"}, {"participant", "p99"}}), 1)["code"],
            "not_found");
}

TEST_F(RoomStateClass, SpeakGrantGivesTheStudentAFreshToken) {
  auto fx = request(1, {{"op", "speak.grant"}, {"participant", ana}});
  EXPECT_EQ(answer(fx, 1)["ok"], true);
  std::string stream = "live/3-" + ana;
  auto granted = find_op(frames_to(fx, 2), "speak.granted");
  EXPECT_EQ(granted,
            (json{{"op", "speak.granted"}, {"stream", stream}, {"publish_token", "tok4"}}));
  EXPECT_TRUE(find_op(frames_to(fx, 3), "speak.granted").is_null());
  EXPECT_EQ(roster_value(fx, 3, ana)["speak"], stream);
  ASSERT_EQ(fx.speak_granted.size(), 1u);
  EXPECT_EQ(fx.speak_granted[0], std::make_pair(stream, std::string("tok4")));
  EXPECT_EQ(h.room.participant_for_publish_token("tok4"), ana);
  EXPECT_FALSE(h.room.participant_for_publish_token("tok1"));  // a resume key is no grant

  fx = request(1, {{"op", "speak.grant"}, {"participant", ana}});
  EXPECT_EQ(find_op(frames_to(fx, 2), "speak.granted")["publish_token"], "tok5");
  EXPECT_FALSE(h.room.participant_for_publish_token("tok4"));

  fx = request(1, {{"op", "speak.revoke"}, {"participant", ana}});
  EXPECT_EQ(fx.speak_revoked, std::vector<std::string>{stream});
  EXPECT_TRUE(roster_value(fx, 2, ana)["speak"].is_null());
  EXPECT_FALSE(h.room.participant_for_publish_token("tok5"));
  EXPECT_TRUE(request(1, {{"op", "speak.revoke"}, {"participant", ana}}).speak_revoked.empty());
  EXPECT_EQ(answer(request(3, {{"op", "speak.grant"}, {"participant", bo}}), 3)["code"],
            "forbidden");
}

TEST_F(RoomStateClass, GrantEndsWhenTheStudentLeavesForGoodOrIsKicked) {
  request(1, {{"op", "speak.grant"}, {"participant", ana}});
  request(1, {{"op", "speak.grant"}, {"participant", bo}});
  h.room.leave(2, h.now);
  EXPECT_TRUE(h.room.expire(h.now + 1000).speak_revoked.empty());  // may still come back
  auto fx = h.room.expire(h.now + 60'000);
  EXPECT_EQ(fx.speak_revoked, std::vector<std::string>{"live/3-" + ana});
  fx = h.room.kick(bo, h.now);
  EXPECT_EQ(fx.speak_revoked, std::vector<std::string>{"live/3-" + bo});
}

TEST_F(RoomStateClass, ResumedStudentGetsItsGrantAgain) {
  auto key = h.last_join.resume_key;  // Bo's
  request(1, {{"op", "speak.grant"}, {"participant", bo}});
  h.room.leave(3, h.now);
  auto r = h.room.join(7, role::student, "Bo", h.now + 1000, key);
  auto granted = find_op(frames_to(r.effects, 7), "speak.granted");
  EXPECT_EQ(granted["stream"], "live/3-" + bo);
  EXPECT_EQ(granted["publish_token"], "tok4");
}

TEST_F(RoomStateClass, MuteAndBuffer) {
  auto fx = request(1, {{"op", "mute"}, {"participant", ana}, {"muted", true}});
  EXPECT_EQ(roster_value(fx, 3, ana)["muted"], true);
  EXPECT_EQ(answer(request(1, {{"op", "mute"}, {"participant", ana}}), 1)["code"], "bad_request");
  EXPECT_EQ(answer(request(2, {{"op", "mute"}, {"participant", bo}, {"muted", true}}), 2)["code"],
            "forbidden");
  fx = request(1, {{"op", "buffer.set"}, {"ms", 3000}});
  EXPECT_EQ(answer(fx, 1)["ok"], true);
  auto change = find_op(frames_to(fx, 2), "so.change", "room");
  EXPECT_EQ(change["changes"][0], (json{{"slot", "buffer_ms"}, {"value", 3000}}));
  EXPECT_EQ(fx.persist.size(), 1u);
  for (json ms : {json(-1), json(60'001), json("1000"), json(1.5)}) {
    EXPECT_EQ(answer(request(1, {{"op", "buffer.set"}, {"ms", ms}}), 1)["code"], "bad_request");
  }
  EXPECT_EQ(answer(request(2, {{"op", "buffer.set"}, {"ms", 10}}), 2)["code"], "forbidden");
}

TEST_F(RoomStateClass, ClassStartAndEnd) {
  EXPECT_EQ(answer(request(2, {{"op", "class.start"}}), 2)["code"], "forbidden");
  auto fx = request(1, {{"op", "class.start"}});
  EXPECT_EQ(fx.class_live, true);
  EXPECT_EQ(fx.class_started_by, "teacher");
  auto cls = find_op(frames_to(fx, 2), "so.change", "room")["changes"][0]["value"];
  EXPECT_EQ(cls, (json{{"state", "live"}, {"started_at", h.now}, {"ended_at", nullptr}}));
  auto started = h.now;
  EXPECT_FALSE(request(1, {{"op", "class.start"}}).class_live);  // already live

  request(1, {{"op", "speak.grant"}, {"participant", ana}});
  fx = request(1, {{"op", "class.end"}});
  EXPECT_EQ(fx.class_live, false);
  for (conn_handle c : {2, 3}) {
    EXPECT_FALSE(find_op(frames_to(fx, c), "class.ended").is_null());
    EXPECT_TRUE(closed_with(fx, c, k_close_class_ended));
  }
  cls = find_op(frames_to(fx, 1), "so.change", "room")["changes"][0]["value"];
  EXPECT_EQ(cls, (json{{"state", "ended"}, {"started_at", started}, {"ended_at", h.now}}));
  EXPECT_EQ(fx.speak_revoked, std::vector<std::string>{"live/3-" + ana});
  EXPECT_TRUE(roster_value(fx, 1, ana)["deleted"].get<bool>());
  EXPECT_EQ(h.room.snapshot()["participants"].size(), 1u);  // the teacher
  EXPECT_FALSE(h.room.end_class(h.now).class_live);         // nothing live to end

  // An admin who starts a class is recorded by account, not by the name it shows.
  h.room.join(9, role::admin, "The principal", h.now, std::nullopt, "alice");
  fx = request(9, {{"op", "class.start"}});
  EXPECT_EQ(fx.class_live, true);
  EXPECT_EQ(fx.class_started_by, "admin:alice");
}

TEST_F(RoomStateClass, KickClosesAndRemoves) {
  auto fx = request(1, {{"op", "kick"}, {"participant", ana}});
  EXPECT_EQ(answer(fx, 1)["ok"], true);
  EXPECT_EQ(frames_to(fx, 2), (std::vector<json>{json{{"op", "kicked"}}}));
  EXPECT_TRUE(closed_with(fx, 2, k_close_kicked));
  EXPECT_TRUE(roster_value(fx, 3, ana)["deleted"].get<bool>());
  EXPECT_TRUE(h.send(2, {{"op", "hand.raise"}}).empty());  // its late frames are ignored
  EXPECT_TRUE(h.room.leave(2, h.now).empty());

  auto t2 = h.join(4, role::teacher, "T2");
  EXPECT_EQ(answer(request(1, {{"op", "kick"}, {"participant", t2}}), 1)["code"], "forbidden");
  EXPECT_EQ(answer(request(3, {{"op", "kick"}, {"participant", t2}}), 3)["code"], "forbidden");
  EXPECT_EQ(answer(request(1, {{"op", "kick"}, {"participant", teacher}}), 1)["code"], "not_found");
  h.room.join(9, role::admin, "Root", h.now);
  EXPECT_TRUE(closed_with(request(9, {{"op", "kick"}, {"participant", t2}}), 4, k_close_kicked));
}

TEST_F(RoomStateClass, TeacherStreamEvents) {
  auto fx = h.room.set_teacher_live(true, h.now);
  for (conn_handle c : {1, 2, 3}) {
    auto frames = frames_to(fx, c);
    EXPECT_EQ(
        find_op(frames, "event"),
        (json{{"op", "event"}, {"code", "NetStream.Play.PublishNotify"}, {"stream", "live/3"}}));
    const auto changes = find_op(frames, "so.change", "room")["changes"];
    EXPECT_EQ(changes[0]["value"], true);
    // Going live starts the class.
    EXPECT_EQ(changes[1]["slot"], "class");
    EXPECT_EQ(changes[1]["value"]["state"], "live");
  }
  EXPECT_EQ(fx.class_live, std::optional<bool>(true));
  EXPECT_EQ(fx.class_started_by, "teacher");
  EXPECT_TRUE(h.room.set_teacher_live(true, h.now).empty());
  fx = h.room.set_teacher_live(false, h.now);
  EXPECT_EQ(find_op(frames_to(fx, 2), "event")["code"], "NetStream.Play.UnpublishNotify");
}

TEST_F(RoomStateClass, PingPong) {
  EXPECT_EQ(frames_to(h.send(2, {{"op", "ping"}, {"id", "x"}}), 2),
            (std::vector<json>{json{{"op", "pong"}, {"id", "x"}}}));
}

TEST_F(RoomStateClass, SnapshotForTheApi) {
  request(2, {{"op", "hand.raise"}});
  auto snap = h.room.snapshot();
  EXPECT_EQ(snap["room"], 3);
  ASSERT_EQ(snap["participants"].size(), 3u);
  json p2;
  for (const auto& p : snap["participants"]) {
    if (p["id"] == ana) p2 = p;
  }
  EXPECT_EQ(p2["name"], "Ana");
  EXPECT_EQ(p2["role"], "student");
  EXPECT_EQ(p2["hand"], true);
  EXPECT_EQ(p2["connected"], true);
  EXPECT_EQ(snap["class"]["state"], "idle");
  EXPECT_EQ(snap["buffer_ms"], 1500);
  EXPECT_EQ(snap["connections"], 3);
}

TEST(RoomStateLoad, TeacherLiveIsForcedOffAndChatNumberingContinues) {
  persisted_so room{"room",
                    5,
                    {{"teacher_live", "true", 4},
                     {"welcome", "\"old\"", 2},
                     {"class", R"({"state":"live","started_at":1,"ended_at":null})", 3},
                     {"buffer_ms", "900", 1}}};
  persisted_so chat{"chat", 40, {{"m000039", R"({"text":"a"})", 39}}};
  room_harness h(test_room(), {room, chat});
  auto startup = h.room.startup_effects();
  ASSERT_EQ(startup.persist.size(), 1u);
  EXPECT_EQ(startup.persist[0].name, "room");
  EXPECT_EQ(startup.persist[0].version, 6u);
  EXPECT_TRUE(h.room.startup_effects().empty());
  h.join(1, role::student);
  auto state = find_op(frames_to(h.last_join.effects, 1), "so.state", "room");
  EXPECT_EQ(state["slots"]["teacher_live"], false);
  EXPECT_EQ(state["slots"]["welcome"], "Welcome!");
  EXPECT_EQ(state["slots"]["buffer_ms"], 900);          // the teacher's choice stands
  EXPECT_EQ(state["slots"]["class"]["state"], "live");  // as loaded
  auto fx = h.send(1, {{"op", "chat.send"}, {"text", "hi"}});
  EXPECT_EQ(find_op(frames_to(fx, 1), "so.change", "chat")["changes"][0]["slot"], "m000040");
}

TEST(RoomStateInfo, AdminEditsReachTheRoomObject) {
  room_harness h;
  h.join(1, role::student);
  auto info = test_room();
  info.welcome = "New text";
  auto fx = h.room.update_info(info);
  auto change = find_op(frames_to(fx, 1), "so.change", "room");
  ASSERT_EQ(change["changes"].size(), 1u);
  EXPECT_EQ(change["changes"][0], (json{{"slot", "welcome"}, {"value", "New text"}}));
  EXPECT_EQ(fx.persist.size(), 1u);
  EXPECT_TRUE(h.room.update_info(info).empty());
}

TEST(RoomStateAbuse, RateLimitClosesWith4008) {
  room_harness h;
  h.join(1, role::student);
  for (int i = 0; i < 100; ++i) {
    auto fx = h.room.handle(1, R"({"op":"ping"})", h.now);
    ASSERT_TRUE(fx.close.empty()) << i;
  }
  auto fx = h.room.handle(1, R"({"op":"ping"})", h.now);
  EXPECT_EQ(find_op(frames_to(fx, 1), "error")["code"], "rate_limited");
  EXPECT_TRUE(closed_with(fx, 1, k_close_rate_limited));
  EXPECT_TRUE(h.room.handle(1, R"({"op":"ping"})", h.now + 5000).empty());
}

TEST(RoomStateAbuse, SustainedFiftyPerSecondIsFine) {
  room_harness h;
  h.join(1, role::student);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(h.send(1, {{"op", "ping"}}).close.empty()) << i;  // one per 20 ms
  }
  h.now += 2000;  // the bucket is full again: 100
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(h.room.handle(1, R"({"op":"ping"})", h.now).close.empty()) << i;
  }
  h.now += 1000;  // one second brings back 50
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(h.room.handle(1, R"({"op":"ping"})", h.now).close.empty()) << i;
  }
  EXPECT_TRUE(closed_with(h.room.handle(1, R"({"op":"ping"})", h.now), 1, k_close_rate_limited));
}

TEST(RoomStateAbuse, MalformedFramesAreAnsweredThenClosedAfterTen) {
  room_harness h;
  h.join(1, role::student);
  std::vector<std::string> bad{"not json",
                               "[1,2]",
                               R"({"no":"op"})",
                               R"({"op":5})",
                               R"({"op":"nope"})",
                               R"({"op":"so.set","so":5})",
                               R"({"op":"ping","id":{"x":1}})",
                               std::string(100, '[') + std::string(100, ']'),
                               R"({"op":"chat.send","text":""})",
                               "{\"op\":\"so.connect\",\"so\":\"\"}"};
  for (const auto& text : bad) {
    auto fx = h.send_text(1, text);
    auto frames = frames_to(fx, 1);
    ASSERT_EQ(frames.size(), 1u) << text;
    EXPECT_EQ(frames[0]["code"], "bad_request") << text;
    EXPECT_TRUE(fx.close.empty()) << text;
  }
  auto fx = h.send_text(1, "{}");  // the eleventh
  EXPECT_EQ(frames_to(fx, 1)[0]["op"], "error");
  EXPECT_TRUE(closed_with(fx, 1, k_close_bad_request));
  EXPECT_TRUE(h.send(1, {{"op", "ping"}}).empty());
}

TEST(RoomStateAbuse, FramesOver64KiBAreRefused) {
  room_harness h;
  h.join(1, role::student);
  std::string big = R"({"op":"ping","pad":")";
  big += std::string(64 * 1024, 'x');
  big += "\"}";
  EXPECT_EQ(frames_to(h.send_text(1, big), 1)[0]["code"], "bad_request");
}

TEST(RoomStateAbuse, ErrorFramesHaveTheSpecShape) {
  room_harness h;
  h.join(1, role::student);
  auto frames = frames_to(h.send_text(1, "{oops"), 1);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["op"], "error");
  EXPECT_EQ(frames[0]["code"], "bad_request");
  EXPECT_TRUE(frames[0]["message"].is_string());
  frames = frames_to(h.send(1, {{"op", "hello"}, {"token", "t"}}), 1);
  EXPECT_EQ(frames[0]["op"], "result");
  EXPECT_EQ(frames[0]["ok"], false);
}

TEST(RoomStateAbuse, UnknownConnectionsAreIgnored) {
  room_harness h;
  EXPECT_TRUE(h.room.handle(77, R"({"op":"ping"})", 0).empty());
  EXPECT_TRUE(h.room.leave(77, 0).empty());
}

}  // namespace
}  // namespace lectern::server
