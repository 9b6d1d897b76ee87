#include <gtest/gtest.h>

#include <random>

#include "lectern/shared/chunk_reader.hpp"
#include "lectern/shared/chunk_writer.hpp"
#include "lectern/shared/error.hpp"
#include "test_util.hpp"

namespace lectern::shared::rtmp {
namespace {

using test::filled;
using test::hex;
using test::read_all;
using test::read_split;

bytes concat(std::initializer_list<byte_view> parts) {
  bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

message make(std::uint32_t csid, std::uint8_t type, std::uint32_t sid, std::uint64_t ts,
             bytes payload) {
  message m;
  m.chunk_stream_id = csid;
  m.type = type;
  m.stream_id = sid;
  m.timestamp = ts;
  m.payload = std::move(payload);
  return m;
}

void expect_same(const message& a, const message& b) {
  EXPECT_EQ(a.chunk_stream_id, b.chunk_stream_id);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.stream_id, b.stream_id);
  EXPECT_EQ(a.timestamp, b.timestamp);
  EXPECT_EQ(a.payload, b.payload);
}

// RTMP spec 5.3.2.1, example 1: four audio messages of 32 bytes, 20 ms apart, on chunk
// stream 3 and message stream 12345, need headers of type 0, 2, 3, 3.
TEST(chunk_writer, spec_example_1_uses_types_0_2_3_3) {
  chunk_writer w;
  bytes out;
  const bytes p = filled(32);
  for (int i = 0; i < 4; ++i) w.write(make(3, 8, 12345, 1000 + 20 * i, p), out);
  const bytes expected = concat(
      {hex("03 0003e8 000020 08 39300000"), p, hex("83 000014"), p, hex("c3"), p, hex("c3"), p});
  EXPECT_EQ(out, expected);
}

// RTMP spec 5.3.2.2, example 2: a 307-byte video message in 128-byte chunks.
TEST(chunk_writer, spec_example_2_splits_into_type_3_continuations) {
  chunk_writer w;
  bytes out;
  const bytes p = filled(307);
  w.write(make(4, 9, 12346, 1000, p), out);
  const byte_view v(p);
  const bytes expected = concat({hex("04 0003e8 000133 09 3a300000"), v.subspan(0, 128), hex("c4"),
                                 v.subspan(128, 128), hex("c4"), v.subspan(256)});
  EXPECT_EQ(out, expected);
}

TEST(chunk_reader, reads_spec_examples) {
  const bytes p32 = filled(32), p307 = filled(307);
  const bytes wire =
      concat({hex("03 0003e8 000020 08 39300000"), p32, hex("83 000014"), p32, hex("c3"), p32,
              hex("04 0003e8 000133 09 3a300000"), byte_view(p307).subspan(0, 128), hex("c4"),
              byte_view(p307).subspan(128, 128), hex("c4"), byte_view(p307).subspan(256)});
  chunk_reader r;
  std::error_code ec;
  auto msgs = read_all(r, wire, ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_EQ(msgs.size(), 4u);
  expect_same(msgs[0], make(3, 8, 12345, 1000, p32));
  expect_same(msgs[1], make(3, 8, 12345, 1020, p32));
  expect_same(msgs[2], make(3, 8, 12345, 1040, p32));
  expect_same(msgs[3], make(4, 9, 12346, 1000, p307));
}

// 5.3.1.3: from 0xFFFFFF ms (4.66 hours) the timestamp moves to the extended field, and
// every type-3 continuation chunk repeats it.
TEST(chunk_writer, extended_timestamp_is_repeated_on_continuation_chunks) {
  chunk_writer w;
  bytes out;
  const bytes p = filled(200);
  w.write(make(6, 9, 1, 0x01000000, p), out);
  const bytes expected =
      concat({hex("06 ffffff 0000c8 09 01000000 01000000"), byte_view(p).subspan(0, 128),
              hex("c6 01000000"), byte_view(p).subspan(128)});
  EXPECT_EQ(out, expected);

  chunk_reader r;
  std::error_code ec;
  auto msgs = read_all(r, out, ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(msgs.size(), 1u);
  expect_same(msgs[0], make(6, 9, 1, 0x01000000, p));
}

// librtmp (rtmpdump) leaves the extended timestamp out of continuation chunks.
TEST(chunk_reader, tolerates_continuation_chunks_without_extended_timestamp) {
  const bytes p = filled(200);
  const bytes wire = concat({hex("06 ffffff 0000c8 09 01000000 01000000"),
                             byte_view(p).subspan(0, 128), hex("c6"), byte_view(p).subspan(128)});
  chunk_reader r;
  std::error_code ec;
  auto msgs = read_all(r, wire, ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(msgs.size(), 1u);
  expect_same(msgs[0], make(6, 9, 1, 0x01000000, p));
}

TEST(chunk_reader, extended_delta_on_type_1) {
  const bytes wire =
      concat({hex("06 000010 000001 09 01000000 aa"), hex("46 ffffff 000001 09 01000000 bb")});
  chunk_reader r;
  std::error_code ec;
  auto msgs = read_all(r, wire, ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[1].timestamp, 0x10u + 0x01000000u);
  EXPECT_EQ(msgs[1].stream_id, 1u);
  EXPECT_EQ(msgs[1].payload, hex("bb"));
}

// A type-3 chunk that starts a new message adds the previous delta; after a type-0 header
// that delta is the type-0 timestamp field (what ffmpeg and SRS do).
TEST(chunk_reader, type_3_new_message_adds_previous_delta) {
  const bytes wire = concat({hex("05 000064 000001 12 01000000 01"),  // ts 100
                             hex("c5 02"),                            // ts 200
                             hex("85 00000a 03"), hex("c5 04")});     // 210, 220
  chunk_reader r;
  std::error_code ec;
  auto msgs = read_all(r, wire, ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[0].timestamp, 100u);
  EXPECT_EQ(msgs[1].timestamp, 200u);
  EXPECT_EQ(msgs[2].timestamp, 210u);
  EXPECT_EQ(msgs[3].timestamp, 220u);
}

// The 32-bit wire timestamp wraps after 49.7 days; the 64-bit timeline does not.
TEST(chunk_reader, unwraps_32_bit_timestamps) {
  const bytes wire = concat({hex("06 ffffff 000001 09 01000000 fffffff0 aa"),
                             hex("06 ffffff 000001 09 01000000 00000010 bb"), hex("86 000020 cc")});
  chunk_reader r;
  std::error_code ec;
  auto msgs = read_all(r, wire, ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[0].timestamp, 0xFFFFFFF0u);
  EXPECT_EQ(msgs[1].timestamp, 0x100000010ull);
  EXPECT_EQ(msgs[2].timestamp, 0x100000030ull);
}

TEST(chunk_writer, writes_64_bit_timestamps_as_wrapping_deltas) {
  chunk_writer w;
  bytes out;
  w.write(make(6, 9, 1, 0xFFFFFFF0ull, {1}), out);
  w.write(make(6, 9, 1, 0x100000010ull, {2}), out);
  chunk_reader r;
  std::error_code ec;
  auto msgs = read_all(r, out, ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[1].timestamp, 0x100000010ull);
}

// Set Chunk Size can arrive between two chunks of another chunk stream's message; the
// rest of that message then comes in the new size.
TEST(chunk_reader, chunk_size_change_in_the_middle_of_a_message) {
  const bytes p = filled(1000);
  const bytes wire =
      concat({hex("06 000000 0003e8 09 01000000"), byte_view(p).subspan(0, 128),
              hex("02 000000 000004 01 00000000 00001000"), hex("c6"), byte_view(p).subspan(128)});
  chunk_reader r;
  std::error_code ec;
  auto msgs = read_all(r, wire, ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].kind(), message_type::set_chunk_size);
  EXPECT_EQ(r.chunk_size(), 4096u);
  expect_same(msgs[1], make(6, 9, 1, 0, p));
}

TEST(chunk_reader, interleaved_chunk_streams) {
  const bytes a = filled(200, 1), v = filled(200, 2);
  const bytes wire =
      concat({hex("04 000000 0000c8 08 01000000"), byte_view(a).subspan(0, 128),
              hex("06 000000 0000c8 09 01000000"), byte_view(v).subspan(0, 128), hex("c4"),
              byte_view(a).subspan(128), hex("c6"), byte_view(v).subspan(128)});
  chunk_reader r;
  std::error_code ec;
  auto msgs = read_all(r, wire, ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(msgs.size(), 2u);
  expect_same(msgs[0], make(4, 8, 1, 0, a));
  expect_same(msgs[1], make(6, 9, 1, 0, v));
}

TEST(chunk_reader, abort_discards_the_partial_message) {
  const bytes p = filled(300), q = filled(3);
  const bytes wire = concat({hex("06 000000 00012c 09 01000000"), byte_view(p).subspan(0, 128),
                             hex("02 000000 000004 02 00000000 00000006"),
                             hex("06 000028 000003 09 01000000"), q});
  chunk_reader r;
  std::error_code ec;
  auto msgs = read_all(r, wire, ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].kind(), message_type::abort);
  expect_same(msgs[1], make(6, 9, 1, 40, q));
}

TEST(chunk_reader, acknowledges_each_window) {
  // Window Acknowledgement Size 100, then 3 messages of 60 bytes.
  bytes wire = hex("02 000000 000004 05 00000000 00000064");
  chunk_writer w;
  for (int i = 0; i < 3; ++i) w.write(make(3, 20, 0, 0, filled(60)), wire);
  chunk_reader r;
  std::error_code ec;
  EXPECT_EQ(r.put(byte_view(wire).subspan(0, 16 + 72), ec), 88u);
  EXPECT_EQ(r.ack_window(), 100u);
  EXPECT_FALSE(r.take_ack());  // 88 bytes so far
  r.put(byte_view(wire).subspan(88), ec);
  auto ack = r.take_ack();
  ASSERT_TRUE(ack);
  EXPECT_EQ(*ack, wire.size());
  EXPECT_FALSE(r.take_ack());
}

TEST(chunk_reader, two_and_three_byte_chunk_stream_ids) {
  chunk_writer w;
  bytes out;
  for (std::uint32_t csid : {63u, 64u, 319u, 320u, 65599u})
    w.write(make(csid, 9, 1, csid, {7}), out);
  EXPECT_EQ(bytes(out.begin() + 14, out.begin() + 16), hex("00 00"));  // csid 64
  chunk_reader r;
  std::error_code ec;
  auto msgs = read_all(r, out, ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(msgs.size(), 5u);
  EXPECT_EQ(msgs[2].chunk_stream_id, 319u);
  EXPECT_EQ(msgs[4].chunk_stream_id, 65599u);
  EXPECT_EQ(msgs[4].timestamp, 65599u);
}

TEST(chunk_reader, new_chunk_stream_may_start_with_type_1) {
  chunk_reader r;
  std::error_code ec;
  auto msgs = read_all(r, hex("43 000005 000001 14 aa"), ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].stream_id, 0u);
  EXPECT_EQ(msgs[0].timestamp, 5u);
}

TEST(chunk_reader, rejects_compressed_header_on_unknown_chunk_stream) {
  for (auto text : {"83 000005", "c3"}) {
    chunk_reader r;
    std::error_code ec;
    read_all(r, hex(text), ec);
    EXPECT_EQ(ec, error::chunk_no_previous_header) << text;
  }
}

TEST(chunk_reader, rejects_messages_over_the_size_limit) {
  chunk_reader r({.max_message_size = 1000});
  std::error_code ec;
  read_all(r, hex("03 000000 0003e9 14 00000000"), ec);
  EXPECT_EQ(ec, error::chunk_message_too_large);
}

TEST(chunk_reader, bounds_the_bytes_of_unfinished_messages_together) {
  // Three 1000-byte messages started on three chunk streams (one 128-byte chunk each), none
  // finished: each is under the message limit, together they pass what one connection may
  // hold.
  chunk_reader r({.max_message_size = 1000, .max_partial_bytes = 2500});
  std::error_code ec;
  for (const char* header : {"03 000000 0003e8 09 01000000", "04 000000 0003e8 09 01000000"}) {
    auto chunk = hex(header);
    chunk.insert(chunk.end(), 128, 0xaa);
    read_all(r, chunk, ec);
    ASSERT_FALSE(ec);
  }
  read_all(r, hex("05 000000 0003e8 09 01000000"), ec);
  EXPECT_EQ(ec, error::chunk_too_much_partial);
}

TEST(chunk_reader, finished_and_aborted_messages_free_their_share_of_the_bound) {
  chunk_reader r({.max_message_size = 1000, .max_partial_bytes = 1500});
  chunk_writer w(1000);
  bytes out;
  // Set Chunk Size 1000 first, so each message is one chunk.
  w.write(make(2, 1, 0, 0, {0, 0, 0x03, 0xe8}), out);
  for (int i = 0; i < 5; ++i) w.write(make(3, 9, 0, 0, bytes(1000, 7)), out);
  std::error_code ec;
  auto msgs = read_all(r, out, ec);
  EXPECT_FALSE(ec);
  EXPECT_EQ(msgs.size(), 6u);
  // An unfinished message (one of two chunks), aborted (RTMP spec 5.4.2), leaves room for
  // the next one.
  chunk_reader r2({.max_message_size = 1000, .max_partial_bytes = 1500});
  auto chunk = hex("04 000000 0003e8 09 01000000");
  chunk.insert(chunk.end(), 128, 0xaa);
  read_all(r2, chunk, ec);
  ASSERT_FALSE(ec);
  read_all(r2, hex("02 000000 000004 02 00000000 00000004"), ec);
  ASSERT_FALSE(ec);
  read_all(r2, hex("05 000000 0003e8 09 01000000"), ec);
  EXPECT_FALSE(ec);
}

TEST(chunk_reader, rejects_too_many_chunk_streams) {
  chunk_reader r({.max_chunk_streams = 2});
  chunk_writer w;
  bytes out;
  for (std::uint32_t csid = 3; csid < 6; ++csid) w.write(make(csid, 20, 0, 0, {1}), out);
  std::error_code ec;
  auto msgs = read_all(r, out, ec);
  EXPECT_EQ(ec, error::chunk_too_many_streams);
  EXPECT_EQ(msgs.size(), 2u);
}

TEST(chunk_reader, rejects_bad_chunk_sizes) {
  for (auto text :
       {"02 000000 000004 01 00000000 00000000", "02 000000 000004 01 00000000 80000000"}) {
    chunk_reader r;
    std::error_code ec;
    read_all(r, hex(text), ec);
    EXPECT_EQ(ec, error::chunk_bad_chunk_size) << text;
  }
  chunk_reader r;
  std::error_code ec;
  read_all(r, hex("02 000000 000002 01 00000000 0000"), ec);
  EXPECT_EQ(ec, error::message_malformed);
}

TEST(chunk_reader, rejects_length_change_in_the_middle_of_a_message) {
  chunk_reader r;
  std::error_code ec;
  read_all(r,
           concat({hex("06 000000 0000c8 09 01000000"), filled(128), hex("46 000000 000010 09")}),
           ec);
  EXPECT_EQ(ec, error::chunk_length_changed);
}

TEST(chunk_reader, zero_length_message) {
  chunk_reader r;
  std::error_code ec;
  auto msgs = read_all(r, hex("03 000001 000000 14 00000000 03 000002 000001 14 00000000 aa"), ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_TRUE(msgs[0].payload.empty());
  EXPECT_EQ(msgs[1].payload, hex("aa"));
}

TEST(chunk_reader, stops_when_pending_messages_reach_the_limit) {
  chunk_writer w;
  bytes out;
  for (int i = 0; i < 5; ++i) w.write(make(3, 20, 0, 0, {1, 2}), out);
  chunk_reader r({.max_pending_messages = 2});
  std::error_code ec;
  const std::size_t used = r.put(out, ec);
  EXPECT_FALSE(ec);
  EXPECT_LT(used, out.size());
  message m;
  int n = 0;
  while (r.next(m)) ++n;
  EXPECT_EQ(n, 2);
}

// What the wire cannot say is refused, not truncated: a 16 MiB payload would otherwise get a
// wrapped 24-bit length and desynchronise the peer.
TEST(chunk_writer, refuses_what_the_wire_cannot_carry) {
  chunk_writer w;
  bytes out;
  EXPECT_EQ(w.write(make(6, 9, 1, 0, bytes(k_max_message_length + 1)), out),
            error::chunk_message_too_large);
  EXPECT_EQ(w.write(make(1, 9, 1, 0, {1}), out), error::chunk_bad_chunk_stream_id);
  EXPECT_EQ(w.write(make(65600, 9, 1, 0, {1}), out), error::chunk_bad_chunk_stream_id);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(w.set_chunk_size(0), error::chunk_bad_chunk_size);
  EXPECT_EQ(w.set_chunk_size(0x80000000u), error::chunk_bad_chunk_size);
  EXPECT_EQ(w.chunk_size(), 128u);
  EXPECT_EQ(chunk_writer(0).chunk_size(), 128u);
  EXPECT_EQ(chunk_writer::write_standalone({6, 9, 1, 0, 0}, filled(10), 0, out),
            error::chunk_bad_chunk_size);
  EXPECT_EQ(chunk_writer::standalone_size({6, 9, 1, 0, 10}, 0), 0u);
  EXPECT_TRUE(out.empty());
  // The largest message the wire can carry still goes out.
  EXPECT_FALSE(w.write(make(6, 9, 1, 0, bytes(k_max_message_length)), out));
}

// A message buffer never keeps more memory than the message needs: it becomes the payload
// every subscriber shares for as long as the GOP cache holds it.
TEST(chunk_reader, message_buffer_is_not_larger_than_the_message) {
  const bytes p = filled(65 * 1024 + 17);
  chunk_writer w(4096);
  bytes wire = hex("02 000000 000004 01 00000000 00001000");
  ASSERT_FALSE(w.write(make(6, 9, 1, 0, p), wire));
  chunk_reader r;
  std::error_code ec;
  auto msgs = read_split(
      r, wire, [] { return std::size_t{1000}; }, ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[1].payload, p);
  EXPECT_EQ(msgs[1].payload.capacity(), p.size());
}

// After put() stops for back-pressure, the caller takes the messages and presents the rest:
// reading resumes exactly where it stopped.
TEST(chunk_reader, resumes_after_back_pressure) {
  chunk_writer w;
  bytes out;
  std::vector<message> sent;
  for (int i = 0; i < 7; ++i) {
    sent.push_back(make(3, 20, 0, static_cast<std::uint64_t>(i) * 10,
                        filled(300, static_cast<std::uint8_t>(i))));
    ASSERT_FALSE(w.write(sent.back(), out));
  }
  chunk_reader r({.max_pending_messages = 2});
  std::error_code ec;
  auto got = read_all(r, out, ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(got.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) expect_same(got[i], sent[i]);
}

// Property: whatever the chunk size and the way the bytes are split, the reader returns
// exactly the messages the writer was given.
TEST(chunk_round_trip, random_messages_every_split) {
  std::mt19937 rng(20261122);
  for (int round = 0; round < 40; ++round) {
    const std::uint32_t chunk_size = std::uniform_int_distribution<std::uint32_t>(1, 5000)(rng);
    std::vector<message> msgs;
    std::uint64_t ts[3] = {0, 0, 0};
    for (int i = 0; i < 30; ++i) {
      const int k = std::uniform_int_distribution<int>(0, 2)(rng);
      ts[k] += std::uniform_int_distribution<std::uint64_t>(0, rng() % 4 ? 100 : 0x2000000)(rng);
      const std::size_t len =
          std::uniform_int_distribution<std::size_t>(0, rng() % 3 ? 64 : 9000)(rng);
      msgs.push_back(make(4 + k * 100, static_cast<std::uint8_t>(8 + k), k == 0 ? 0 : 1, ts[k],
                          filled(len, static_cast<std::uint8_t>(i))));
    }
    bytes wire;
    chunk_writer w;
    bytes size_payload;
    byte_writer(size_payload).u32(chunk_size);
    w.write(make(2, 1, 0, 0, size_payload), wire);  // Set Chunk Size, then switch to it
    w.set_chunk_size(chunk_size);
    for (const auto& m : msgs) w.write(m, wire);

    const std::size_t max_piece = std::uniform_int_distribution<std::size_t>(1, 300)(rng);
    chunk_reader r;
    std::error_code ec;
    auto got = read_split(
        r, wire, [&] { return 1 + rng() % max_piece; }, ec);
    ASSERT_FALSE(ec) << ec.message() << " round " << round;
    ASSERT_EQ(got.size(), msgs.size() + 1) << "round " << round;
    for (std::size_t i = 0; i < msgs.size(); ++i) expect_same(got[i + 1], msgs[i]);
  }
}

TEST(chunk_writer, standalone_encoding_is_shareable_and_sized_exactly) {
  const bytes p = filled(10000);
  const message_header h{6, 9, 1, 0x01234567, 10000};
  bytes shared;
  chunk_writer::write_standalone(h, p, 4096, shared);
  EXPECT_EQ(shared.size(), chunk_writer::standalone_size(h, 4096));
  EXPECT_EQ(shared.size(), 1u + 11 + 4 + 10000 + 2 * (1 + 4));

  // Two connections send the same shared bytes between messages of their own.
  for (std::uint64_t before : {0x01234000ull, 5ull}) {
    chunk_writer w(4096);
    bytes wire;
    w.write(make(6, 9, 1, before, {1, 2, 3}), wire);
    wire.insert(wire.end(), shared.begin(), shared.end());
    w.note_sent(h);
    w.write(make(6, 9, 1, 0x01234567 + 40, {4, 5, 6}), wire);
    chunk_reader r;
    std::error_code ec;
    r.put(hex("02 000000 000004 01 00000000 00001000"), ec);
    auto got = read_all(r, wire, ec);
    ASSERT_FALSE(ec);
    ASSERT_EQ(got.size(), 4u);  // the Set Chunk Size, then our three
    expect_same(got[2], make(6, 9, 1, 0x01234567, p));
    EXPECT_EQ(got[3].timestamp, 0x01234567u + 40);
  }
}

}  // namespace
}  // namespace lectern::shared::rtmp
