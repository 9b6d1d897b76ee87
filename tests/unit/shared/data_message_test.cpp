// Data messages (RTMP spec 7.1.2), aggregates (RTMP spec 7.1.6) and shared object messages
// (RTMP spec 7.1.3): golden bytes hand-encoded from the field layouts, round trips,
// tolerance of what encoders send and rejection of inconsistent lengths.
#include "lectern/shared/data_message.hpp"

#include <gtest/gtest.h>

#include "lectern/shared/error.hpp"
#include "test_util.hpp"

namespace lectern::shared::rtmp {
namespace {

using test::hex;
using test::make_message;

// What ffmpeg 5.1 publishes (flvenc's onMetaData behind rtmpproto's "@setDataFrame"),
// shortened to the fields the server reads.
const bytes k_set_data_frame_body =
    hex("02 00 0D '@setDataFrame'"
        "02 00 0A 'onMetaData'"
        "08 00 00 00 0A"                                      // ECMA array, 10 entries
        "00 05 'width'           00 40 94 00 00 00 00 00 00"  // 1280
        "00 06 'height'          00 40 86 80 00 00 00 00 00"  // 720
        "00 0D 'videodatarate'   00 40 A3 88 00 00 00 00 00"  // 2500
        "00 09 'framerate'       00 40 3E 00 00 00 00 00 00"  // 30
        "00 0C 'videocodecid'    00 40 1C 00 00 00 00 00 00"  // 7 (AVC)
        "00 0D 'audiodatarate'   00 40 60 00 00 00 00 00 00"  // 128
        "00 0F 'audiosamplerate' 00 40 E5 88 80 00 00 00 00"  // 44100
        "00 06 'stereo'          01 01"
        "00 0C 'audiocodecid'    00 40 24 00 00 00 00 00 00"  // 10 (AAC)
        "00 07 'encoder'         02 00 0D 'Lavf59.27.100'"
        "00 00 09");

// ---- data messages ----

TEST(rtmp_data, parse_and_make_data) {
  data_message d;
  ASSERT_FALSE(parse_data(make_message(message_type::data_amf0, k_set_data_frame_body), d));
  EXPECT_EQ(d.handler, "@setDataFrame");
  ASSERT_EQ(d.values.size(), 2u);
  EXPECT_EQ(d.values[0], amf::value("onMetaData"));
  EXPECT_TRUE(d.values[1].is<amf::ecma_array>());

  message m = make_data(data_message{"onCuePoint", {amf::value(1.0)}}, 1);
  EXPECT_EQ(m.type, 18);
  EXPECT_EQ(m.chunk_stream_id, 5u);
  EXPECT_EQ(m.stream_id, 1u);
  EXPECT_EQ(m.timestamp, 0u);
  EXPECT_EQ(m.payload, hex("02 00 0A 'onCuePoint' 00 3F F0 00 00 00 00 00 00"));

  message m3 = make_data(data_message{"onCuePoint", {amf::value(1.0)}}, 1, true);
  EXPECT_EQ(m3.type, 15);
  EXPECT_EQ(m3.payload, hex("00 02 00 0A 'onCuePoint' 00 3F F0 00 00 00 00 00 00"));
}

TEST(rtmp_data, amf3_data_with_and_without_format_byte) {
  data_message d;
  ASSERT_FALSE(parse_data(make_message(message_type::data_amf3, hex("00 02 00 01 'x' 05")), d));
  EXPECT_EQ(d.handler, "x");
  ASSERT_EQ(d.values.size(), 1u);
  EXPECT_TRUE(d.values[0].is<amf::null_t>());
  ASSERT_FALSE(parse_data(make_message(message_type::data_amf3, hex("02 00 01 'y' 05")), d));
  EXPECT_EQ(d.handler, "y");
}

TEST(rtmp_data, parse_data_rejections) {
  data_message d;
  d.handler = "keep";
  EXPECT_EQ(parse_data(make_message(message_type::data_amf0, {}), d), error::message_malformed);
  EXPECT_EQ(parse_data(make_message(message_type::data_amf0, hex("05 02 00 01 'x'")), d),
            error::message_malformed);
  EXPECT_EQ(parse_data(make_message(message_type::data_amf0, hex("02 00 05 'x'")), d),
            error::truncated);
  EXPECT_EQ(parse_data(make_message(message_type::command_amf0, hex("02 00 01 'x'")), d),
            error::message_unknown_type);
  EXPECT_EQ(d.handler, "keep");
}

TEST(rtmp_data, parses_ffmpeg_metadata) {
  stream_metadata md;
  ASSERT_FALSE(parse_metadata(make_message(message_type::data_amf0, k_set_data_frame_body), md));
  EXPECT_EQ(md.width, 1280);
  EXPECT_EQ(md.height, 720);
  EXPECT_EQ(md.video_data_rate, 2500);
  EXPECT_EQ(md.framerate, 30);
  EXPECT_EQ(md.video_codec_id.number, 7);
  EXPECT_EQ(md.video_codec_id.fourcc, "");
  EXPECT_EQ(md.audio_data_rate, 128);
  EXPECT_EQ(md.audio_sample_rate, 44100);
  EXPECT_EQ(md.stereo, true);
  EXPECT_EQ(md.audio_codec_id.number, 10);
  EXPECT_EQ(md.encoder, "Lavf59.27.100");
  EXPECT_FALSE(md.duration);
  EXPECT_FALSE(md.file_size);
  EXPECT_TRUE(md.extra.empty());
}

TEST(rtmp_data, metadata_enhanced_fourcc_and_tolerance) {
  amf::object o;
  o.set("videocodecid", 1752589105.0);  // 0x68766331 'hvc1' (Enhanced RTMP FourCC)
  o.set("audiocodecid", "Opus");
  o.set("width", "1280");  // wrong type: ignored, kept in extra
  o.set("custom", 1.0);
  stream_metadata md;
  ASSERT_FALSE(parse_metadata_value(o, md));
  EXPECT_EQ(md.video_codec_id.number, 1752589105.0);
  EXPECT_EQ(md.video_codec_id.fourcc, "hvc1");
  EXPECT_FALSE(md.audio_codec_id.number);
  EXPECT_EQ(md.audio_codec_id.fourcc, "Opus");
  EXPECT_FALSE(md.width);
  ASSERT_EQ(md.extra.size(), 2u);
  EXPECT_EQ(md.extra[0].name, "width");
  EXPECT_EQ(md.extra[1].name, "custom");

  EXPECT_EQ(parse_metadata_value(amf::value("x"), md), error::message_malformed);
  EXPECT_EQ(md.extra.size(), 2u);  // untouched on error
}

TEST(rtmp_data, parse_metadata_shapes) {
  stream_metadata md;
  // Without @setDataFrame (what subscribers receive and old Flash publishers send).
  ASSERT_FALSE(parse_metadata(make_on_metadata(amf::object{}.set("width", 640.0), 1), md));
  EXPECT_EQ(md.width, 640);
  EXPECT_EQ(parse_metadata(make_data(data_message{"onCuePoint", {amf::object{}}}, 1), md),
            error::message_malformed);
  EXPECT_EQ(parse_metadata(
                make_data(data_message{"@setDataFrame", {"onCuePoint", amf::object{}}}, 1), md),
            error::message_malformed);
  EXPECT_EQ(parse_metadata(make_data(data_message{"onMetaData", {}}, 1), md),
            error::message_malformed);
}

TEST(rtmp_data, metadata_builders_golden) {
  stream_metadata md;
  md.width = 1280;
  md.video_codec_id.number = 7;
  md.encoder.emplace("lectern");  // GCC 12 -Wmaybe-uninitialized misfires on operator=
  md.extra.push_back({"room", "math"});
  message m = make_set_data_frame(to_amf(md), 1);
  EXPECT_EQ(m.type, 18);
  EXPECT_EQ(m.payload, hex("02 00 0D '@setDataFrame' 02 00 0A 'onMetaData'"
                           "08 00 00 00 04"
                           "00 05 'width'        00 40 94 00 00 00 00 00 00"
                           "00 0C 'videocodecid' 00 40 1C 00 00 00 00 00 00"
                           "00 07 'encoder'      02 00 07 'lectern'"
                           "00 04 'room'         02 00 04 'math'"
                           "00 00 09"));
  stream_metadata back;
  ASSERT_FALSE(parse_metadata(m, back));
  EXPECT_EQ(back.width, 1280);
  EXPECT_EQ(back.video_codec_id, md.video_codec_id);
  EXPECT_EQ(back.encoder, "lectern");
  EXPECT_EQ(back.extra, md.extra);

  stream_metadata fourcc;
  fourcc.video_codec_id.fourcc = "av01";
  EXPECT_EQ(make_on_metadata(to_amf(fourcc), 1).payload,
            hex("02 00 0A 'onMetaData' 08 00 00 00 01"
                "00 0C 'videocodecid' 02 00 04 'av01' 00 00 09"));
}

TEST(rtmp_data, strip_set_data_frame_keeps_bytes_after_first_value) {
  message in = make_message(message_type::data_amf0, k_set_data_frame_body, 1, 0);
  in.chunk_stream_id = 4;
  message out;
  ASSERT_FALSE(strip_set_data_frame(in, out));
  EXPECT_EQ(out.type, 18);
  EXPECT_EQ(out.stream_id, 1u);
  EXPECT_EQ(out.timestamp, 0u);
  EXPECT_EQ(out.chunk_stream_id, 4u);
  EXPECT_EQ(out.payload, bytes(k_set_data_frame_body.begin() + 16, k_set_data_frame_body.end()));
  stream_metadata md;
  ASSERT_FALSE(parse_metadata(out, md));
  EXPECT_EQ(md.width, 1280);
}

TEST(rtmp_data, strip_set_data_frame_from_amf3_data_message) {
  bytes body = hex("00");
  body.insert(body.end(), k_set_data_frame_body.begin(), k_set_data_frame_body.end());
  message out;
  ASSERT_FALSE(strip_set_data_frame(make_message(message_type::data_amf3, body, 1, 40), out));
  EXPECT_EQ(out.type, 18);  // the body after the format byte is AMF0
  EXPECT_EQ(out.timestamp, 40u);
  EXPECT_EQ(out.payload, bytes(k_set_data_frame_body.begin() + 16, k_set_data_frame_body.end()));
}

TEST(rtmp_data, strip_set_data_frame_reencodes_after_a_long_string) {
  // "@setDataFrame" as an AMF0 long string (0x0C, u32 length): the values are re-encoded.
  const bytes body =
      hex("0C 00 00 00 0D '@setDataFrame' 02 00 0A 'onMetaData'"
          "03 00 01 'w' 00 40 94 00 00 00 00 00 00 00 00 09");
  message out;
  ASSERT_FALSE(strip_set_data_frame(make_message(message_type::data_amf0, body, 1), out));
  EXPECT_EQ(out.payload, hex("02 00 0A 'onMetaData' 03 00 01 'w' 00 40 94 00 00 00 00 00 00"
                             "00 00 09"));
}

TEST(rtmp_data, strip_set_data_frame_rejections) {
  message out;
  out.type = 99;
  auto strip = [&out](const bytes& body) {
    return strip_set_data_frame(make_message(message_type::data_amf0, body), out);
  };
  EXPECT_EQ(strip(hex("02 00 0A 'onMetaData' 03 00 00 09")), error::message_malformed);
  EXPECT_EQ(strip(hex("02 00 0D '@setDataFrame'")), error::message_malformed);
  EXPECT_EQ(strip(hex("02 00 0D '@setDataFrame' 00 3F F0 00 00 00 00 00 00")),
            error::message_malformed);
  EXPECT_EQ(strip(hex("02 00 0D '@setDataFrame' 02 00 0A 'onMetaData' 03 00 01")),
            error::truncated);  // the whole body is validated before it is stored
  EXPECT_EQ(strip({}), error::message_malformed);
  EXPECT_EQ(out.type, 99);
}

TEST(rtmp_data, sample_access_golden) {
  message m = make_sample_access(false, false, 1);
  EXPECT_EQ(m.type, 18);
  EXPECT_EQ(m.stream_id, 1u);
  EXPECT_EQ(m.payload, hex("02 00 11 '|RtmpSampleAccess' 01 00 01 00"));
  EXPECT_EQ(make_sample_access(true, true, 1).payload,
            hex("02 00 11 '|RtmpSampleAccess' 01 01 01 01"));
}

// ---- aggregate messages ----

// Video at 1000 ms (5 bytes) then audio at 1023 ms (3 bytes), each with its back pointer
// (header + data = 11 + size).
const bytes k_aggregate_body =
    hex("09 00 00 05 00 03 E8 00 00 00 00  17 01 00 00 00  00 00 00 10"
        "08 00 00 03 00 03 FF 00 00 00 00  AF 01 21        00 00 00 0E");

TEST(rtmp_aggregate, splits_and_rebases_timestamps) {
  message agg = make_message(message_type::aggregate, k_aggregate_body, 1, 5000);
  agg.chunk_stream_id = 6;
  std::vector<message> parts;
  ASSERT_FALSE(split_aggregate(agg, parts));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].type, 9);
  EXPECT_EQ(parts[0].timestamp, 5000u);
  EXPECT_EQ(parts[0].stream_id, 1u);
  EXPECT_EQ(parts[0].chunk_stream_id, 6u);
  EXPECT_EQ(parts[0].payload, hex("17 01 00 00 00"));
  EXPECT_EQ(parts[1].type, 8);
  EXPECT_EQ(parts[1].timestamp, 5023u);
  EXPECT_EQ(parts[1].stream_id, 1u);
  EXPECT_EQ(parts[1].payload, hex("AF 01 21"));
}

TEST(rtmp_aggregate, extended_wrapping_and_backward_timestamps) {
  // Extension byte 0x01: 0x01000000 and 0x01000010 (16 ms later).
  std::vector<message> parts;
  ASSERT_FALSE(split_aggregate(make_message(message_type::aggregate,
                                            hex("09 00 00 01 00 00 00 01 00 00 00 17 00 00 00 0C"
                                                "09 00 00 01 00 00 10 01 00 00 00 27 00 00 00 0C"),
                                            1, 0x1000000),
                               parts));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1].timestamp, 0x1000010u);

  // 0xFFFFFFF0 then 0x00000010: 32 ms later across the 32-bit wrap.
  ASSERT_FALSE(split_aggregate(make_message(message_type::aggregate,
                                            hex("08 00 00 00 FF FF F0 FF 00 00 00 00 00 00 0B"
                                                "08 00 00 00 00 00 10 00 00 00 00 00 00 00 0B"),
                                            1, 0x1FFFFFFF0),
                               parts));
  EXPECT_EQ(parts[0].timestamp, 0x1FFFFFFF0u);
  EXPECT_EQ(parts[1].timestamp, 0x200000010u);

  // A sub-message 10 ms before the first one at stream time 0 clamps to 0.
  ASSERT_FALSE(split_aggregate(make_message(message_type::aggregate,
                                            hex("08 00 00 00 00 00 64 00 00 00 00 00 00 00 0B"
                                                "08 00 00 00 00 00 5A 00 00 00 00 00 00 00 0B"),
                                            1, 0),
                               parts));
  EXPECT_EQ(parts[0].timestamp, 0u);
  EXPECT_EQ(parts[1].timestamp, 0u);
}

TEST(rtmp_aggregate, make_aggregate_golden_and_round_trip) {
  std::vector<message> in = {make_message(message_type::video, hex("17 01 00 00 00"), 1, 1000),
                             make_message(message_type::audio, hex("AF 01 21"), 1, 1023)};
  message agg = make_aggregate(in, 1);
  EXPECT_EQ(agg.type, 22);
  EXPECT_EQ(agg.stream_id, 1u);
  EXPECT_EQ(agg.timestamp, 1000u);
  EXPECT_EQ(agg.payload, k_aggregate_body);
  std::vector<message> out;
  ASSERT_FALSE(split_aggregate(agg, out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].timestamp, 1023u);
  EXPECT_EQ(out[1].payload, in[1].payload);
}

TEST(rtmp_aggregate, empty_aggregate_has_no_messages) {
  std::vector<message> out(3);
  ASSERT_FALSE(split_aggregate(make_message(message_type::aggregate, {}), out));
  EXPECT_TRUE(out.empty());
}

TEST(rtmp_aggregate, rejects_malformed_bodies) {
  std::vector<message> out(1);
  auto split = [&out](const bytes& body) {
    return split_aggregate(make_message(message_type::aggregate, body, 1, 0), out);
  };
  EXPECT_EQ(split(hex("09 00 00 05 00 03 E8 00 00 00")), error::message_malformed);  // header
  EXPECT_EQ(split(hex("09 00 00 06 00 03 E8 00 00 00 00 17 01 00 00 00 00 00 00 10")),
            error::message_malformed);  // size runs past the body
  EXPECT_EQ(split(hex("09 00 00 05 00 03 E8 00 00 00 00 17 01 00 00 00 00 00")),
            error::message_malformed);  // back pointer cut short
  EXPECT_EQ(split(hex("16 00 00 00 00 00 00 00 00 00 00 00 00 00 0B")),
            error::message_malformed);  // nested aggregate
  EXPECT_EQ(split(hex("14 00 00 00 00 00 00 00 00 00 00 00 00 00 0B")),
            error::message_malformed);  // command inside
  EXPECT_EQ(out.size(), 1u);            // untouched on error

  bytes many;
  for (int i = 0; i < 3; ++i) {
    const bytes one = hex("08 00 00 00 00 00 00 00 00 00 00 00 00 00 0B");
    many.insert(many.end(), one.begin(), one.end());
  }
  EXPECT_EQ(split_aggregate(make_message(message_type::aggregate, many), out, aggregate_limits{2}),
            error::limit_exceeded);
  EXPECT_FALSE(
      split_aggregate(make_message(message_type::aggregate, many), out, aggregate_limits{3}));
  EXPECT_EQ(split_aggregate(make_message(message_type::video, many), out),
            error::message_unknown_type);
}

// ---- shared object messages ----

const bytes k_so_header = hex("00 04 'room' 00 00 00 03 00 00 00 02 00 00 00 00");

bytes so_body(const char* events_hex) {
  bytes b = k_so_header;
  const bytes e = hex(events_hex);
  b.insert(b.end(), e.begin(), e.end());
  return b;
}

TEST(rtmp_shared_object, decodes_every_event_kind) {
  const bytes body = so_body(
      "01 00 00 00 00"                                        // use
      "03 00 00 00 0B  00 03 'foo' 02 00 03 'bar'"            // request change foo = "bar"
      "04 00 00 00 0C  00 01 'n' 00 40 08 00 00 00 00 00 00"  // change n = 3
      "05 00 00 00 05  00 03 'foo'"                           // success
      "06 00 00 00 0C  02 00 04 'chat' 02 00 02 'hi'"         // send message chat("hi")
      "07 00 00 00 22  00 19 'SharedObject.NoReadAccess' 00 05 'error'"
      "08 00 00 00 00"               // clear
      "09 00 00 00 05  00 03 'foo'"  // remove
      "0A 00 00 00 05  00 03 'bar'"  // request remove
      "0B 00 00 00 00"               // use success
      "0D 00 00 00 02  AB CD");      // undocumented type 13
  shared_object_message so;
  ASSERT_FALSE(parse_shared_object(make_message(message_type::shared_object_amf0, body), so));
  EXPECT_EQ(so.name, "room");
  EXPECT_EQ(so.version, 3u);
  EXPECT_EQ(so.flags, 0x0000000200000000u);
  EXPECT_TRUE(so.persistent());
  ASSERT_EQ(so.events.size(), 11u);
  EXPECT_EQ(so.events[0].type, so_event_type::use);
  EXPECT_EQ(so.events[1].type, so_event_type::request_change);
  EXPECT_EQ(so.events[1].name, "foo");
  EXPECT_EQ(so.events[1].value, amf::value("bar"));
  EXPECT_EQ(so.events[2].type, so_event_type::change);
  EXPECT_EQ(so.events[2].value, amf::value(3.0));
  EXPECT_EQ(so.events[3].name, "foo");
  EXPECT_EQ(so.events[4].type, so_event_type::send_message);
  ASSERT_EQ(so.events[4].values.size(), 2u);
  EXPECT_EQ(so.events[4].values[0], amf::value("chat"));
  EXPECT_EQ(so.events[5].code, "SharedObject.NoReadAccess");
  EXPECT_EQ(so.events[5].level, "error");
  EXPECT_EQ(so.events[6].type, so_event_type::clear);
  EXPECT_EQ(so.events[7].type, so_event_type::remove);
  EXPECT_EQ(so.events[7].name, "foo");
  EXPECT_EQ(so.events[8].type, so_event_type::request_remove);
  EXPECT_EQ(so.events[8].name, "bar");
  EXPECT_EQ(so.events[9].type, so_event_type::use_success);
  EXPECT_EQ(static_cast<int>(so.events[10].type), 13);
  EXPECT_EQ(so.events[10].raw, hex("AB CD"));

  // Re-encoding gives back the same bytes.
  EXPECT_EQ(make_shared_object(so).payload, body);
}

TEST(rtmp_shared_object, encode_golden) {
  shared_object_message so;
  so.name = "room";
  so.version = 3;
  so.flags = k_so_flag_persistent;
  so_event change;
  change.type = so_event_type::change;
  change.name = "foo";
  change.value = "bar";
  so_event status;
  status.type = so_event_type::status;
  status.code = "SharedObject.NoWriteAccess";
  status.level = "error";
  so.events = {change, status, so_event{}};
  message m = make_shared_object(so, 1);
  EXPECT_EQ(m.type, 19);
  EXPECT_EQ(m.stream_id, 1u);
  EXPECT_EQ(m.payload, so_body("04 00 00 00 0B  00 03 'foo' 02 00 03 'bar'"
                               "07 00 00 00 23  00 1A 'SharedObject.NoWriteAccess' 00 05 'error'"
                               "01 00 00 00 00"));
  message m3 = make_shared_object(so, 1, true);
  EXPECT_EQ(m3.type, 16);
  EXPECT_EQ(m3.payload[0], 0x00);
  EXPECT_EQ(bytes(m3.payload.begin() + 1, m3.payload.end()), m.payload);
  shared_object_message back;
  ASSERT_FALSE(parse_shared_object(m3, back));
  EXPECT_EQ(back.events.size(), 3u);
  EXPECT_EQ(back.events[0].value, amf::value("bar"));
}

TEST(rtmp_shared_object, packed_change_pairs_become_separate_events) {
  shared_object_message so;
  ASSERT_FALSE(parse_shared_object(
      make_message(message_type::shared_object_amf0,
                   so_body("04 00 00 00 10  00 01 'a' 02 00 01 'x'  00 01 'b' 01 01 00 01 'c' 05")),
      so));
  ASSERT_EQ(so.events.size(), 3u);
  EXPECT_EQ(so.events[0].name, "a");
  EXPECT_EQ(so.events[0].value, amf::value("x"));
  EXPECT_EQ(so.events[1].name, "b");
  EXPECT_EQ(so.events[1].value, amf::value(true));
  EXPECT_EQ(so.events[2].name, "c");
  EXPECT_TRUE(so.events[2].value.is<amf::null_t>());
}

TEST(rtmp_shared_object, header_only_and_flags) {
  // FMS's observed flags word 16 (0x10) is kept as sent and is not "persistent".
  shared_object_message so;
  const bytes body = hex("00 01 'x' 00 00 00 00 00 00 00 10 00 00 00 00");
  ASSERT_FALSE(parse_shared_object(make_message(message_type::shared_object_amf0, body), so));
  EXPECT_EQ(so.name, "x");
  EXPECT_EQ(so.flags, 0x0000001000000000u);
  EXPECT_FALSE(so.persistent());
  EXPECT_TRUE(so.events.empty());
  EXPECT_EQ(make_shared_object(so).payload, body);
}

TEST(rtmp_shared_object, rejects_inconsistent_lengths) {
  shared_object_message so;
  so.name = "keep";
  auto parse = [&so](const bytes& body) {
    return parse_shared_object(make_message(message_type::shared_object_amf0, body), so);
  };
  EXPECT_EQ(parse(hex("00 04 'room' 00 00 00 03 00 00 00 02 00 00 00")),
            error::message_malformed);                              // header cut short
  EXPECT_EQ(parse(hex("00 09 'room'")), error::message_malformed);  // name longer than body
  EXPECT_EQ(parse(so_body("01 00 00 00 05 00 03")), error::message_malformed);  // length
  EXPECT_EQ(parse(so_body("01 00 00")), error::message_malformed);              // event header
  EXPECT_EQ(parse(so_body("09 00 00 00 06  00 03 'foo' 00")), error::message_malformed);
  EXPECT_EQ(parse(so_body("09 00 00 00 00")), error::message_malformed);  // remove: no name
  EXPECT_EQ(parse(so_body("07 00 00 00 05  00 03 'foo'")), error::message_malformed);
  EXPECT_EQ(parse(so_body("04 00 00 00 00")), error::message_malformed);  // change: no pair
  EXPECT_EQ(parse(so_body("04 00 00 00 05  00 03 'foo'")), error::message_malformed);
  EXPECT_EQ(parse(so_body("04 00 00 00 08  00 03 'foo' 02 00 05")), error::truncated);
  EXPECT_EQ(parse(so_body("06 00 00 00 00")), error::message_malformed);  // no handler
  EXPECT_EQ(parse(so_body("06 00 00 00 09  00 40 08 00 00 00 00 00 00")),
            error::message_malformed);  // handler is not a string
  EXPECT_EQ(so.name, "keep");

  EXPECT_EQ(parse_shared_object(make_message(message_type::shared_object_amf3, k_so_header), so),
            error::message_malformed);  // type 16 without its 0x00 format byte
  EXPECT_EQ(parse_shared_object(make_message(message_type::data_amf0, k_so_header), so),
            error::message_unknown_type);
}

TEST(rtmp_shared_object, event_count_limit) {
  shared_object_message so;
  const bytes body = so_body("01 00 00 00 00 02 00 00 00 00 08 00 00 00 00");
  shared_object_limits lim;
  lim.max_events = 2;
  EXPECT_EQ(parse_shared_object(make_message(message_type::shared_object_amf0, body), so, lim),
            error::limit_exceeded);
  lim.max_events = 3;
  EXPECT_FALSE(parse_shared_object(make_message(message_type::shared_object_amf0, body), so, lim));
  EXPECT_EQ(so.events.size(), 3u);
  // Packed change pairs count one event each.
  lim.max_events = 1;
  EXPECT_EQ(parse_shared_object(make_message(message_type::shared_object_amf0,
                                             so_body("04 00 00 00 08 00 01 'a' 05 00 01 'b' 05")),
                                so, lim),
            error::limit_exceeded);
}

// A change event setting "b" to the reference bomb of amf0_test: one strict array
// [obj, a1, ..., a_levels], obj with 64 null members named "", a_k = [ref a_(k-1) twice].
bytes bomb_value(int levels) {
  bytes v = hex("0a 00 00 00 00 03");
  v[4] = static_cast<std::uint8_t>(levels + 1);
  for (int i = 0; i < 64; ++i) v.insert(v.end(), {0x00, 0x00, 0x05});
  v.insert(v.end(), {0x00, 0x00, 0x09});
  for (int k = 1; k <= levels; ++k) {
    const auto ref = static_cast<std::uint8_t>(k);  // the outer array is entry 0, obj entry 1
    v.insert(v.end(), {0x0a, 0x00, 0x00, 0x00, 0x02, 0x07, 0x00, ref, 0x07, 0x00, ref});
  }
  return v;
}

bytes so_event_bytes(std::uint8_t type, const bytes& data) {
  bytes e;
  byte_writer w(e);
  w.u8(type);
  w.u32(static_cast<std::uint32_t>(data.size()));
  w.append(byte_view(data));
  return e;
}

bytes repeated_events(const bytes& event, int n) {
  bytes body = k_so_header;
  for (int i = 0; i < n; ++i) body.insert(body.end(), event.begin(), event.end());
  return body;
}

std::error_code parse_so_body(const bytes& body) {
  shared_object_message so;
  return parse_shared_object(make_message(message_type::shared_object_amf0, body), so);
}

TEST(rtmp_shared_object, reviewer_reference_bombs_fail_at_once) {
  // 1024 change events of 319 bytes: 327 KB that decoded to ~15 MB per event when each event
  // had a fresh budget, 15 GB in all (std::bad_alloc).
  bytes change = hex("00 01 'b'");
  const bytes bomb = bomb_value(10);
  change.insert(change.end(), bomb.begin(), bomb.end());
  const bytes body = repeated_events(so_event_bytes(0x04, change), 1024);
  ASSERT_EQ(body.size(), k_so_header.size() + 1024 * 319);
  EXPECT_EQ(parse_so_body(body), error::limit_exceeded);
}

TEST(rtmp_shared_object, events_of_one_message_share_one_memory_budget) {
  // Each event decodes to ~51 KB, well within the budget; 1024 of them are ~52 MB.
  bytes change = hex("00 01 'b'");
  const bytes bomb = bomb_value(2);
  change.insert(change.end(), bomb.begin(), bomb.end());
  EXPECT_FALSE(parse_so_body(repeated_events(so_event_bytes(0x04, change), 1)));
  EXPECT_EQ(parse_so_body(repeated_events(so_event_bytes(0x04, change), 1024)),
            error::limit_exceeded);
  // The same through send_message events, whose values are read by decode_all.
  bytes send = hex("02 00 01 'h'");
  send.insert(send.end(), bomb.begin(), bomb.end());
  EXPECT_FALSE(parse_so_body(repeated_events(so_event_bytes(0x06, send), 1)));
  EXPECT_EQ(parse_so_body(repeated_events(so_event_bytes(0x06, send), 1024)),
            error::limit_exceeded);
  // And mixed: the budget runs across event types.
  bytes mixed = k_so_header;
  for (int i = 0; i < 512; ++i) {
    const bytes c = so_event_bytes(0x04, change);
    const bytes s = so_event_bytes(0x06, send);
    mixed.insert(mixed.end(), c.begin(), c.end());
    mixed.insert(mixed.end(), s.begin(), s.end());
  }
  EXPECT_EQ(parse_so_body(mixed), error::limit_exceeded);
}

}  // namespace
}  // namespace lectern::shared::rtmp
