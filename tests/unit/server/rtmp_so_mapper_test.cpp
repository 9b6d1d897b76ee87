#include "rtmp_so_mapper.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace lectern::server {
namespace {

namespace rtmp = shared::rtmp;
namespace amf = shared::amf;
using nlohmann::json;
using rtmp::so_event_type;

rtmp::shared_object_message so_message(std::string name, std::vector<rtmp::so_event> events,
                                       bool persistent = false, std::uint32_t version = 0) {
  rtmp::shared_object_message m;
  m.name = std::move(name);
  m.version = version;
  if (persistent) m.flags = rtmp::k_so_flag_persistent;
  m.events = std::move(events);
  return m;
}

rtmp::so_event ev(so_event_type t, std::string name = {}, amf::value v = amf::null_t{}) {
  rtmp::so_event e;
  e.type = t;
  e.name = std::move(name);
  e.value = std::move(v);
  return e;
}

std::vector<json> frames_of(const rtmp_so_mapper::output& out) {
  std::vector<json> j;
  for (const auto& f : out.frames) j.push_back(json::parse(f));
  return j;
}

std::vector<so_event_type> types(const rtmp::shared_object_message& m) {
  std::vector<so_event_type> t;
  for (const auto& e : m.events) t.push_back(e.type);
  return t;
}

TEST(RtmpSoMapper, UseBecomesConnectAndStateBecomesUseSuccessClearChanges) {
  rtmp_so_mapper m;
  const auto f = frames_of(m.from_client(so_message("quiz", {ev(so_event_type::use)}, true, 5)));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]["op"], "so.connect");
  EXPECT_EQ(f[0]["so"], "quiz");
  EXPECT_EQ(f[0]["persistent"], true);
  EXPECT_EQ(f[0]["version"], 5);
  const auto msg = m.to_client(
      R"({"op":"so.state","so":"quiz","version":9,"persistent":true,"slots":{"a":1,"b":{"x":"y"}}})");
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->version, 9u);
  EXPECT_TRUE(msg->persistent());
  EXPECT_EQ(types(*msg), (std::vector{so_event_type::use_success, so_event_type::clear,
                                      so_event_type::change, so_event_type::change}));
  EXPECT_EQ(msg->events[2].name, "a");
  EXPECT_EQ(*msg->events[2].value.as_number(), 1.0);
  EXPECT_EQ(*msg->events[3].value.member("x")->as_string(), "y");
  // Later changes: change and remove events, no second use_success.
  const auto change = m.to_client(
      R"({"op":"so.change","so":"quiz","version":10,"changes":[{"slot":"a","value":2},{"slot":"b","deleted":true}]})");
  ASSERT_TRUE(change);
  EXPECT_EQ(types(*change), (std::vector{so_event_type::change, so_event_type::remove}));
  EXPECT_EQ(change->events[1].name, "b");
}

TEST(RtmpSoMapper, FramesForObjectsNotUsedAndClassroomFramesAreIgnored) {
  rtmp_so_mapper m;
  EXPECT_FALSE(m.to_client(R"({"op":"so.state","so":"roster","version":1,"slots":{}})"));
  EXPECT_FALSE(m.to_client(R"({"op":"chat.private","text":"x"})"));
  EXPECT_FALSE(m.to_client(R"({"op":"so.result","id":99,"ok":true,"version":1})"));
  EXPECT_FALSE(m.to_client("not json"));
  m.from_client(so_message("quiz", {ev(so_event_type::use)}));
  m.from_client(so_message("quiz", {ev(so_event_type::release)}));
  EXPECT_FALSE(m.uses("quiz"));
  EXPECT_FALSE(m.to_client(R"({"op":"so.change","so":"quiz","version":2,"changes":[]})"));
}

TEST(RtmpSoMapper, SetAndRemoveAreAnsweredWithSuccessOrStatus) {
  rtmp_so_mapper m;
  m.from_client(so_message("quiz", {ev(so_event_type::use)}));
  amf::object value;
  value.set("q1", "b");
  const auto f = frames_of(
      m.from_client(so_message("quiz", {ev(so_event_type::request_change, "answer", value),
                                        ev(so_event_type::request_remove, "old")})));
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0]["op"], "so.set");
  EXPECT_EQ(f[0]["slot"], "answer");
  EXPECT_EQ(f[0]["value"], json({{"q1", "b"}}));
  EXPECT_EQ(f[1]["op"], "so.delete");
  EXPECT_EQ(f[1]["slot"], "old");
  EXPECT_NE(f[0]["id"], f[1]["id"]);

  json ok{{"op", "so.result"}, {"id", f[0]["id"]}, {"ok", true}, {"version", 3}};
  const auto success = m.to_client(ok.dump());
  ASSERT_TRUE(success);
  EXPECT_EQ(types(*success), std::vector{so_event_type::success});
  EXPECT_EQ(success->events[0].name, "answer");
  EXPECT_FALSE(m.to_client(ok.dump()));  // answered once

  json refused{{"op", "so.result"}, {"id", f[1]["id"]}, {"ok", false}, {"code", "forbidden"}};
  const auto status = m.to_client(refused.dump());
  ASSERT_TRUE(status);
  EXPECT_EQ(status->name, "quiz");
  ASSERT_EQ(types(*status), std::vector{so_event_type::status});
  EXPECT_EQ(status->events[0].code, k_so_no_write_access);
  EXPECT_EQ(status->events[0].level, "error");
}

TEST(RtmpSoMapper, ThePersistentFlagFollowsTheObjectNotTheAsk) {
  rtmp_so_mapper m;
  const auto f = frames_of(m.from_client(so_message("notes", {ev(so_event_type::use)}, true)));
  // The object already existed as a temporary one: the state says so, and later messages too.
  const auto state =
      m.to_client(R"({"op":"so.state","so":"notes","version":7,"persistent":false,"slots":{}})");
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->persistent());
  const auto set =
      frames_of(m.from_client(so_message("notes", {ev(so_event_type::request_change, "p", 1.0)})));
  json ok{{"op", "so.result"}, {"id", set[0]["id"]}, {"ok", true}, {"version", 8}};
  const auto success = m.to_client(ok.dump());
  ASSERT_TRUE(success);
  EXPECT_FALSE(success->persistent());
  EXPECT_EQ(success->version, 8u);
  EXPECT_EQ(f[0]["persistent"], true);
}

TEST(RtmpSoMapper, RefusedConnectEndsTheUse) {
  rtmp_so_mapper m;
  const auto f = frames_of(m.from_client(so_message("x", {ev(so_event_type::use)})));
  json refused{{"op", "so.result"}, {"id", f[0]["id"]}, {"ok", false}, {"code", "limit"}};
  const auto status = m.to_client(refused.dump());
  ASSERT_TRUE(status);
  EXPECT_EQ(status->events[0].code, k_so_creation_failed);
  EXPECT_FALSE(m.uses("x"));
}

TEST(RtmpSoMapper, SendMessageBothWays) {
  rtmp_so_mapper m;
  m.from_client(so_message("quiz", {ev(so_event_type::use)}));
  rtmp::so_event send = ev(so_event_type::send_message);
  send.values = {amf::value("reveal"), amf::value(1.0), amf::value("a")};
  const auto f = frames_of(m.from_client(so_message("quiz", {send})));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]["op"], "so.send");
  EXPECT_EQ(f[0]["handler"], "reveal");
  EXPECT_EQ(f[0]["args"], json::parse(R"([1,"a"])"));
  const auto msg = m.to_client(
      R"({"op":"so.message","so":"quiz","handler":"reveal","args":[true],"from":"p2"})");
  ASSERT_TRUE(msg);
  ASSERT_EQ(types(*msg), std::vector{so_event_type::send_message});
  ASSERT_EQ(msg->events[0].values.size(), 2u);
  EXPECT_EQ(*msg->events[0].values[0].as_string(), "reveal");
  EXPECT_EQ(msg->events[0].values[1], amf::value(true));
}

TEST(RtmpSoMapper, ValuesWithoutJsonFormAreAnsweredLocally) {
  rtmp_so_mapper m;
  m.from_client(so_message("quiz", {ev(so_event_type::use)}));
  const auto out = m.from_client(
      so_message("quiz", {ev(so_event_type::request_change, "blob", amf::byte_array{{1, 2, 3}})}));
  EXPECT_TRUE(out.frames.empty());
  ASSERT_EQ(out.replies.size(), 1u);
  EXPECT_EQ(out.replies[0].events[0].code, k_so_bad_value);
  rtmp::so_event no_handler = ev(so_event_type::send_message);
  no_handler.values = {amf::value(3.0)};
  const auto out2 = m.from_client(so_message("quiz", {no_handler}));
  EXPECT_TRUE(out2.frames.empty());
  ASSERT_EQ(out2.replies.size(), 1u);
  EXPECT_EQ(out2.replies[0].events[0].code, k_so_bad_request);
}

TEST(RtmpSoMapper, ServerToClientEventsFromAClientAreIgnored) {
  rtmp_so_mapper m;
  const auto out =
      m.from_client(so_message("quiz", {ev(so_event_type::change, "a", 1.0),
                                        ev(so_event_type::clear), ev(so_event_type::use_success)}));
  EXPECT_TRUE(out.frames.empty());
  EXPECT_TRUE(out.replies.empty());
}

TEST(RtmpSoMapper, PendingRequestsAreBounded) {
  rtmp_so_mapper m;
  m.from_client(so_message("quiz", {ev(so_event_type::use)}));
  std::vector<json> sets;
  for (std::size_t i = 0; i < rtmp_so_mapper::k_max_pending + 10; ++i) {
    sets.push_back(frames_of(
        m.from_client(so_message("quiz", {ev(so_event_type::request_change, "s", 1.0)})))[0]);
  }
  json first{{"op", "so.result"}, {"id", sets.front()["id"]}, {"ok", true}, {"version", 1}};
  EXPECT_FALSE(m.to_client(first.dump()));  // forgotten
  json last{{"op", "so.result"}, {"id", sets.back()["id"]}, {"ok", true}, {"version", 1}};
  EXPECT_TRUE(m.to_client(last.dump()));
}

}  // namespace
}  // namespace lectern::server
