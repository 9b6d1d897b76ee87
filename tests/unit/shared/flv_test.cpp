// FLV file/tag headers, the streaming reader, the seek index and the writer, against bytes
// built by hand from FLV spec v10.1 E.2-E.4.1.
#include "lectern/shared/flv.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "flv_test_util.hpp"
#include "lectern/shared/error.hpp"
#include "lectern/shared/flv_index.hpp"
#include "lectern/shared/flv_reader.hpp"
#include "lectern/shared/flv_writer.hpp"
#include "test_util.hpp"

namespace lectern::shared::flv {
namespace {

using test::append_flv_tag;
using test::cycle;
using test::read_flv;
using test::read_flv_whole;
using test::reader_agrees_with_index;

// Tag bodies (functions, not globals: no static initialisation that can throw).
bytes avc_seq() {
  return {0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64, 0x00, 0x1F};
}
bytes avc_key() {
  return {0x17, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x65, 0x88};
}
bytes avc_inter() {
  return {0x27, 0x01, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x01, 0x41};
}
bytes aac_seq() {
  return {0xAF, 0x00, 0x12, 0x10};
}
bytes aac_raw() {
  return {0xAF, 0x01, 0x21, 0x10, 0x04};
}

bytes file_start() {
  return {'F', 'L', 'V', 0x01, 0x05, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00};
}

// A small file: script, both sequence headers, two GOPs.
bytes sample_file() {
  bytes f = file_start();
  append_flv_tag(f, 18, 0, {0x02, 0x00, 0x0A});
  append_flv_tag(f, 9, 0, avc_seq());
  append_flv_tag(f, 8, 0, aac_seq());
  append_flv_tag(f, 9, 0, avc_key());
  append_flv_tag(f, 8, 10, aac_raw());
  append_flv_tag(f, 9, 40, avc_inter());
  append_flv_tag(f, 9, 2000, avc_key());
  append_flv_tag(f, 8, 2010, aac_raw());
  append_flv_tag(f, 9, 4000, avc_key());
  return f;
}

// --- file header (E.2) ------------------------------------------------------------------

TEST(flv, encode_file_header_golden) {
  bytes out;
  encode_file_header({true, true, 9}, out);
  EXPECT_EQ(out, file_start());
  out.clear();
  encode_file_header({true, false, 9}, out);
  EXPECT_EQ(out[4], 0x04);  // TypeFlagsAudio only
  out.clear();
  encode_file_header({false, true, 9}, out);
  EXPECT_EQ(out[4], 0x01);  // TypeFlagsVideo only
}

TEST(flv, parse_file_header) {
  file_header h;
  ASSERT_EQ(parse_file_header(file_start(), h), std::error_code());
  EXPECT_EQ(h, (file_header{true, true, 9}));
  const bytes video_only = {'F', 'L', 'V', 1, 0x01, 0, 0, 0, 9};
  ASSERT_EQ(parse_file_header(video_only, h), std::error_code());
  EXPECT_FALSE(h.has_audio);
  EXPECT_TRUE(h.has_video);
}

TEST(flv, parse_file_header_errors) {
  file_header h;
  const bytes good = file_start();
  for (std::size_t n = 0; n < k_file_header_size; ++n)
    EXPECT_EQ(parse_file_header(byte_view(good).first(n), h), error::truncated) << n;
  EXPECT_EQ(parse_file_header(bytes{'F', 'L', 'X', 1, 5, 0, 0, 0, 9}, h), error::flv_bad_signature);
  EXPECT_EQ(parse_file_header(bytes{'F', 'L', 'V', 2, 5, 0, 0, 0, 9}, h), error::flv_bad_header);
  EXPECT_EQ(parse_file_header(bytes{'F', 'L', 'V', 1, 5, 0, 0, 0, 8}, h), error::flv_bad_header);
  EXPECT_EQ(parse_file_header(bytes{'F', 'L', 'V', 1, 5, 0, 1, 0, 1}, h), error::flv_bad_header);
}

// --- tag header (E.4.1) -----------------------------------------------------------------

TEST(flv, tag_header_golden_with_extended_timestamp) {
  const bytes raw = {0x08, 0x00, 0x01, 0x02, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00};
  tag_header h;
  ASSERT_EQ(parse_tag_header(raw, h), std::error_code());
  EXPECT_EQ(h.type, tag_type::audio);
  EXPECT_EQ(h.data_size, 0x000102u);
  EXPECT_EQ(h.timestamp, 0x78123456u);  // TimestampExtended is the upper 8 bits
  const auto enc = encode_tag_header(h);
  EXPECT_EQ(bytes(enc.begin(), enc.end()), raw);
}

TEST(flv, timestamps_past_24_bits_round_trip) {
  struct golden {
    std::uint32_t ms;
    bytes ts_bytes;  // Timestamp (3) + TimestampExtended (1)
  };
  const golden cases[] = {
      {0x00FFFFFF, {0xFF, 0xFF, 0xFF, 0x00}},  // 4 h 39 min 37.215 s: last 24-bit value
      {0x01000000, {0x00, 0x00, 0x00, 0x01}},  // 2^24 ms: needs the extension byte
      {0x80000001, {0x00, 0x00, 0x01, 0x80}},  // > 2^31: must stay unsigned
      {0xFFFFFFFF, {0xFF, 0xFF, 0xFF, 0xFF}},
  };
  for (const auto& c : cases) {
    const auto enc = encode_tag_header({tag_type::video, 5, c.ms});
    EXPECT_EQ(bytes(enc.begin() + 4, enc.begin() + 8), c.ts_bytes) << c.ms;
    tag_header h;
    ASSERT_EQ(parse_tag_header(enc, h), std::error_code());
    EXPECT_EQ(h.timestamp, c.ms);
  }
}

TEST(flv, tag_header_errors) {
  tag_header h;
  const bytes good = {0x09, 0x00, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0};
  for (std::size_t n = 0; n < k_tag_header_size; ++n)
    EXPECT_EQ(parse_tag_header(byte_view(good).first(n), h), error::truncated);
  auto with = [&](std::size_t i, std::uint8_t v) {
    bytes b = good;
    b[i] = v;
    return b;
  };
  EXPECT_EQ(parse_tag_header(with(0, 0x49), h), error::flv_bad_tag);       // reserved bit
  EXPECT_EQ(parse_tag_header(with(0, 0x29), h), error::flv_encrypted);     // Filter
  EXPECT_EQ(parse_tag_header(with(0, 0x0A), h), error::flv_bad_tag_type);  // type 10
  EXPECT_EQ(parse_tag_header(with(0, 0x00), h), error::flv_bad_tag_type);
  EXPECT_EQ(parse_tag_header(with(10, 0x01), h), error::flv_bad_tag);  // StreamID 1
  EXPECT_EQ(parse_tag_header(good, h, 0x0F), error::flv_tag_too_large);
  EXPECT_EQ(parse_tag_header(good, h, 0x10), std::error_code());
}

// --- streaming reader -------------------------------------------------------------------

TEST(flv, reader_delivers_contiguous_tags_in_place) {
  const bytes f = sample_file();
  reader r;
  std::error_code ec;
  std::size_t used = r.put(f, ec);
  ASSERT_FALSE(ec);
  ASSERT_TRUE(r.has_tag());
  EXPECT_EQ(used, 13u + 11 + 3 + 4);
  EXPECT_EQ(r.current().type, tag_type::script);
  EXPECT_EQ(r.current().offset, 13u);
  EXPECT_EQ(r.current().data.data(), f.data() + 13 + 11);  // a view of the input: no copy
  EXPECT_EQ(r.header(), (file_header{true, true, 9}));
  used += r.put(byte_view(f).subspan(used), ec);
  ASSERT_TRUE(r.has_tag());
  EXPECT_EQ(r.current().type, tag_type::video);
  EXPECT_EQ(bytes(r.current().data.begin(), r.current().data.end()), avc_seq());
  EXPECT_EQ(r.offset(), used);
}

TEST(flv, reader_one_byte_at_a_time_yields_the_same_tags) {
  const bytes f = sample_file();
  const auto whole = read_flv_whole(f);
  ASSERT_FALSE(whole.ec);
  ASSERT_EQ(whole.tags.size(), 9u);
  EXPECT_EQ(whole.tags[6].timestamp, 2000u);
  for (std::size_t chunk : {1, 2, 3, 7, 11, 14, 15, 16, 64}) {
    const auto split = read_flv(f, cycle({chunk}));
    EXPECT_FALSE(split.ec) << chunk;
    EXPECT_EQ(split.tags, whole.tags) << chunk;
  }
  EXPECT_EQ(read_flv(f, cycle({1, 12, 2, 30, 5})).tags, whole.tags);
}

TEST(flv, previous_tag_size_is_counted_by_default_and_checked_in_strict_mode) {
  // Back-pointers libavformat's flvdec accepts besides 11 + DataSize, as buggy muxers wrote
  // them, and one it does not; DataSize frames every tag, so all are read by default.
  bytes f = file_start();
  append_flv_tag(f, 8, 0, aac_raw());               // 16: right
  append_flv_tag(f, 8, 23, aac_raw(), 5 + 10);      // DataSize + 10
  append_flv_tag(f, 8, 46, aac_raw(), 5);           // DataSize alone
  append_flv_tag(f, 8, 69, aac_raw(), 4 * 16);      // running total
  append_flv_tag(f, 9, 80, avc_key(), 0xDEADBEEF);  // garbage
  append_flv_tag(f, 8, 92, aac_raw());              // right again
  for (std::size_t chunk : {std::size_t(1), std::size_t(7), f.size()}) {
    const auto tolerant = read_flv(f, cycle({chunk}));
    EXPECT_FALSE(tolerant.ec) << chunk;
    EXPECT_EQ(tolerant.tags.size(), 6u) << chunk;
    EXPECT_EQ(tolerant.previous_size_mismatches, 4u) << chunk;
    EXPECT_TRUE(reader_agrees_with_index(f, tolerant, false));
    const auto strict = read_flv(f, cycle({chunk}), {.strict_previous_size = true});
    EXPECT_EQ(strict.ec, error::flv_previous_size_mismatch) << chunk;
    EXPECT_EQ(strict.tags.size(), 1u);  // the tag with the bad back-pointer is not delivered
    EXPECT_TRUE(reader_agrees_with_index(f, strict, true));
  }
  // PreviousTagSize0 is "always 0" (E.3); FFmpeg only warns.
  bytes bad_zero = {'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 7};
  append_flv_tag(bad_zero, 8, 0, aac_raw());
  const auto tolerant = read_flv(bad_zero, cycle({1}));
  EXPECT_FALSE(tolerant.ec);
  EXPECT_EQ(tolerant.tags.size(), 1u);
  EXPECT_EQ(tolerant.previous_size_mismatches, 1u);
  EXPECT_TRUE(reader_agrees_with_index(bad_zero, tolerant, false));
  const auto strict = read_flv(bad_zero, cycle({1}), {.strict_previous_size = true});
  EXPECT_EQ(strict.ec, error::flv_previous_size_mismatch);
  EXPECT_TRUE(reader_agrees_with_index(bad_zero, strict, true));
}

TEST(flv, reader_skips_a_larger_data_offset) {
  bytes f = {'F', 'L', 'V', 1, 4, 0, 0, 0, 12, 0xAA, 0xBB, 0xCC, 0, 0, 0, 0};
  append_flv_tag(f, 8, 7, aac_raw());
  for (std::size_t chunk : {std::size_t(1), std::size_t(10), f.size()}) {
    const auto res = read_flv(f, cycle({chunk}));
    ASSERT_FALSE(res.ec);
    ASSERT_EQ(res.tags.size(), 1u);
    EXPECT_EQ(res.tags[0].offset, 16u);
    EXPECT_EQ(res.tags[0].timestamp, 7u);
  }
}

TEST(flv, reader_rejects_oversized_tag_before_buffering_it) {
  bytes f = file_start();
  const bytes header = {0x09, 0x10, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0};  // DataSize 1 MiB
  f.insert(f.end(), header.begin(), header.end());
  reader r({.max_data_size = 64 * 1024});
  std::error_code ec;
  std::size_t used = 0;
  while (!ec && used < f.size()) used += r.put(byte_view(f).subspan(used, 1), ec);
  EXPECT_EQ(ec, error::flv_tag_too_large);  // as soon as the 11th header byte arrives
  EXPECT_EQ(used, f.size());
}

TEST(flv, reader_finish_and_sticky_errors) {
  EXPECT_EQ(reader().finish(), error::truncated);  // no header at all
  const bytes f = sample_file();
  for (std::size_t cut : {std::size_t(5), std::size_t(13), std::size_t(20), f.size() - 1}) {
    const auto res = read_flv(byte_view(f).first(cut), cycle({3}));
    EXPECT_EQ(res.ec, cut == 13 ? std::error_code() : make_error_code(error::truncated)) << cut;
  }
  bytes bad = file_start();
  bad.push_back(0x0A);  // TagType 10
  bad.insert(bad.end(), 10, 0x00);
  reader r;
  std::error_code ec;
  r.put(bad, ec);
  EXPECT_EQ(ec, error::flv_bad_tag_type);
  EXPECT_EQ(r.put(file_start(), ec), 0u);
  EXPECT_EQ(ec, error::flv_bad_tag_type);
  EXPECT_EQ(r.finish(), error::flv_bad_tag_type);
}

TEST(flv, reader_rejects_non_flv_as_soon_as_the_signature_is_in) {
  // Found by the fuzzer: the index said flv_bad_signature, the reader waited for 9 bytes.
  const bytes html = {'<', 'h', 't', 'm', 'l', '>', '\n'};
  reader r;
  std::error_code ec;
  EXPECT_EQ(r.put(byte_view(html).first(2), ec), 2u);
  EXPECT_FALSE(ec);
  r.put(byte_view(html).subspan(2, 1), ec);
  EXPECT_EQ(ec, error::flv_bad_signature);
  file_index idx;
  EXPECT_EQ(build_index(html, idx), error::flv_bad_signature);
}

TEST(flv, reader_bare_tag_stream_and_empty_tag) {
  bytes tags;
  append_flv_tag(tags, 8, 1, {});  // DataSize 0 is legal (the audio silence message)
  append_flv_tag(tags, 9, 2, avc_key());
  const auto res = read_flv(tags, cycle({1}), {.expect_file_header = false});
  ASSERT_FALSE(res.ec);
  ASSERT_EQ(res.tags.size(), 2u);
  EXPECT_TRUE(res.tags[0].data.empty());
  EXPECT_EQ(res.tags[1].offset, 15u);
  EXPECT_FALSE(reader({.expect_file_header = false}).finish());  // no tags is fine
}

TEST(flv, tag_header_stream_id_is_refused_unless_asked_for) {
  const bytes raw = test::hex("09 00000a 000409 00 000001");  // StreamID 1
  tag_header h;
  EXPECT_EQ(parse_tag_header(raw, h), error::flv_bad_tag);
  ASSERT_EQ(parse_tag_header(raw, h, k_default_max_data_size, true), std::error_code());
  EXPECT_EQ(h, (tag_header{tag_type::video, 10, 1033, 1}));
  const auto enc = encode_tag_header(h);
  EXPECT_EQ(bytes(enc.begin(), enc.end()), raw);
  // The other checks still apply.
  EXPECT_EQ(parse_tag_header(test::hex("0a 00000a 000409 00 000001"), h, 1u << 20, true),
            error::flv_bad_tag_type);
  EXPECT_EQ(parse_tag_header(raw, h, 9, true), error::flv_tag_too_large);
}

TEST(flv, reader_reads_an_rtmp_aggregate_body) {
  // An aggregate message (type 22) on message stream 1 at 1000 ms (RTMP spec 7.1.6): each
  // sub-message is an FLV-style tag whose header carries the message stream id, followed
  // by a back pointer of 11 + size.
  const bytes body = test::hex(
      "08 000005 0003e8 00 000001  af 01 21 10 04                   00000010"    // AAC raw
      "09 00000a 000409 00 000001  27 01 00 00 21 00 00 00 01 41    00000015");  // AVC inter
  const reader_options aggregate{.expect_file_header = false, .any_stream_id = true};
  for (std::size_t chunk : {std::size_t(1), std::size_t(5), body.size()}) {
    const auto res = read_flv(body, cycle({chunk}), aggregate);
    ASSERT_FALSE(res.ec) << chunk;
    ASSERT_EQ(res.tags.size(), 2u);
    EXPECT_EQ(res.tags[0], (test::flv_seen_tag{tag_type::audio, 1000, 0, aac_raw(), 1}));
    EXPECT_EQ(res.tags[1], (test::flv_seen_tag{tag_type::video, 1033, 20, avc_inter(), 1}));
    EXPECT_EQ(res.previous_size_mismatches, 0u);
  }
  // A file reader keeps E.4.1's "StreamID: always 0".
  const auto bare = read_flv_whole(body, {.expect_file_header = false});
  EXPECT_EQ(bare.ec, error::flv_bad_tag);
  EXPECT_TRUE(bare.tags.empty());
}

// --- seek index and resync --------------------------------------------------------------

TEST(flv, index_finds_keyframes_and_their_configuration) {
  const bytes f = sample_file();
  file_index idx;
  ASSERT_EQ(build_index(f, idx), std::error_code());
  ASSERT_EQ(idx.tags.size(), 9u);
  EXPECT_EQ(idx.end_offset, f.size());
  EXPECT_TRUE(idx.tags[1].sequence_header);
  EXPECT_TRUE(idx.tags[2].sequence_header);
  EXPECT_EQ(idx.min_timestamp, 0u);
  EXPECT_EQ(idx.max_timestamp, 4000u);
  ASSERT_EQ(idx.keyframes.size(), 3u);
  EXPECT_EQ(idx.keyframes[1].timestamp, 2000u);
  EXPECT_EQ(idx.keyframes[1].offset, idx.tags[6].offset);
  EXPECT_EQ(idx.keyframes[1].video_config, 1u);
  EXPECT_EQ(idx.keyframes[1].audio_config, 2u);
  const byte_view key_data = file_index::data(idx.tags[3], f);
  EXPECT_EQ(bytes(key_data.begin(), key_data.end()), avc_key());

  EXPECT_EQ(idx.seek(0)->tag, 3u);
  EXPECT_EQ(idx.seek(1999)->tag, 3u);
  EXPECT_EQ(idx.seek(2000)->tag, 6u);
  EXPECT_EQ(idx.seek(3999)->tag, 6u);
  EXPECT_EQ(idx.seek(0xFFFFFFFF)->tag, 8u);
}

TEST(flv, index_seek_before_first_keyframe_and_without_keyframes) {
  bytes f = file_start();
  append_flv_tag(f, 9, 500, avc_key());
  append_flv_tag(f, 9, 100, avc_key());  // the publisher restarted: time went back
  append_flv_tag(f, 9, 900, avc_key());
  file_index idx;
  ASSERT_FALSE(build_index(f, idx));
  EXPECT_FALSE(idx.keyframes_sorted);
  EXPECT_EQ(idx.seek(50)->timestamp, 500u);  // nothing earlier: the first keyframe
  EXPECT_EQ(idx.seek(300)->timestamp, 100u);
  EXPECT_EQ(idx.seek(600)->timestamp, 500u);
  EXPECT_EQ(idx.seek(1000)->timestamp, 900u);
  bytes audio_only = file_start();
  append_flv_tag(audio_only, 8, 0, aac_raw());
  ASSERT_FALSE(build_index(audio_only, idx));
  EXPECT_EQ(idx.seek(0), nullptr);
}

TEST(flv, index_stops_at_truncation_and_keeps_earlier_tags) {
  const bytes f = sample_file();
  file_index idx;
  EXPECT_EQ(build_index(byte_view(f).first(f.size() - 2), idx), error::truncated);
  EXPECT_EQ(idx.tags.size(), 8u);
  EXPECT_EQ(idx.end_offset, idx.tags.back().offset + 11 + idx.tags.back().data_size + 4);
  EXPECT_EQ(build_index(f, idx, {.max_tags = 4}), error::limit_exceeded);
  EXPECT_EQ(idx.tags.size(), 4u);
}

TEST(flv, index_recovers_over_garbage) {
  bytes f = sample_file();
  file_index idx;
  ASSERT_FALSE(build_index(f, idx));
  const auto third = static_cast<std::size_t>(idx.tags[2].offset);
  // A video tag header announcing 16 MiB, then junk.
  const bytes garbage = {0x09, 0xFF, 0xFF, 0xFF, 0x13, 0x37, 0x00, 0x08, 0x00, 0x00, 0x00, 0x42};
  f.insert(f.begin() + static_cast<std::ptrdiff_t>(third), garbage.begin(), garbage.end());
  EXPECT_EQ(build_index(f, idx), error::flv_tag_too_large);
  EXPECT_EQ(idx.tags.size(), 2u);
  ASSERT_EQ(build_index(f, idx, {.recover = true}), std::error_code());
  EXPECT_EQ(idx.tags.size(), 9u);
  EXPECT_EQ(idx.skipped_bytes, garbage.size());
  EXPECT_EQ(idx.keyframes.size(), 3u);
}

TEST(flv, index_recover_reads_a_recording_cut_after_its_header_as_empty) {
  const bytes f = sample_file();
  file_index idx;
  for (std::size_t cut = 0; cut <= 13; ++cut) {
    const byte_view prefix = byte_view(f).first(cut);
    const auto ec = build_index(prefix, idx, {.recover = true});
    // Only a header cut short is an error; PreviousTagSize0 cut short is an empty body.
    EXPECT_EQ(ec, cut < 9 ? make_error_code(error::truncated) : std::error_code()) << cut;
    EXPECT_TRUE(idx.tags.empty());
    EXPECT_EQ(idx.skipped_bytes, cut < 13 && cut >= 9 ? cut - 9 : 0) << cut;
    EXPECT_EQ(idx.end_offset, cut == 13 ? 13u : 0u) << cut;
    EXPECT_EQ(build_index(prefix, idx),
              cut == 13 ? std::error_code() : make_error_code(error::truncated));
  }
  // A DataOffset past the end of the file: nothing to read either.
  const bytes far = {'F', 'L', 'V', 1, 5, 0, 0, 0x01, 0x00, 0, 0, 0, 0};
  EXPECT_EQ(build_index(far, idx, {.recover = true}), std::error_code());
  EXPECT_TRUE(idx.tags.empty());
}

TEST(flv, index_recover_treats_a_bad_previous_size0_by_policy) {
  bytes f = sample_file();
  f[12] = 0x2A;  // PreviousTagSize0 = 42
  file_index idx;
  ASSERT_EQ(build_index(f, idx, {.strict_previous_size = true, .recover = true}),
            std::error_code());
  EXPECT_EQ(idx.tags.size(), 9u);  // damage: skipped to the first tag
  EXPECT_EQ(idx.skipped_bytes, 4u);
  EXPECT_EQ(idx.previous_size_mismatches, 0u);
  ASSERT_EQ(build_index(f, idx, {.recover = true}), std::error_code());
  EXPECT_EQ(idx.tags.size(), 9u);  // tolerated and counted
  EXPECT_EQ(idx.skipped_bytes, 0u);
  EXPECT_EQ(idx.previous_size_mismatches, 1u);
  EXPECT_EQ(build_index(f, idx, {.strict_previous_size = true}), error::flv_previous_size_mismatch);
}

TEST(flv, index_recover_skips_a_tag_whose_data_size_is_corrupt) {
  const bytes good = sample_file();
  file_index full;
  ASSERT_FALSE(build_index(good, full));
  for (std::uint8_t delta : {std::uint8_t(0x01), std::uint8_t(0x02), std::uint8_t(0x10)}) {
    bytes f = good;
    f[full.tags[3].offset + 3] ^= delta;  // the low byte of the keyframe's DataSize
    for (bool strict : {false, true}) {
      file_index idx;
      ASSERT_EQ(build_index(f, idx, {.strict_previous_size = strict, .recover = true}),
                std::error_code());
      ASSERT_EQ(idx.tags.size(), 8u) << int(delta) << strict;
      for (std::size_t i = 0; i < 8; ++i)
        EXPECT_EQ(idx.tags[i].offset, full.tags[i < 3 ? i : i + 1].offset);
      EXPECT_EQ(idx.skipped_bytes, 11 + avc_key().size() + 4);
      EXPECT_EQ(idx.previous_size_mismatches, 0u);
      // Without recover the reader and the index stop at the same place.
      const auto res = read_flv_whole(f, {.strict_previous_size = strict});
      EXPECT_TRUE(res.ec);
      EXPECT_TRUE(reader_agrees_with_index(f, res, strict));
    }
  }
}

TEST(flv, index_recover_skips_a_tag_whose_data_size_swallows_whole_tags) {
  // DataSize grown by exactly the next tag's footprint lands on a real tag boundary: a valid
  // header follows, and the back-pointer there is the swallowed tag's own.
  bytes f = sample_file();
  file_index full;
  ASSERT_FALSE(build_index(f, full));
  const auto at = static_cast<std::size_t>(full.tags[3].offset);
  f[at + 3] = static_cast<std::uint8_t>(avc_key().size() + 11 + aac_raw().size() + 4);
  const auto tolerant = read_flv_whole(f);  // the price of tolerance: read as one big tag
  EXPECT_FALSE(tolerant.ec);
  EXPECT_EQ(tolerant.tags.size(), 8u);
  EXPECT_EQ(tolerant.previous_size_mismatches, 1u);
  file_index idx;
  ASSERT_EQ(build_index(f, idx, {.recover = true}), std::error_code());
  ASSERT_EQ(idx.tags.size(), 8u);
  EXPECT_EQ(idx.tags[3].offset, full.tags[4].offset);  // the swallowed tag is back
  EXPECT_EQ(idx.previous_size_mismatches, 0u);
  EXPECT_EQ(idx.skipped_bytes, 11 + avc_key().size() + 4);
}

TEST(flv, index_recover_keeps_a_file_whose_muxer_wrote_data_size_back_pointers) {
  bytes f = file_start();
  for (std::uint32_t i = 0; i < 5; ++i) append_flv_tag(f, 8, i * 23, aac_raw(), 5);
  file_index idx;
  ASSERT_EQ(build_index(f, idx, {.recover = true}), std::error_code());
  EXPECT_EQ(idx.tags.size(), 5u);
  EXPECT_EQ(idx.previous_size_mismatches, 5u);
  EXPECT_EQ(idx.skipped_bytes, 0u);
}

TEST(flv, find_next_tag_resyncs_from_any_offset) {
  const bytes f = sample_file();
  file_index idx;
  ASSERT_FALSE(build_index(f, idx));
  for (std::size_t i = 0; i < idx.tags.size(); ++i) {
    const auto start = static_cast<std::size_t>(idx.tags[i].offset);
    EXPECT_EQ(find_next_tag(f, start), start);
    const std::size_t next = i + 1 < idx.tags.size() ? idx.tags[i + 1].offset : k_npos;
    for (std::size_t from = start + 1; from < start + 11 + idx.tags[i].data_size + 4; ++from)
      EXPECT_EQ(find_next_tag(f, from), next) << from;
  }
  EXPECT_EQ(find_next_tag(bytes(100, 0x09), 0), k_npos);
  EXPECT_EQ(find_next_tag(f, f.size() + 5), k_npos);
}

// --- writer -----------------------------------------------------------------------------

TEST(flv, writer_golden_tag_and_framing) {
  writer w;
  bytes out;
  w.write_file_header(out);
  EXPECT_EQ(out, file_start());
  ASSERT_FALSE(w.write_tag(tag_type::audio, 0x01020304, aac_raw(), out));
  const bytes expected_tag = {0x08, 0x00, 0x00, 0x05, 0x02, 0x03, 0x04, 0x01, 0x00, 0x00,
                              0x00, 0xAF, 0x01, 0x21, 0x10, 0x04, 0x00, 0x00, 0x00, 0x10};
  EXPECT_EQ(bytes(out.begin() + 13, out.end()), expected_tag);
  EXPECT_EQ(w.bytes_written(), out.size());
  tag_framing framing;
  ASSERT_FALSE(writer().frame_tag(tag_type::audio, 0x01020304, aac_raw(), framing));
  EXPECT_EQ(bytes(framing.header.begin(), framing.header.end()),
            bytes(expected_tag.begin(), expected_tag.begin() + 11));
  EXPECT_EQ(bytes(framing.trailer.begin(), framing.trailer.end()),
            bytes(expected_tag.end() - 4, expected_tag.end()));
  const bytes too_big(std::size_t(k_max_data_size_field) + 1, 0);
  EXPECT_EQ(w.write_tag(tag_type::video, 0, too_big, out), error::flv_tag_too_large);
}

TEST(flv, writer_output_reads_back_identically_past_4_66_hours) {
  // A recording crossing 2^24 ms (4 h 39 min) and 2^31 ms must not wrap.
  const std::uint32_t times[] = {0,          0x00FFFFF0, 0x00FFFFFF, 0x01000000,
                                 0x01000021, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE};
  writer w;
  bytes out;
  w.write_file_header(out);
  for (std::uint32_t t : times) ASSERT_FALSE(w.write_tag(tag_type::video, t, avc_key(), out));
  const auto res = read_flv(out, cycle({1}));
  ASSERT_FALSE(res.ec);
  ASSERT_EQ(res.tags.size(), std::size(times));
  for (std::size_t i = 0; i < res.tags.size(); ++i) {
    EXPECT_EQ(res.tags[i].timestamp, times[i]);
    EXPECT_EQ(res.tags[i].data, avc_key());
  }
}

TEST(flv, writer_summary_for_onmetadata) {
  writer w;
  bytes out;
  w.write_file_header(out);
  ASSERT_FALSE(w.write_tag(tag_type::video, 1000, avc_seq(), out));
  ASSERT_FALSE(w.write_tag(tag_type::audio, 1000, aac_seq(), out));
  const std::uint64_t first_key = w.bytes_written();
  ASSERT_FALSE(w.write_tag(tag_type::video, 1000, avc_key(), out));
  ASSERT_FALSE(w.write_tag(tag_type::audio, 1010, aac_raw(), out));
  ASSERT_FALSE(w.write_tag(tag_type::video, 1040, avc_inter(), out));
  const std::uint64_t second_key = w.bytes_written();
  ASSERT_FALSE(w.write_tag(tag_type::video, 3000, avc_key(), out));
  auto s = w.summary();
  EXPECT_EQ(s.first_timestamp, 1000u);
  EXPECT_EQ(s.max_timestamp, 3000u);
  EXPECT_EQ(s.duration_ms, 2000u);
  EXPECT_EQ(s.file_size, out.size());
  EXPECT_EQ(s.audio_data_size, aac_seq().size() + aac_raw().size());
  EXPECT_TRUE(s.last_is_keyframe);
  ASSERT_EQ(s.keyframes.size(), 2u);
  EXPECT_EQ(s.keyframes[0].offset, first_key);
  EXPECT_EQ(s.keyframes[1].offset, second_key);
  EXPECT_EQ(s.keyframes[1].timestamp, 3000u);
  // Inserting a 100-byte onMetaData body after the header moves everything by 115 bytes.
  s = w.summary(script_tag_footprint(100));
  EXPECT_EQ(s.file_size, out.size() + 115);
  EXPECT_EQ(s.keyframes[0].offset, first_key + 115);
  // The positions agree with what the index finds in the written file.
  file_index idx;
  ASSERT_FALSE(build_index(out, idx));
  ASSERT_EQ(idx.keyframes.size(), 2u);
  EXPECT_EQ(idx.keyframes[1].offset, second_key);
  ASSERT_FALSE(w.write_tag(tag_type::video, 3040, avc_inter(), out));
  EXPECT_FALSE(w.summary().last_is_keyframe);
}

}  // namespace
}  // namespace lectern::shared::flv
