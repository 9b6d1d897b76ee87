// The generic command codec (RTMP spec 7.1.1) and the NetConnection commands (RTMP spec
// 7.2.1): bytes real clients send, hand-encoded per the AMF0 spec, golden bytes for every
// builder, and rejection of malformed commands. NetStream commands: command_stream_test.cpp.
#include "lectern/shared/command.hpp"

#include <gtest/gtest.h>

#include "lectern/shared/error.hpp"
#include "test_util.hpp"

namespace lectern::shared::rtmp {
namespace {

using test::hex;
using test::make_message;

command parse_ok(const bytes& payload, message_type type = message_type::command_amf0) {
  command c;
  EXPECT_FALSE(parse_command(make_message(type, payload), c));
  return c;
}

std::error_code parse_err(const bytes& payload, message_type type = message_type::command_amf0) {
  command c;
  return parse_command(make_message(type, payload), c);
}

// ffmpeg 5.1 publishing rtmp://localhost:1935/live/test (libavformat/rtmpproto.c gen_connect).
const bytes k_ffmpeg_connect_publish =
    hex("02 00 07 'connect'"
        "00 3F F0 00 00 00 00 00 00"  // 1
        "03"                          // object
        "00 03 'app'      02 00 04 'live'"
        "00 04 'type'     02 00 0A 'nonprivate'"
        "00 08 'flashVer' 02 00 24 'FMLE/3.0 (compatible; Lavf59.27.100)'"
        "00 05 'tcUrl'    02 00 1A 'rtmp://localhost:1935/live'"
        "00 00 09");

// ffmpeg 5.1 playing the same URL: adds fpad, capabilities and the codec masks.
const bytes k_ffmpeg_connect_play =
    hex("02 00 07 'connect'"
        "00 3F F0 00 00 00 00 00 00"  // 1
        "03"
        "00 03 'app'           02 00 04 'live'"
        "00 08 'flashVer'      02 00 0D 'LNX 9,0,124,2'"
        "00 05 'tcUrl'         02 00 1A 'rtmp://localhost:1935/live'"
        "00 04 'fpad'          01 00"
        "00 0C 'capabilities'  00 40 2E 00 00 00 00 00 00"  // 15
        "00 0B 'audioCodecs'   00 40 AF CE 00 00 00 00 00"  // 4071
        "00 0B 'videoCodecs'   00 40 6F 80 00 00 00 00 00"  // 252
        "00 0D 'videoFunction' 00 3F F0 00 00 00 00 00 00"  // 1
        "00 00 09");

TEST(rtmp_command, generic_parse_of_ffmpeg_publish_sequence) {
  command rs =
      parse_ok(hex("02 00 0D 'releaseStream' 00 40 00 00 00 00 00 00 00 05"
                   "02 00 04 'test'"));
  EXPECT_EQ(rs.name, "releaseStream");
  EXPECT_EQ(rs.transaction_id, 2);
  EXPECT_TRUE(rs.command_object.is<amf::null_t>());
  ASSERT_EQ(rs.args.size(), 1u);
  EXPECT_EQ(rs.args[0], amf::value("test"));

  command fc =
      parse_ok(hex("02 00 09 'FCPublish' 00 40 08 00 00 00 00 00 00 05"
                   "02 00 04 'test'"));
  EXPECT_EQ(fc.name, "FCPublish");
  EXPECT_EQ(fc.transaction_id, 3);

  command cs = parse_ok(hex("02 00 0C 'createStream' 00 40 10 00 00 00 00 00 00 05"));
  EXPECT_EQ(cs.name, "createStream");
  EXPECT_EQ(cs.transaction_id, 4);
  EXPECT_TRUE(cs.command_object.is<amf::null_t>());
  EXPECT_TRUE(cs.args.empty());
  EXPECT_EQ(cs.arg(0), nullptr);
}

TEST(rtmp_command, make_command_golden_and_header) {
  message m = make_command(make_create_stream(4), 0);
  EXPECT_EQ(m.type, 20);
  EXPECT_EQ(m.chunk_stream_id, 3u);
  EXPECT_EQ(m.stream_id, 0u);
  EXPECT_EQ(m.payload, hex("02 00 0C 'createStream' 00 40 10 00 00 00 00 00 00 05"));

  command custom{"raiseHand", 7, amf::null_t{}, {amf::value("alice"), amf::value(true)}};
  message c = make_command(custom, 1);
  EXPECT_EQ(c.stream_id, 1u);
  EXPECT_EQ(c.payload, hex("02 00 09 'raiseHand' 00 40 1C 00 00 00 00 00 00 05"
                           "02 00 05 'alice' 01 01"));
}

TEST(rtmp_command, amf3_command_has_format_byte) {
  // RTMP spec 7.1.1: type 17 starts with a format byte (0x00), then AMF0 values.
  message m = make_command(make_create_stream(2), 0, true);
  EXPECT_EQ(m.type, 17);
  EXPECT_EQ(m.payload, hex("00  02 00 0C 'createStream' 00 40 00 00 00 00 00 00 00 05"));

  command c = parse_ok(m.payload, message_type::command_amf3);
  EXPECT_EQ(c.name, "createStream");
  EXPECT_EQ(c.transaction_id, 2);

  EXPECT_EQ(parse_err(hex("02 00 0C 'createStream' 00 40 00 00 00 00 00 00 00 05"),
                      message_type::command_amf3),
            error::message_malformed);
  EXPECT_EQ(parse_err({}, message_type::command_amf3), error::message_malformed);
}

// AMF3 values behind AVM+ switches share one set of reference tables per message. A command
// whose object and argument both hold AMF3 values must come back exactly, including a string
// the argument repeats (encoded as a reference). Found by the rtmp_message fuzz target.
TEST(rtmp_command, amf3_values_in_object_and_arguments_round_trip) {
  amf::dictionary in_object;
  in_object.entries.emplace_back(amf::value("x"), amf::value(1));
  amf::dictionary in_arg;
  in_arg.entries.emplace_back(amf::value("y"), amf::value("y"));
  const command c{"call", 2, amf::value(in_object), {amf::value(in_arg)}};
  for (bool amf3 : {false, true}) {
    command back;
    ASSERT_FALSE(parse_command(make_command(c, 1, amf3), back));
    EXPECT_EQ(back.command_object, c.command_object);
    ASSERT_EQ(back.args.size(), 1u);
    EXPECT_EQ(back.args[0], c.args[0]) << amf::to_debug_string(back.args[0]);
  }
}

TEST(rtmp_command, absent_command_object_is_null_and_extra_args_kept) {
  command c = parse_ok(hex("02 00 08 'onBWDone' 00 00 00 00 00 00 00 00 00"));
  EXPECT_EQ(c.name, "onBWDone");
  EXPECT_TRUE(c.command_object.is<amf::null_t>());
  EXPECT_TRUE(c.args.empty());

  command u = parse_ok(hex("02 00 01 'x' 00 00 00 00 00 00 00 00 00 06 05 01 01"));
  EXPECT_TRUE(u.command_object.is<amf::undefined_t>());
  ASSERT_EQ(u.args.size(), 2u);
  EXPECT_TRUE(u.args[0].is<amf::null_t>());
  EXPECT_EQ(u.args[1], amf::value(true));
}

TEST(rtmp_command, rejects_missing_or_mistyped_name_and_transaction_id) {
  EXPECT_EQ(parse_err({}), error::command_malformed);
  EXPECT_EQ(parse_err(hex("02 00 07 'connect'")), error::command_malformed);
  // A number where the name belongs.
  EXPECT_EQ(parse_err(hex("00 3F F0 00 00 00 00 00 00  00 3F F0 00 00 00 00 00 00")),
            error::command_malformed);
  // A string where the transaction id belongs.
  EXPECT_EQ(parse_err(hex("02 00 07 'connect' 02 00 01 '1'")), error::command_malformed);
  EXPECT_EQ(parse_err(hex("02 00 07 'connect' 05")), error::command_malformed);
}

TEST(rtmp_command, truncated_amf_is_an_amf_error_and_leaves_output_untouched) {
  command c;
  c.name = "before";
  const std::error_code ec =
      parse_command(make_message(message_type::command_amf0, hex("02 00 07 'conn'")), c);
  EXPECT_EQ(ec, error::truncated);
  EXPECT_EQ(c.name, "before");
  // An unknown AMF0 marker (0x42) where the transaction id belongs.
  EXPECT_EQ(parse_err(hex("02 00 07 'connect' 42")), error::amf_unknown_marker);
}

TEST(rtmp_command, other_message_types_are_unknown) {
  EXPECT_EQ(parse_err(hex("02 00 01 'x' 00 00 00 00 00 00 00 00 00"), message_type::data_amf0),
            error::message_unknown_type);
  EXPECT_EQ(parse_err(hex("00 00 10 00"), message_type::set_chunk_size),
            error::message_unknown_type);
}

TEST(rtmp_command, parses_ffmpeg_publish_connect) {
  connect_command cc;
  ASSERT_FALSE(parse_connect(parse_ok(k_ffmpeg_connect_publish), cc));
  EXPECT_EQ(cc.transaction_id, 1);
  EXPECT_EQ(cc.app, "live");
  EXPECT_EQ(cc.flash_ver, "FMLE/3.0 (compatible; Lavf59.27.100)");
  EXPECT_EQ(cc.tc_url, "rtmp://localhost:1935/live");
  EXPECT_FALSE(cc.swf_url);
  EXPECT_FALSE(cc.fpad);
  EXPECT_FALSE(cc.capabilities);
  EXPECT_FALSE(cc.object_encoding);
  ASSERT_EQ(cc.extra.properties.size(), 1u);
  EXPECT_EQ(cc.extra.properties[0].name, "type");
  EXPECT_EQ(cc.extra.properties[0].val, amf::value("nonprivate"));
  EXPECT_TRUE(cc.extra_args.empty());
}

TEST(rtmp_command, parses_ffmpeg_play_connect) {
  connect_command cc;
  ASSERT_FALSE(parse_connect(parse_ok(k_ffmpeg_connect_play), cc));
  EXPECT_EQ(cc.app, "live");
  EXPECT_EQ(cc.flash_ver, "LNX 9,0,124,2");
  EXPECT_EQ(cc.fpad, false);
  EXPECT_EQ(cc.capabilities, 15);
  EXPECT_EQ(cc.audio_codecs, 4071);
  EXPECT_EQ(cc.video_codecs, 252);
  EXPECT_EQ(cc.video_function, 1);
  EXPECT_TRUE(cc.extra.properties.empty());
}

TEST(rtmp_command, connect_builder_golden_and_round_trip) {
  connect_command cc;
  cc.app = "live?token=abc";
  cc.flash_ver = "LNX 9,0,124,2";
  cc.tc_url = "rtmp://h/live";
  cc.fpad = false;
  cc.capabilities = 15;
  cc.object_encoding = 3;
  cc.fourcc_list = {"hvc1"};
  cc.extra.set("type", "nonprivate");
  cc.extra_args = {amf::value("teacher")};
  message m = make_command(to_command(cc), 0);
  EXPECT_EQ(m.payload, hex("02 00 07 'connect' 00 3F F0 00 00 00 00 00 00  03"
                           "00 03 'app'            02 00 0E 'live?token=abc'"
                           "00 08 'flashVer'       02 00 0D 'LNX 9,0,124,2'"
                           "00 05 'tcUrl'          02 00 0D 'rtmp://h/live'"
                           "00 04 'fpad'           01 00"
                           "00 0C 'capabilities'   00 40 2E 00 00 00 00 00 00"
                           "00 0E 'objectEncoding' 00 40 08 00 00 00 00 00 00"
                           "00 0A 'fourCcList'     0A 00 00 00 01 02 00 04 'hvc1'"
                           "00 04 'type'           02 00 0A 'nonprivate'"
                           "00 00 09"
                           "02 00 07 'teacher'"));
  connect_command back;
  ASSERT_FALSE(parse_connect(parse_ok(m.payload), back));
  EXPECT_EQ(back.app, cc.app);
  EXPECT_EQ(back.flash_ver, cc.flash_ver);
  EXPECT_EQ(back.fpad, false);
  EXPECT_EQ(back.object_encoding, 3);
  EXPECT_EQ(back.fourcc_list, std::vector<std::string>{"hvc1"});
  EXPECT_EQ(back.extra, cc.extra);
  EXPECT_EQ(back.extra_args, cc.extra_args);
  EXPECT_EQ(split_query(back.app).name, "live");
  EXPECT_EQ(query_param(split_query(back.app).query, "token"), "abc");
}

TEST(rtmp_command, connect_tolerates_spec_spelling_null_fields_and_ecma_array) {
  command c{"connect", 1, amf::null_t{}, {}};
  amf::ecma_array a;
  a.properties = {{"app", "live"},
                  {"flashver", "WIN 32,0,0,114"},
                  {"swfUrl", amf::null_t{}},
                  {"pageUrl", amf::undefined_t{}}};
  c.command_object = a;
  connect_command cc;
  ASSERT_FALSE(parse_connect(c, cc));
  EXPECT_EQ(cc.app, "live");
  EXPECT_EQ(cc.flash_ver, "WIN 32,0,0,114");
  EXPECT_FALSE(cc.swf_url);
  EXPECT_FALSE(cc.page_url);
}

TEST(rtmp_command, connect_rejects_missing_or_mistyped_fields) {
  connect_command cc;
  cc.app = "untouched";
  auto with = [](amf::object o) { return command{"connect", 1, std::move(o), {}}; };
  EXPECT_EQ(parse_connect(command{"connect", 1, amf::null_t{}, {}}, cc), error::command_malformed);
  EXPECT_EQ(parse_connect(with(amf::object{}.set("tcUrl", "rtmp://h/live")), cc),
            error::command_malformed);
  EXPECT_EQ(parse_connect(with(amf::object{}.set("app", 5)), cc), error::command_malformed);
  EXPECT_EQ(parse_connect(with(amf::object{}.set("app", "live").set("flashVer", 9)), cc),
            error::command_malformed);
  EXPECT_EQ(parse_connect(with(amf::object{}.set("app", "live").set("fpad", "no")), cc),
            error::command_malformed);
  EXPECT_EQ(parse_connect(with(amf::object{}.set("app", "live").set("objectEncoding", "3")), cc),
            error::command_malformed);
  EXPECT_EQ(parse_connect(with(amf::object{}.set("app", "live").set("fourCcList", "hvc1")), cc),
            error::command_malformed);
  EXPECT_EQ(parse_connect(command{"play", 1, amf::object{}.set("app", "live"), {}}, cc),
            error::command_malformed);
  EXPECT_EQ(cc.app, "untouched");
}

TEST(rtmp_command, connect_result_golden) {
  message m = make_command(make_connect_result(1, 0), 0);
  EXPECT_EQ(m.payload,
            hex("02 00 07 '_result' 00 3F F0 00 00 00 00 00 00"
                "03"
                "00 06 'fmsVer'       02 00 0E 'FMS/3,5,7,7009'"
                "00 0C 'capabilities' 00 40 3F 00 00 00 00 00 00"  // 31
                "00 04 'mode'         00 3F F0 00 00 00 00 00 00"  // 1
                "00 00 09"
                "03"
                "00 05 'level'          02 00 06 'status'"
                "00 04 'code'           02 00 1D 'NetConnection.Connect.Success'"
                "00 0B 'description'    02 00 15 'Connection succeeded.'"
                "00 0E 'objectEncoding' 00 00 00 00 00 00 00 00 00"
                "00 00 09"));

  call_result r;
  ASSERT_FALSE(parse_call_result(parse_ok(m.payload), r));
  EXPECT_FALSE(r.is_error);
  EXPECT_EQ(r.transaction_id, 1);
  ASSERT_NE(r.properties.member("fmsVer"), nullptr);
  EXPECT_EQ(*r.properties.member("fmsVer"), amf::value("FMS/3,5,7,7009"));
  status_info info;
  ASSERT_FALSE(parse_status_info(r.information, info));
  EXPECT_EQ(info.level, "status");
  EXPECT_EQ(info.code, k_connect_success);
  EXPECT_EQ(info.description, "Connection succeeded.");
  ASSERT_EQ(info.extra.properties.size(), 1u);
  EXPECT_EQ(info.extra.properties[0].name, "objectEncoding");
}

TEST(rtmp_command, connect_result_for_amf3_client) {
  call_result r;
  ASSERT_FALSE(parse_call_result(make_connect_result(1, 3), r));
  EXPECT_EQ(*r.information.member("objectEncoding"), amf::value(3.0));
}

TEST(rtmp_command, connect_rejected_golden) {
  message m = make_command(make_connect_rejected(1, "bad token"), 0);
  EXPECT_EQ(m.payload, hex("02 00 06 '_error' 00 3F F0 00 00 00 00 00 00 05"
                           "03"
                           "00 05 'level'       02 00 05 'error'"
                           "00 04 'code'        02 00 1E 'NetConnection.Connect.Rejected'"
                           "00 0B 'description' 02 00 09 'bad token'"
                           "00 00 09"));
  call_result r;
  ASSERT_FALSE(parse_call_result(parse_ok(m.payload), r));
  EXPECT_TRUE(r.is_error);
  EXPECT_TRUE(r.properties.is<amf::null_t>());
}

TEST(rtmp_command, call_result_round_trip_and_rejections) {
  call_result r{true,
                9,
                amf::null_t{},
                to_amf(make_status(k_level_error, k_play_failed, "x")),
                {amf::value(1.0)}};
  call_result back;
  ASSERT_FALSE(parse_call_result(to_command(r), back));
  EXPECT_TRUE(back.is_error);
  EXPECT_EQ(back.transaction_id, 9);
  EXPECT_EQ(back.information, r.information);
  EXPECT_EQ(back.extra_args, r.extra_args);

  // A bare _result(txid, null), as some servers answer releaseStream, has null information.
  ASSERT_FALSE(parse_call_result(command{"_result", 2, amf::null_t{}, {}}, back));
  EXPECT_TRUE(back.information.is<amf::null_t>());
  EXPECT_EQ(parse_call_result(command{"onStatus", 0, amf::null_t{}, {}}, back),
            error::command_malformed);
}

TEST(rtmp_command, create_stream_result_golden_and_validation) {
  message m = make_command(make_create_stream_result(4, 1), 0);
  EXPECT_EQ(m.payload, hex("02 00 07 '_result' 00 40 10 00 00 00 00 00 00 05"
                           "00 3F F0 00 00 00 00 00 00"));
  std::uint32_t id = 0;
  ASSERT_FALSE(parse_create_stream_result(parse_ok(m.payload), id));
  EXPECT_EQ(id, 1u);

  id = 42;
  auto result_with = [](amf::value v) { return command{"_result", 4, amf::null_t{}, {v}}; };
  EXPECT_EQ(parse_create_stream_result(result_with(0.0), id), error::command_malformed);
  EXPECT_EQ(parse_create_stream_result(result_with(1.5), id), error::command_malformed);
  EXPECT_EQ(parse_create_stream_result(result_with(-1.0), id), error::command_malformed);
  EXPECT_EQ(parse_create_stream_result(result_with(4294967296.0), id), error::command_malformed);
  EXPECT_EQ(parse_create_stream_result(result_with("1"), id), error::command_malformed);
  EXPECT_EQ(parse_create_stream_result(command{"_result", 4, amf::null_t{}, {}}, id),
            error::command_malformed);
  EXPECT_EQ(parse_create_stream_result(command{"_error", 4, amf::null_t{}, {1.0}}, id),
            error::command_malformed);
  EXPECT_EQ(id, 42u);
  ASSERT_FALSE(parse_create_stream_result(result_with(4294967295.0), id));
  EXPECT_EQ(id, 4294967295u);
}

TEST(rtmp_command, bandwidth_check_goldens) {
  EXPECT_EQ(make_command(make_on_bw_done(), 0).payload,
            hex("02 00 08 'onBWDone' 00 00 00 00 00 00 00 00 00 05"));
  EXPECT_EQ(make_command(make_check_bw(5), 0).payload,
            hex("02 00 08 '_checkbw' 00 40 14 00 00 00 00 00 00 05"));
}

TEST(rtmp_command, on_status_golden_and_round_trip) {
  status_info info = make_status(k_level_status, k_publish_start, "test is now published.");
  info.extra.set("details", "test");
  message m = make_command(make_on_status(info), 1);
  EXPECT_EQ(m.stream_id, 1u);
  EXPECT_EQ(m.payload, hex("02 00 08 'onStatus' 00 00 00 00 00 00 00 00 00 05"
                           "03"
                           "00 05 'level'       02 00 06 'status'"
                           "00 04 'code'        02 00 17 'NetStream.Publish.Start'"
                           "00 0B 'description' 02 00 16 'test is now published.'"
                           "00 07 'details'     02 00 04 'test'"
                           "00 00 09"));
  on_status_command s;
  ASSERT_FALSE(parse_on_status(parse_ok(m.payload), s));
  EXPECT_EQ(s.transaction_id, 0);
  EXPECT_EQ(s.info.level, "status");
  EXPECT_EQ(s.info.code, "NetStream.Publish.Start");
  EXPECT_EQ(s.info.description, "test is now published.");
  EXPECT_EQ(s.info.extra, info.extra);
}

TEST(rtmp_command, on_status_tolerance_and_rejections) {
  amf::object info;
  info.set("code", k_play_start).set("level", "status");  // no description, other order
  on_status_command s;
  ASSERT_FALSE(parse_on_status(command{"onStatus", 0, amf::null_t{}, {info}}, s));
  EXPECT_EQ(s.info.code, k_play_start);
  EXPECT_EQ(s.info.description, "");
  ASSERT_FALSE(parse_on_status(command{"onStatus", 0, info, {}}, s));  // info in object slot
  EXPECT_EQ(s.info.code, k_play_start);

  EXPECT_EQ(parse_on_status(command{"onStatus", 0, amf::null_t{}, {}}, s),
            error::command_malformed);
  EXPECT_EQ(parse_on_status(command{"onStatus", 0, amf::null_t{}, {"x"}}, s),
            error::command_malformed);
  amf::object no_code;
  no_code.set("level", "status");
  EXPECT_EQ(parse_on_status(command{"onStatus", 0, amf::null_t{}, {no_code}}, s),
            error::command_malformed);
  amf::object bad_code;
  bad_code.set("level", "status").set("code", 1);
  EXPECT_EQ(parse_on_status(command{"onStatus", 0, amf::null_t{}, {bad_code}}, s),
            error::command_malformed);
}

TEST(rtmp_command, status_code_constants) {
  EXPECT_EQ(k_connect_closed, "NetConnection.Connect.Closed");
  EXPECT_EQ(k_publish_bad_name, "NetStream.Publish.BadName");
  EXPECT_EQ(k_unpublish_success, "NetStream.Unpublish.Success");
  EXPECT_EQ(k_play_reset, "NetStream.Play.Reset");
  EXPECT_EQ(k_play_stop, "NetStream.Play.Stop");
  EXPECT_EQ(k_play_stream_not_found, "NetStream.Play.StreamNotFound");
  EXPECT_EQ(k_play_unpublish_notify, "NetStream.Play.UnpublishNotify");
  EXPECT_EQ(k_play_publish_notify, "NetStream.Play.PublishNotify");
  EXPECT_EQ(k_play_insufficient_bw, "NetStream.Play.InsufficientBW");
  EXPECT_EQ(k_data_start, "NetStream.Data.Start");
  EXPECT_EQ(k_pause_notify, "NetStream.Pause.Notify");
  EXPECT_EQ(k_unpause_notify, "NetStream.Unpause.Notify");
  EXPECT_EQ(k_seek_notify, "NetStream.Seek.Notify");
  EXPECT_EQ(k_record_start, "NetStream.Record.Start");
  EXPECT_EQ(k_record_stop, "NetStream.Record.Stop");
  EXPECT_EQ(k_buffer_full, "NetStream.Buffer.Full");
  EXPECT_EQ(k_buffer_empty, "NetStream.Buffer.Empty");
}

TEST(rtmp_command, split_query_and_query_param) {
  EXPECT_EQ(split_query("test").name, "test");
  EXPECT_EQ(split_query("test").query, "");
  EXPECT_EQ(split_query("test?token=abc&x=1").name, "test");
  EXPECT_EQ(split_query("test?token=abc&x=1").query, "token=abc&x=1");
  EXPECT_EQ(split_query("?a").name, "");
  EXPECT_EQ(split_query("a?b?c").query, "b?c");  // only the first '?' splits

  EXPECT_EQ(query_param("token=abc&x=1", "token"), "abc");
  EXPECT_EQ(query_param("token=abc&x=1", "x"), "1");
  EXPECT_EQ(query_param("token=abc&flag&x=1", "flag"), "");
  EXPECT_EQ(query_param("token=abc", "tok"), std::nullopt);
  EXPECT_EQ(query_param("", "token"), std::nullopt);
  EXPECT_EQ(query_param("a=1&&token=%41", "token"), "%41");  // not decoded
  EXPECT_EQ(query_param("token=a=b", "token"), "a=b");
}

TEST(rtmp_command, argument_readers) {
  std::string s = "keep";
  EXPECT_FALSE(optional_string(nullptr, s));
  EXPECT_EQ(s, "keep");
  const amf::value null_v = amf::null_t{};
  const amf::value num_v = 3.0;
  const amf::value str_v = "x";
  const amf::value bool_v = true;
  const amf::value int_v(std::int32_t{4}, nullptr);  // AMF3 integer behind an AVM+ switch
  EXPECT_EQ(required_string(&null_v, s), error::command_malformed);
  EXPECT_EQ(required_string(&num_v, s), error::command_malformed);
  EXPECT_FALSE(required_string(&str_v, s));
  EXPECT_EQ(s, "x");
  double d = -1;
  EXPECT_FALSE(optional_number(&null_v, d));
  EXPECT_EQ(d, -1);
  EXPECT_FALSE(required_number(&int_v, d));
  EXPECT_EQ(d, 4);
  EXPECT_EQ(required_number(&bool_v, d), error::command_malformed);
  bool b = false;
  EXPECT_FALSE(required_bool(&bool_v, b));
  EXPECT_TRUE(b);
  EXPECT_EQ(required_bool(&num_v, b), error::command_malformed);
  std::optional<bool> ob;
  EXPECT_FALSE(optional_bool(nullptr, ob));
  EXPECT_FALSE(ob);
}

}  // namespace
}  // namespace lectern::shared::rtmp
