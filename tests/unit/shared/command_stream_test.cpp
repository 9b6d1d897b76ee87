// NetStream commands (RTMP spec 7.2.2) and the FMS-era stream commands: bytes real clients
// send, hand-encoded per the AMF0 spec, golden bytes for every builder, tolerance of
// missing optional arguments and rejection of wrong types.
#include <gtest/gtest.h>

#include "lectern/shared/command.hpp"
#include "lectern/shared/error.hpp"
#include "test_util.hpp"

namespace lectern::shared::rtmp {
namespace {

using test::hex;
using test::make_message;

command parse_ok(const bytes& payload) {
  command c;
  EXPECT_FALSE(parse_command(make_message(message_type::command_amf0, payload), c));
  return c;
}

bytes encode(const command& c, std::uint32_t stream_id = 0) {
  return make_command(c, stream_id).payload;
}

command cmd(std::string name, std::vector<amf::value> args) {
  return command{std::move(name), 0, amf::null_t{}, std::move(args)};
}

TEST(rtmp_command, ffmpeg_publish_sequence_typed) {
  stream_name_command rs;
  ASSERT_FALSE(parse_stream_name_command(
      parse_ok(hex("02 00 0D 'releaseStream' 00 40 00 00 00 00 00 00 00 05 02 00 04 'test'")), rs));
  EXPECT_EQ(rs.transaction_id, 2);
  EXPECT_EQ(rs.stream_name, "test");

  stream_name_command fc;
  ASSERT_FALSE(parse_stream_name_command(
      parse_ok(hex("02 00 09 'FCPublish' 00 40 08 00 00 00 00 00 00 05 02 00 04 'test'")), fc));
  EXPECT_EQ(fc.transaction_id, 3);
  EXPECT_EQ(fc.stream_name, "test");

  publish_command p;
  ASSERT_FALSE(parse_publish(parse_ok(hex("02 00 07 'publish' 00 40 14 00 00 00 00 00 00 05"
                                          "02 00 04 'test' 02 00 04 'live'")),
                             p));
  EXPECT_EQ(p.transaction_id, 5);
  EXPECT_EQ(p.stream_name, "test");
  EXPECT_EQ(p.type, publish_type::live);
}

TEST(rtmp_command, builders_reproduce_ffmpeg_publish_sequence) {
  EXPECT_EQ(encode(make_release_stream(2, "test")),
            hex("02 00 0D 'releaseStream' 00 40 00 00 00 00 00 00 00 05 02 00 04 'test'"));
  EXPECT_EQ(encode(make_fc_publish(3, "test")),
            hex("02 00 09 'FCPublish' 00 40 08 00 00 00 00 00 00 05 02 00 04 'test'"));
  EXPECT_EQ(encode(make_create_stream(4)),
            hex("02 00 0C 'createStream' 00 40 10 00 00 00 00 00 00 05"));
  message pub = make_command(to_command(publish_command{5, "test", publish_type::live}), 1);
  EXPECT_EQ(pub.stream_id, 1u);
  EXPECT_EQ(pub.payload, hex("02 00 07 'publish' 00 40 14 00 00 00 00 00 00 05"
                             "02 00 04 'test' 02 00 04 'live'"));
}

TEST(rtmp_command, stream_name_builders_golden) {
  EXPECT_EQ(encode(make_fc_unpublish(6, "test")),
            hex("02 00 0B 'FCUnpublish' 00 40 18 00 00 00 00 00 00 05 02 00 04 'test'"));
  EXPECT_EQ(encode(make_fc_subscribe(3, "test")),
            hex("02 00 0B 'FCSubscribe' 00 40 08 00 00 00 00 00 00 05 02 00 04 'test'"));
  EXPECT_EQ(encode(make_get_stream_length(3, "test")),
            hex("02 00 0F 'getStreamLength' 00 40 08 00 00 00 00 00 00 05 02 00 04 'test'"));
}

TEST(rtmp_command, stream_name_command_rejects_missing_or_mistyped_name) {
  stream_name_command s{1, "keep"};
  EXPECT_EQ(parse_stream_name_command(cmd("FCPublish", {}), s), error::command_malformed);
  EXPECT_EQ(parse_stream_name_command(cmd("FCPublish", {amf::null_t{}}), s),
            error::command_malformed);
  EXPECT_EQ(parse_stream_name_command(cmd("FCPublish", {1.0}), s), error::command_malformed);
  EXPECT_EQ(s.stream_name, "keep");
}

TEST(rtmp_command, publish_types_and_tolerance) {
  publish_command p;
  ASSERT_FALSE(parse_publish(cmd("publish", {"room?token=abc"}), p));  // type omitted
  EXPECT_EQ(p.type, publish_type::live);
  EXPECT_EQ(split_query(p.stream_name).name, "room");
  EXPECT_EQ(query_param(split_query(p.stream_name).query, "token"), "abc");

  ASSERT_FALSE(parse_publish(cmd("publish", {"a", "record"}), p));
  EXPECT_EQ(p.type, publish_type::record);
  ASSERT_FALSE(parse_publish(cmd("publish", {"a", "append"}), p));
  EXPECT_EQ(p.type, publish_type::append);
  ASSERT_FALSE(parse_publish(cmd("publish", {"a", "appendWithGap"}), p));
  EXPECT_EQ(p.type, publish_type::append_with_gap);
  ASSERT_FALSE(parse_publish(cmd("publish", {"a", amf::null_t{}, 7.0}), p));  // extra arg
  EXPECT_EQ(p.type, publish_type::live);

  EXPECT_EQ(encode(to_command(publish_command{0, "r", publish_type::record})),
            hex("02 00 07 'publish' 00 00 00 00 00 00 00 00 00 05"
                "02 00 01 'r' 02 00 06 'record'"));
  EXPECT_EQ(to_string(publish_type::append), "append");
  EXPECT_EQ(to_string(publish_type::append_with_gap), "appendWithGap");
}

TEST(rtmp_command, publish_rejects_wrong_types) {
  publish_command p{0, "keep", publish_type::record};
  // A number as the stream name (AMF0 number 1.0).
  EXPECT_EQ(parse_publish(parse_ok(hex("02 00 07 'publish' 00 40 14 00 00 00 00 00 00 05"
                                       "00 3F F0 00 00 00 00 00 00 02 00 04 'live'")),
                          p),
            error::command_malformed);
  EXPECT_EQ(parse_publish(cmd("publish", {}), p), error::command_malformed);
  EXPECT_EQ(parse_publish(cmd("publish", {amf::null_t{}}), p), error::command_malformed);
  EXPECT_EQ(parse_publish(cmd("publish", {"a", 1.0}), p), error::command_malformed);
  EXPECT_EQ(parse_publish(cmd("publish", {"a", "Live"}), p), error::command_malformed);
  EXPECT_EQ(parse_publish(cmd("play", {"a"}), p), error::command_malformed);
  EXPECT_EQ(p.stream_name, "keep");
  EXPECT_EQ(p.type, publish_type::record);
}

TEST(rtmp_command, play_from_ffmpeg_with_missing_optional_args) {
  // ffmpeg 5.1 sends play(txid, null, name, live * 1000) with -rtmp_live any (-2).
  play_command p;
  ASSERT_FALSE(parse_play(parse_ok(hex("02 00 04 'play' 00 40 10 00 00 00 00 00 00 05"
                                       "02 00 04 'test' 00 C0 9F 40 00 00 00 00 00")),
                          p));
  EXPECT_EQ(p.transaction_id, 4);
  EXPECT_EQ(p.stream_name, "test");
  EXPECT_EQ(p.start, -2000);
  EXPECT_EQ(p.duration, -1);
  EXPECT_TRUE(p.reset);
  EXPECT_EQ(p.mode(), play_mode::live_or_recorded);

  ASSERT_FALSE(parse_play(cmd("play", {"only-name"}), p));
  EXPECT_EQ(p.start, -2);
  EXPECT_EQ(p.duration, -1);
  EXPECT_TRUE(p.reset);
}

TEST(rtmp_command, play_all_args_and_reset_as_number) {
  play_command p;
  ASSERT_FALSE(parse_play(cmd("play", {"rec", 1500.0, 5000.0, false}), p));
  EXPECT_EQ(p.start, 1500);
  EXPECT_EQ(p.duration, 5000);
  EXPECT_FALSE(p.reset);
  EXPECT_EQ(p.mode(), play_mode::recorded);
  ASSERT_FALSE(parse_play(cmd("play", {"rec", amf::null_t{}, amf::undefined_t{}, 0.0}), p));
  EXPECT_EQ(p.start, -2);
  EXPECT_FALSE(p.reset);
  ASSERT_FALSE(parse_play(cmd("play", {"rec", -1.0, -1.0, 1.0, "extra"}), p));
  EXPECT_TRUE(p.reset);
  EXPECT_EQ(p.mode(), play_mode::live_only);
}

TEST(rtmp_command, play_modes) {
  play_command p;
  p.start = -2;
  EXPECT_EQ(p.mode(), play_mode::live_or_recorded);
  p.start = -1;
  EXPECT_EQ(p.mode(), play_mode::live_only);
  p.start = -1000;  // ffmpeg -rtmp_live live
  EXPECT_EQ(p.mode(), play_mode::live_only);
  p.start = 0;
  EXPECT_EQ(p.mode(), play_mode::recorded);
}

TEST(rtmp_command, play_rejects_wrong_types) {
  play_command p;
  p.stream_name = "keep";
  EXPECT_EQ(parse_play(cmd("play", {}), p), error::command_malformed);
  EXPECT_EQ(parse_play(cmd("play", {2.0}), p), error::command_malformed);
  EXPECT_EQ(parse_play(cmd("play", {"a", "0"}), p), error::command_malformed);
  EXPECT_EQ(parse_play(cmd("play", {"a", 0.0, true}), p), error::command_malformed);
  EXPECT_EQ(parse_play(cmd("play", {"a", 0.0, 1.0, "yes"}), p), error::command_malformed);
  EXPECT_EQ(p.stream_name, "keep");
}

TEST(rtmp_command, play_builder_golden) {
  message m = make_command(to_command(play_command{0, "test", -2, -1, true}), 1);
  EXPECT_EQ(m.payload, hex("02 00 04 'play' 00 00 00 00 00 00 00 00 00 05"
                           "02 00 04 'test'"
                           "00 C0 00 00 00 00 00 00 00"  // -2
                           "00 BF F0 00 00 00 00 00 00"  // -1
                           "01 01"));
}

TEST(rtmp_command, play2_golden_and_round_trip) {
  play2_command p{0, "hd", "sd", 0, -1, 2.5, "switch"};
  bytes b = encode(to_command(p), 1);
  EXPECT_EQ(b, hex("02 00 05 'play2' 00 00 00 00 00 00 00 00 00 05"
                   "03"
                   "00 0A 'streamName'    02 00 02 'hd'"
                   "00 0D 'oldStreamName' 02 00 02 'sd'"
                   "00 05 'start'         00 00 00 00 00 00 00 00 00"
                   "00 03 'len'           00 BF F0 00 00 00 00 00 00"
                   "00 06 'offset'        00 40 04 00 00 00 00 00 00"
                   "00 0A 'transition'    02 00 06 'switch'"
                   "00 00 09"));
  play2_command back;
  ASSERT_FALSE(parse_play2(parse_ok(b), back));
  EXPECT_EQ(back.stream_name, "hd");
  EXPECT_EQ(back.old_stream_name, "sd");
  EXPECT_EQ(back.start, 0);
  EXPECT_EQ(back.len, -1);
  EXPECT_EQ(back.offset, 2.5);
  EXPECT_EQ(back.transition, "switch");
}

TEST(rtmp_command, play2_defaults_and_rejections) {
  play2_command p;
  ASSERT_FALSE(parse_play2(cmd("play2", {amf::object{}.set("streamName", "x")}), p));
  EXPECT_EQ(p.stream_name, "x");
  EXPECT_EQ(p.start, -2);
  EXPECT_EQ(p.len, -1);
  EXPECT_EQ(p.offset, -1);
  EXPECT_EQ(p.transition, "");
  EXPECT_EQ(parse_play2(cmd("play2", {}), p), error::command_malformed);
  EXPECT_EQ(parse_play2(cmd("play2", {"x"}), p), error::command_malformed);
  EXPECT_EQ(parse_play2(cmd("play2", {amf::object{}.set("start", 0.0)}), p),
            error::command_malformed);
  EXPECT_EQ(parse_play2(cmd("play2", {amf::object{}.set("streamName", "x").set("len", "1")}), p),
            error::command_malformed);
}

TEST(rtmp_command, pause_and_seek) {
  EXPECT_EQ(encode(to_command(pause_command{0, true, 1500})),
            hex("02 00 05 'pause' 00 00 00 00 00 00 00 00 00 05 01 01 00 40 97 70 00 00 00 00 00"));
  pause_command p;
  ASSERT_FALSE(parse_pause(cmd("pause", {false, 1500.0}), p));
  EXPECT_FALSE(p.pause);
  EXPECT_EQ(p.milliseconds, 1500);
  ASSERT_FALSE(parse_pause(cmd("pause", {true}), p));  // time omitted
  EXPECT_TRUE(p.pause);
  EXPECT_EQ(p.milliseconds, 0);
  EXPECT_EQ(parse_pause(cmd("pause", {}), p), error::command_malformed);
  EXPECT_EQ(parse_pause(cmd("pause", {1.0, 0.0}), p), error::command_malformed);

  EXPECT_EQ(encode(to_command(seek_command{0, 5000})),
            hex("02 00 04 'seek' 00 00 00 00 00 00 00 00 00 05 00 40 B3 88 00 00 00 00 00"));
  seek_command s;
  ASSERT_FALSE(parse_seek(cmd("seek", {5000.0}), s));
  EXPECT_EQ(s.milliseconds, 5000);
  EXPECT_EQ(parse_seek(cmd("seek", {}), s), error::command_malformed);
  EXPECT_EQ(parse_seek(cmd("seek", {"5000"}), s), error::command_malformed);
}

TEST(rtmp_command, receive_audio_and_video) {
  EXPECT_EQ(encode(make_receive_audio(false)),
            hex("02 00 0C 'receiveAudio' 00 00 00 00 00 00 00 00 00 05 01 00"));
  EXPECT_EQ(encode(make_receive_video(true)),
            hex("02 00 0C 'receiveVideo' 00 00 00 00 00 00 00 00 00 05 01 01"));
  receive_command r;
  ASSERT_FALSE(parse_receive(make_receive_audio(false), r));
  EXPECT_FALSE(r.enabled);
  ASSERT_FALSE(parse_receive(make_receive_video(true), r));
  EXPECT_TRUE(r.enabled);
  EXPECT_EQ(parse_receive(cmd("receiveVideo", {}), r), error::command_malformed);
  EXPECT_EQ(parse_receive(cmd("receiveVideo", {1.0}), r), error::command_malformed);
  EXPECT_EQ(parse_receive(cmd("seek", {true}), r), error::command_malformed);
}

TEST(rtmp_command, delete_and_close_stream) {
  // ffmpeg sends deleteStream(txid, null, stream id) when it closes.
  bytes b = encode(to_command(delete_stream_command{6, 1}));
  EXPECT_EQ(b, hex("02 00 0C 'deleteStream' 00 40 18 00 00 00 00 00 00 05"
                   "00 3F F0 00 00 00 00 00 00"));
  delete_stream_command d;
  ASSERT_FALSE(parse_delete_stream(parse_ok(b), d));
  EXPECT_EQ(d.transaction_id, 6);
  EXPECT_EQ(d.stream_id, 1u);
  EXPECT_EQ(parse_delete_stream(cmd("deleteStream", {}), d), error::command_malformed);
  EXPECT_EQ(parse_delete_stream(cmd("deleteStream", {"1"}), d), error::command_malformed);
  EXPECT_EQ(parse_delete_stream(cmd("deleteStream", {1.5}), d), error::command_malformed);
  EXPECT_EQ(parse_delete_stream(cmd("deleteStream", {-1.0}), d), error::command_malformed);
  EXPECT_EQ(d.stream_id, 1u);

  EXPECT_EQ(encode(make_close_stream()),
            hex("02 00 0B 'closeStream' 00 00 00 00 00 00 00 00 00 05"));
}

}  // namespace
}  // namespace lectern::shared::rtmp
