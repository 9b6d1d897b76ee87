// Protocol control (RTMP spec 5.4) and User Control (RTMP spec 7.1.7) builders and parsers:
// golden bytes derived from the spec's field layouts, round trips and rejections.
#include "lectern/shared/control.hpp"

#include <gtest/gtest.h>

#include <string_view>

#include "lectern/shared/error.hpp"
#include "test_util.hpp"

namespace lectern::shared::rtmp {
namespace {

using test::hex;

void expect_control_header(const message& m, message_type type) {
  EXPECT_EQ(m.chunk_stream_id, 2u);
  EXPECT_EQ(m.stream_id, 0u);
  EXPECT_EQ(m.timestamp, 0u);
  EXPECT_EQ(m.type, static_cast<std::uint8_t>(type));
}

template <typename T>
T parse_as(const message& m) {
  control_message c;
  EXPECT_FALSE(parse_control(m, c));
  EXPECT_TRUE(std::holds_alternative<T>(c));
  return std::holds_alternative<T>(c) ? std::get<T>(c) : T{};
}

user_control_event parse_event(const bytes& payload) {
  user_control_event e;
  EXPECT_FALSE(parse_user_control(payload, e));
  return e;
}

TEST(rtmp_control, set_chunk_size_golden_and_round_trip) {
  message m = make_set_chunk_size(4096);
  expect_control_header(m, message_type::set_chunk_size);
  EXPECT_EQ(m.payload, hex("00 00 10 00"));
  EXPECT_EQ(parse_as<set_chunk_size_msg>(m).size, 4096u);

  EXPECT_EQ(make_set_chunk_size(0x7FFFFFFF).payload, hex("7F FF FF FF"));
  EXPECT_EQ(make_set_chunk_size(1).payload, hex("00 00 00 01"));
}

TEST(rtmp_control, set_chunk_size_rejects_zero_top_bit_and_short) {
  set_chunk_size_msg v{777};
  // RTMP spec 5.4.1: the first bit must be zero; 0 is not a valid size.
  EXPECT_EQ(parse_set_chunk_size(hex("80 00 10 00"), v), error::chunk_bad_chunk_size);
  EXPECT_EQ(parse_set_chunk_size(hex("00 00 00 00"), v), error::chunk_bad_chunk_size);
  EXPECT_EQ(parse_set_chunk_size(hex("00 00 10"), v), error::message_malformed);
  EXPECT_EQ(parse_set_chunk_size({}, v), error::message_malformed);
  EXPECT_EQ(v.size, 777u);  // untouched on error
}

TEST(rtmp_control, abort_ack_window_golden) {
  message a = make_abort(6);
  expect_control_header(a, message_type::abort);
  EXPECT_EQ(a.payload, hex("00 00 00 06"));
  EXPECT_EQ(parse_as<abort_msg>(a).chunk_stream_id, 6u);

  message ack = make_acknowledgement(0xDEADBEEF);
  expect_control_header(ack, message_type::acknowledgement);
  EXPECT_EQ(ack.payload, hex("DE AD BE EF"));
  EXPECT_EQ(parse_as<acknowledgement_msg>(ack).sequence_number, 0xDEADBEEFu);

  message win = make_window_ack_size(2500000);
  expect_control_header(win, message_type::window_ack_size);
  EXPECT_EQ(win.payload, hex("00 26 25 A0"));
  EXPECT_EQ(parse_as<window_ack_size_msg>(win).size, 2500000u);
}

TEST(rtmp_control, set_peer_bandwidth_golden_and_limits) {
  message m = make_set_peer_bandwidth(2500000, peer_bandwidth_limit::dynamic);
  expect_control_header(m, message_type::set_peer_bandwidth);
  EXPECT_EQ(m.payload, hex("00 26 25 A0 02"));
  auto v = parse_as<set_peer_bandwidth_msg>(m);
  EXPECT_EQ(v.size, 2500000u);
  EXPECT_EQ(v.limit, peer_bandwidth_limit::dynamic);

  EXPECT_EQ(make_set_peer_bandwidth(1, peer_bandwidth_limit::hard).payload, hex("00 00 00 01 00"));
  EXPECT_EQ(make_set_peer_bandwidth(1, peer_bandwidth_limit::soft).payload, hex("00 00 00 01 01"));

  set_peer_bandwidth_msg out;
  EXPECT_EQ(parse_set_peer_bandwidth(hex("00 26 25 A0"), out), error::message_malformed);
  EXPECT_EQ(parse_set_peer_bandwidth(hex("00 26 25 A0 03"), out), error::message_malformed);
}

TEST(rtmp_control, short_payloads_are_malformed) {
  abort_msg a;
  acknowledgement_msg ack;
  window_ack_size_msg w;
  EXPECT_EQ(parse_abort(hex("00 00 06"), a), error::message_malformed);
  EXPECT_EQ(parse_acknowledgement(hex("00"), ack), error::message_malformed);
  EXPECT_EQ(parse_window_ack_size({}, w), error::message_malformed);
}

TEST(rtmp_control, trailing_bytes_are_ignored) {
  window_ack_size_msg w;
  EXPECT_FALSE(parse_window_ack_size(hex("00 00 10 00 FF"), w));
  EXPECT_EQ(w.size, 4096u);
}

TEST(rtmp_control, parse_control_dispatches_and_rejects_other_types) {
  message m;
  m.type = static_cast<std::uint8_t>(message_type::audio);
  m.payload = hex("AF 01");
  control_message out = abort_msg{3};
  EXPECT_EQ(parse_control(m, out), error::message_unknown_type);
  EXPECT_EQ(std::get<abort_msg>(out).chunk_stream_id, 3u);  // untouched on error

  EXPECT_TRUE(is_control_type(1));
  EXPECT_TRUE(is_control_type(6));
  EXPECT_FALSE(is_control_type(0));
  EXPECT_FALSE(is_control_type(7));
  EXPECT_FALSE(is_control_type(20));
}

TEST(rtmp_control, make_control_matches_the_typed_builders) {
  EXPECT_EQ(make_control(set_chunk_size_msg{4096}).payload, make_set_chunk_size(4096).payload);
  EXPECT_EQ(make_control(abort_msg{5}).payload, hex("00 00 00 05"));
  EXPECT_EQ(make_control(acknowledgement_msg{7}).type, 3);
  EXPECT_EQ(make_control(window_ack_size_msg{9}).type, 5);
  message pb = make_control(set_peer_bandwidth_msg{10, peer_bandwidth_limit::soft});
  EXPECT_EQ(pb.type, 6);
  EXPECT_EQ(pb.payload, hex("00 00 00 0A 01"));
  message uc = make_control(user_control_event{stream_begin{1}});
  EXPECT_EQ(uc.type, 4);
  EXPECT_EQ(uc.payload, hex("00 00 00 00 00 01"));
}

TEST(rtmp_user_control, stream_events_golden) {
  message m = make_user_control(stream_begin{1});
  expect_control_header(m, message_type::user_control);
  EXPECT_EQ(m.payload, hex("00 00  00 00 00 01"));
  EXPECT_EQ(make_user_control(stream_eof{1}).payload, hex("00 01  00 00 00 01"));
  EXPECT_EQ(make_user_control(stream_dry{2}).payload, hex("00 02  00 00 00 02"));
  EXPECT_EQ(make_user_control(set_buffer_length{1, 3000}).payload,
            hex("00 03  00 00 00 01  00 00 0B B8"));
  EXPECT_EQ(make_user_control(stream_is_recorded{1}).payload, hex("00 04  00 00 00 01"));
  EXPECT_EQ(make_user_control(ping_request{0x01020304}).payload, hex("00 06  01 02 03 04"));
  EXPECT_EQ(make_user_control(ping_response{0x01020304}).payload, hex("00 07  01 02 03 04"));
}

TEST(rtmp_user_control, parses_every_known_event) {
  EXPECT_EQ(std::get<stream_begin>(parse_event(hex("00 00 00 00 00 01"))).stream_id, 1u);
  EXPECT_EQ(std::get<stream_eof>(parse_event(hex("00 01 00 00 00 02"))).stream_id, 2u);
  EXPECT_EQ(std::get<stream_dry>(parse_event(hex("00 02 00 00 00 03"))).stream_id, 3u);
  auto sb = std::get<set_buffer_length>(parse_event(hex("00 03 00 00 00 01 00 00 0B B8")));
  EXPECT_EQ(sb.stream_id, 1u);
  EXPECT_EQ(sb.buffer_ms, 3000u);
  EXPECT_EQ(std::get<stream_is_recorded>(parse_event(hex("00 04 00 00 00 04"))).stream_id, 4u);
  EXPECT_EQ(std::get<ping_request>(parse_event(hex("00 06 00 01 86 A0"))).timestamp, 100000u);
  EXPECT_EQ(std::get<ping_response>(parse_event(hex("00 07 00 01 86 A0"))).timestamp, 100000u);
}

TEST(rtmp_user_control, round_trips_through_parse_control) {
  const user_control_event events[] = {
      stream_begin{7},       stream_eof{7},
      stream_dry{7},         set_buffer_length{7, 100},
      stream_is_recorded{7}, ping_request{99},
      ping_response{99},     unknown_user_control{31, {0, 0, 0, 1}}};  // 31: Red5/FMS BufferEmpty
  for (const auto& e : events) {
    control_message c;
    ASSERT_FALSE(parse_control(make_user_control(e), c));
    ASSERT_TRUE(std::holds_alternative<user_control_event>(c));
    EXPECT_EQ(std::get<user_control_event>(c), e);
  }
}

TEST(rtmp_user_control, unknown_and_swf_verification_are_tolerated) {
  // Flash's SWF verification request (26) carries no data; the response (27) 42 bytes.
  auto req = std::get<unknown_user_control>(parse_event(hex("00 1A")));
  EXPECT_EQ(req.event_type, 26);
  EXPECT_TRUE(req.data.empty());

  bytes resp = hex("00 1B 01 01");
  resp.resize(2 + 42, 0xAB);
  auto r = std::get<unknown_user_control>(parse_event(resp));
  EXPECT_EQ(r.event_type, 27);
  ASSERT_EQ(r.data.size(), 42u);
  EXPECT_EQ(r.data[0], 0x01);
  EXPECT_EQ(r.data[41], 0xAB);

  // Type 5 is unassigned in RTMP spec 7.1.7.
  auto five = std::get<unknown_user_control>(parse_event(hex("00 05 00 00 00 01")));
  EXPECT_EQ(five.event_type, 5);
  EXPECT_EQ(five.data, hex("00 00 00 01"));

  EXPECT_EQ(make_user_control(unknown_user_control{27, hex("01 02")}).payload, hex("00 1B 01 02"));
}

TEST(rtmp_user_control, short_payloads_are_malformed) {
  user_control_event e = ping_request{5};
  EXPECT_EQ(parse_user_control({}, e), error::message_malformed);
  EXPECT_EQ(parse_user_control(hex("00"), e), error::message_malformed);
  EXPECT_EQ(parse_user_control(hex("00 00"), e), error::message_malformed);
  EXPECT_EQ(parse_user_control(hex("00 00 00 00 01"), e), error::message_malformed);
  EXPECT_EQ(parse_user_control(hex("00 03 00 00 00 01 00 00 0B"), e), error::message_malformed);
  EXPECT_EQ(parse_user_control(hex("00 06 00 01"), e), error::message_malformed);
  EXPECT_EQ(std::get<ping_request>(e).timestamp, 5u);  // untouched on error
}

}  // namespace
}  // namespace lectern::shared::rtmp
