// A real FLV made by FFmpeg, read tag by tag and compared with what ffprobe reports; every
// split through the streaming reader, the index, the writer and damaged copies.
//
// tests/data/flv/testsrc_2s.flv was made with (FFmpeg 5.1, libx264, B-frames on so that
// composition times are not all 0; one command line, wrapped here):
//   ffmpeg -f lavfi -i testsrc=size=160x120:rate=15 -f lavfi -i sine=frequency=440 -t 2
//     -c:v libx264 -g 15 -bf 2 -preset ultrafast -c:a aac -b:a 32k -fflags +bitexact
//     tests/data/flv/testsrc_2s.flv
// and tests/data/flv/testsrc_2s.packets.csv with:
//   ffprobe -v error -show_entries packet=codec_type,pts,dts,size,pos,flags -of csv=p=0
//     tests/data/flv/testsrc_2s.flv
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "flv_test_util.hpp"
#include "lectern/shared/error.hpp"
#include "lectern/shared/flv.hpp"
#include "lectern/shared/flv_index.hpp"
#include "lectern/shared/flv_reader.hpp"
#include "lectern/shared/flv_tag.hpp"
#include "lectern/shared/flv_writer.hpp"

namespace lectern::shared::flv {
namespace {

// From `ffprobe -v error -show_packets tests/data/flv/testsrc_2s.flv` (ffprobe lists coded
// packets only: no onMetaData, no sequence headers, no AVC end of sequence).
constexpr std::size_t k_ffprobe_audio_packets = 88;
constexpr std::size_t k_ffprobe_video_packets = 30;
constexpr std::size_t k_ffprobe_video_keyframes = 2;
constexpr std::uint32_t k_first_video_dts = 0;  // pts=133: composition time 133 ms
constexpr std::int32_t k_first_video_cts = 133;
constexpr std::uint64_t k_first_video_pos = 384;
constexpr std::uint32_t k_first_audio_dts = 110;
constexpr std::uint64_t k_first_audio_pos = 6697;
constexpr std::uint32_t k_second_keyframe_dts = 1000;
constexpr std::uint64_t k_second_keyframe_pos = 16171;
constexpr std::uint32_t k_last_audio_dts = 2130;
// The FLV has, besides those packets: onMetaData, one AVC and one AAC sequence header, and
// the AVC end of sequence FFmpeg writes last.
constexpr std::size_t k_total_tags =
    1 + 1 + 1 + 1 + k_ffprobe_audio_packets + k_ffprobe_video_packets;

bytes load(const std::string& name) {
  std::ifstream in(std::string(LECTERN_TEST_DATA) + "/flv/" + name, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const bytes& sample() {
  static const bytes data = load("testsrc_2s.flv");  // immutable after first use
  return data;
}

using test::flv_read_result;
using test::flv_seen_tag;
using test::read_flv;
using test::read_flv_whole;
using test::reader_agrees_with_index;

TEST(flv_sample, matches_ffprobe_summary) {
  const auto res = read_flv_whole(sample());
  ASSERT_FALSE(res.ec);
  ASSERT_EQ(res.tags.size(), k_total_tags);
  EXPECT_EQ(res.tags[0].type, tag_type::script);
  std::size_t audio = 0, video = 0, keys = 0, audio_config = 0, video_config = 0;
  const flv_seen_tag* first_video = nullptr;
  const flv_seen_tag* first_audio = nullptr;
  const flv_seen_tag* last_audio = nullptr;
  std::vector<const flv_seen_tag*> keyframes;
  for (const auto& t : res.tags) {
    if (t.type == tag_type::video) {
      video_header h;
      ASSERT_FALSE(parse_video_header(t.data, h));
      EXPECT_EQ(h.fourcc, k_fourcc_avc1);
      video_config += h.is_sequence_header();
      if (!h.has_frames()) continue;
      ++video;
      if (!first_video) first_video = &t;
      if (h.is_keyframe()) keyframes.push_back(&t);
    } else if (t.type == tag_type::audio) {
      audio_header h;
      ASSERT_FALSE(parse_audio_header(t.data, h));
      EXPECT_EQ(h.fourcc, k_fourcc_mp4a);
      audio_config += h.is_sequence_header();
      if (h.is_sequence_header()) continue;
      ++audio;
      if (!first_audio) first_audio = &t;
      last_audio = &t;
    }
  }
  keys = keyframes.size();
  EXPECT_EQ(audio, k_ffprobe_audio_packets);
  EXPECT_EQ(video, k_ffprobe_video_packets);
  EXPECT_EQ(keys, k_ffprobe_video_keyframes);
  EXPECT_EQ(audio_config, 1u);
  EXPECT_EQ(video_config, 1u);
  ASSERT_TRUE(first_video && first_audio && last_audio && keys == 2);
  EXPECT_EQ(first_video->timestamp, k_first_video_dts);
  EXPECT_EQ(first_video->offset, k_first_video_pos);
  video_header first;
  ASSERT_FALSE(parse_video_header(first_video->data, first));
  EXPECT_EQ(first.composition_time, k_first_video_cts);
  EXPECT_EQ(first_audio->timestamp, k_first_audio_dts);
  EXPECT_EQ(first_audio->offset, k_first_audio_pos);
  EXPECT_EQ(keyframes[1]->timestamp, k_second_keyframe_dts);
  EXPECT_EQ(keyframes[1]->offset, k_second_keyframe_pos);
  EXPECT_EQ(last_audio->timestamp, k_last_audio_dts);
}

TEST(flv_sample, matches_ffprobe_packet_by_packet) {
  std::ifstream csv(std::string(LECTERN_TEST_DATA) + "/flv/testsrc_2s.packets.csv");
  ASSERT_TRUE(csv);
  const auto res = read_flv_whole(sample());
  ASSERT_FALSE(res.ec);
  std::size_t i = 0;
  std::string line;
  std::size_t rows = 0;
  while (std::getline(csv, line)) {
    ++rows;
    std::replace(line.begin(), line.end(), ',', ' ');
    std::istringstream fields(line);
    std::string type, flags;
    std::int64_t pts = 0, dts = 0, size = 0;
    std::uint64_t pos = 0;
    ASSERT_TRUE(fields >> type >> pts >> dts >> size >> pos >> flags) << line;
    // Skip the tags ffprobe does not list as packets.
    std::uint32_t header_size = 0;
    std::int32_t cts = 0;
    bool key = false;
    for (;; ++i) {
      ASSERT_LT(i, res.tags.size()) << line;
      const auto& t = res.tags[i];
      if (t.type == tag_type::video) {
        video_header h;
        ASSERT_FALSE(parse_video_header(t.data, h));
        if (!h.has_frames()) continue;
        header_size = h.header_size, cts = h.composition_time, key = h.is_keyframe();
        break;
      }
      if (t.type == tag_type::audio) {
        audio_header h;
        ASSERT_FALSE(parse_audio_header(t.data, h));
        if (h.is_sequence_header()) continue;
        header_size = h.header_size, key = true;  // ffprobe flags every AAC packet K
        break;
      }
    }
    const auto& t = res.tags[i++];
    EXPECT_EQ(type, t.type == tag_type::video ? "video" : "audio") << line;
    EXPECT_EQ(dts, t.timestamp) << line;
    EXPECT_EQ(pts - dts, cts) << line;
    EXPECT_EQ(size, static_cast<std::int64_t>(t.data.size() - header_size)) << line;
    EXPECT_EQ(pos, t.offset) << line;
    EXPECT_EQ(flags[0] == 'K', key) << line;
  }
  EXPECT_EQ(rows, k_ffprobe_audio_packets + k_ffprobe_video_packets);
}

TEST(flv_sample, every_split_yields_the_same_tags) {
  const bytes& f = sample();
  const auto whole = read_flv_whole(f);
  ASSERT_FALSE(whole.ec);
  EXPECT_EQ(read_flv(f, [] { return 1; }).tags, whole.tags);
  for (unsigned seed : {1u, 2u, 3u, 42u, 1234u}) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::size_t> small(1, 32), large(1, 8192);
    const auto res = read_flv(f, [&] { return (rng() & 1) ? small(rng) : large(rng); });
    EXPECT_FALSE(res.ec) << seed;
    EXPECT_EQ(res.tags, whole.tags) << seed;
  }
  // Two pieces split at every offset of the first tags, and at a stride after that.
  for (std::size_t cut = 1; cut < f.size(); cut += cut < 1200 ? 1 : 97) {
    bool first = true;
    const auto res = read_flv(f, [&] { return first ? (first = false, cut) : f.size(); });
    ASSERT_EQ(res.tags, whole.tags) << cut;
  }
}

TEST(flv_sample, writer_reproduces_the_file) {
  const bytes& f = sample();
  const auto res = read_flv_whole(f);
  ASSERT_FALSE(res.ec);
  file_header h;
  ASSERT_FALSE(parse_file_header(f, h));
  writer w(h);
  bytes out;
  w.write_file_header(out);
  for (const auto& t : res.tags) ASSERT_FALSE(w.write_tag(t.type, t.timestamp, t.data, out));
  EXPECT_EQ(out, f);
  const auto s = w.summary();
  ASSERT_EQ(s.keyframes.size(), k_ffprobe_video_keyframes);
  EXPECT_EQ(s.keyframes[1].offset, k_second_keyframe_pos);
  EXPECT_EQ(s.file_size, f.size());
  EXPECT_EQ(s.max_timestamp, k_last_audio_dts);  // the AVC end of sequence comes later, at 1933
}

TEST(flv_sample, index_seeks_to_the_keyframe_at_or_before) {
  file_index idx;
  ASSERT_FALSE(build_index(sample(), idx));
  EXPECT_EQ(idx.tags.size(), k_total_tags);
  ASSERT_EQ(idx.keyframes.size(), k_ffprobe_video_keyframes);
  EXPECT_EQ(idx.seek(0)->offset, k_first_video_pos);
  EXPECT_EQ(idx.seek(999)->offset, k_first_video_pos);
  EXPECT_EQ(idx.seek(1000)->offset, k_second_keyframe_pos);
  EXPECT_EQ(idx.seek(1500)->offset, k_second_keyframe_pos);
  // The decoder configuration for a seek: tags 1 (AVC) and 2 (AAC).
  EXPECT_EQ(idx.seek(1500)->video_config, 1u);
  EXPECT_EQ(idx.seek(1500)->audio_config, 2u);
  EXPECT_EQ(idx.max_timestamp, k_last_audio_dts);
}

TEST(flv_sample, truncation_at_any_offset_errors_cleanly) {
  const bytes& f = sample();
  file_index full;
  ASSERT_FALSE(build_index(f, full));
  std::vector<std::size_t> cuts;
  for (std::size_t n = 0; n <= 600; ++n) cuts.push_back(n);
  for (const auto& t : full.tags)
    for (std::size_t d : {0, 1, 2, 11, 12})
      cuts.push_back(static_cast<std::size_t>(t.offset) + t.data_size + 15 - d);
  for (std::size_t n : cuts) {
    const byte_view prefix = byte_view(f).first(n);
    const auto res = read_flv(prefix, [] { return 7; });
    EXPECT_TRUE(reader_agrees_with_index(prefix, res, false)) << n;
    bool at_boundary = n == 13;
    for (const auto& t : full.tags) at_boundary |= n == t.offset + t.data_size + 15;
    EXPECT_EQ(res.ec, at_boundary ? std::error_code() : make_error_code(error::truncated)) << n;
    for (std::size_t i = 0; i < res.tags.size(); ++i)
      EXPECT_EQ(res.tags[i].offset, full.tags[i].offset);
  }
}

// --- single-byte damage ------------------------------------------------------------------

// What a byte of the intact file is (E.2, E.3, E.4.1), and the tag it belongs to.
enum class part { file_header, previous_size0, type, data_size, timestamp, stream_id, data, back };

struct byte_role {
  part what = part::file_header;
  std::size_t tag = 0;
  std::size_t rel = 0;  // offset inside the file header or the tag
};

byte_role role_of(const file_index& idx, std::size_t i) {
  if (i < k_file_header_size) return {part::file_header, 0, i};
  if (i < k_file_header_size + k_previous_size_size) return {part::previous_size0, 0, i - 9};
  const auto it =
      std::upper_bound(idx.tags.begin(), idx.tags.end(), i,
                       [](std::size_t at, const tag_entry& t) { return at < t.offset; });
  const auto k = static_cast<std::size_t>(it - idx.tags.begin()) - 1;
  const std::size_t rel = i - static_cast<std::size_t>(idx.tags[k].offset);
  const part what = rel == 0                           ? part::type
                    : rel < 4                          ? part::data_size
                    : rel < 8                          ? part::timestamp
                    : rel < 11                         ? part::stream_id
                    : rel < 11 + idx.tags[k].data_size ? part::data
                                                       : part::back;
  return {what, k, rel};
}

// Every byte of the first 400 (file header, onMetaData, sequence headers, first frames),
// every tag's header and back-pointer, the first, middle and last byte of its data, and a
// stride through the rest.
std::vector<std::size_t> damage_sites(const file_index& idx, std::size_t size) {
  std::vector<std::size_t> sites;
  for (std::size_t i = 0; i < size; i += i < 400 ? 1 : 37) sites.push_back(i);
  for (const auto& t : idx.tags) {
    const auto at = static_cast<std::size_t>(t.offset);
    for (std::size_t d = 0; d < 11; ++d) sites.push_back(at + d);
    if (t.data_size > 0) {
      for (std::size_t d :
           {std::size_t(0), std::size_t(t.data_size / 2), std::size_t(t.data_size - 1)})
        sites.push_back(at + 11 + d);
    }
    for (std::size_t d = 0; d < 4; ++d) sites.push_back(at + 11 + t.data_size + d);
  }
  std::sort(sites.begin(), sites.end());
  sites.erase(std::unique(sites.begin(), sites.end()), sites.end());
  return sites;
}

std::vector<flv_seen_tag> first(const flv_read_result& r, std::size_t k) {
  return {r.tags.begin(), r.tags.begin() + static_cast<std::ptrdiff_t>(k)};
}

bool is_tag_type(std::uint8_t b) {
  return b == 8 || b == 9 || b == 18;
}

// The effect of XOR-ing `mask` into the byte at `role`, read tolerantly and strictly, as a
// player would see it: damage to data, timestamps or back-pointers changes exactly that and
// nothing else; damage to framing fields stops reading at the damaged tag, keeping the tags
// before it.
void expect_effect(const byte_role& role, std::uint8_t mask, const flv_read_result& intact,
                   const flv_read_result& tolerant, const flv_read_result& strict) {
  const std::size_t k = role.tag;
  std::vector<flv_seen_tag> patched = intact.tags;  // what a benign change yields
  switch (role.what) {
    case part::file_header:
      if (role.rel < 3) {
        EXPECT_EQ(tolerant.ec, error::flv_bad_signature);
      } else if (role.rel == 3) {
        EXPECT_EQ(tolerant.ec, error::flv_bad_header);
      } else if (role.rel == 4) {
        EXPECT_EQ(tolerant.tags, intact.tags);  // TypeFlags: nothing relies on them
      }
      return;
    case part::previous_size0:
      EXPECT_EQ(tolerant.tags, intact.tags);
      EXPECT_EQ(tolerant.previous_size_mismatches, 1u);
      EXPECT_EQ(strict.ec, error::flv_previous_size_mismatch);
      EXPECT_TRUE(strict.tags.empty());
      return;
    case part::back:
      EXPECT_EQ(tolerant.tags, intact.tags);
      EXPECT_EQ(tolerant.previous_size_mismatches, 1u);
      EXPECT_EQ(strict.ec, error::flv_previous_size_mismatch);
      EXPECT_EQ(strict.tags, first(intact, k));
      return;
    case part::stream_id:
      EXPECT_EQ(tolerant.ec, error::flv_bad_tag);
      EXPECT_EQ(tolerant.tags, first(intact, k));
      return;
    case part::data_size:  // the back-pointer, or the header after it, no longer fits
      EXPECT_TRUE(strict.ec);
      EXPECT_EQ(strict.tags, first(intact, k));
      ASSERT_GE(tolerant.tags.size(), k);
      EXPECT_EQ(first(tolerant, k), first(intact, k));
      return;
    case part::type: {
      const auto b =
          static_cast<std::uint8_t>(static_cast<std::uint8_t>(intact.tags[k].type) ^ mask);
      if (!is_tag_type(b)) {
        EXPECT_TRUE(tolerant.ec);
        EXPECT_EQ(tolerant.tags, first(intact, k));
        return;
      }
      patched[k].type = static_cast<tag_type>(b);
      break;
    }
    case part::timestamp:
      patched[k].timestamp ^= std::uint32_t(mask) << (role.rel == 7 ? 24 : 8 * (6 - role.rel));
      break;
    case part::data:
      patched[k].data[role.rel - 11] ^= mask;
      break;
  }
  EXPECT_FALSE(tolerant.ec);
  EXPECT_FALSE(strict.ec);
  EXPECT_EQ(tolerant.tags, patched);
  EXPECT_EQ(strict.tags, patched);
  EXPECT_EQ(tolerant.previous_size_mismatches, 0u);
}

// Recover mode, in both strictness modes, loses at most the damaged tag and invents none.
void expect_recovered(byte_view damaged, const file_index& full, std::size_t k) {
  std::vector<std::uint64_t> want;
  for (const auto& t : full.tags) want.push_back(t.offset);
  for (bool strict : {false, true}) {
    file_index idx;
    ASSERT_EQ(build_index(damaged, idx, {.strict_previous_size = strict, .recover = true}),
              std::error_code())
        << strict;
    std::vector<std::uint64_t> got;
    for (const auto& t : idx.tags) got.push_back(t.offset);
    EXPECT_TRUE(std::includes(want.begin(), want.end(), got.begin(), got.end())) << strict;
    got.push_back(full.tags[k].offset);
    std::sort(got.begin(), got.end());
    EXPECT_TRUE(std::includes(got.begin(), got.end(), want.begin(), want.end())) << strict;
  }
}

TEST(flv_sample, every_single_byte_corruption_has_the_effect_a_player_expects) {
  const bytes& f = sample();
  file_index full;
  ASSERT_FALSE(build_index(f, full));
  const auto intact = read_flv_whole(f);
  ASSERT_FALSE(intact.ec);
  for (std::size_t i : damage_sites(full, f.size())) {
    const byte_role role = role_of(full, i);
    for (std::uint8_t mask : {std::uint8_t(0xFF), std::uint8_t(0x01), std::uint8_t(0x80)}) {
      SCOPED_TRACE(testing::Message() << "byte " << i << " ^ " << int(mask) << ", part "
                                      << int(role.what) << " of tag " << role.tag);
      bytes damaged = f;
      damaged[i] ^= mask;
      const auto tolerant = read_flv(damaged, [] { return 1000; });
      const auto strict = read_flv(damaged, [] { return 1000; }, {.strict_previous_size = true});
      ASSERT_TRUE(reader_agrees_with_index(damaged, tolerant, false));
      ASSERT_TRUE(reader_agrees_with_index(damaged, strict, true));
      expect_effect(role, mask, intact, tolerant, strict);
      if (role.what != part::file_header && role.what != part::previous_size0)
        expect_recovered(damaged, full, role.tag);
      for (const auto& t : tolerant.tags) {  // codec headers never read past the tag
        video_header v;
        audio_header a;
        if (t.type == tag_type::video && !parse_video_header(t.data, v)) {
          EXPECT_LE(v.header_size, t.data.size());
        }
        if (t.type == tag_type::audio && !parse_audio_header(t.data, a)) {
          EXPECT_LE(a.header_size, t.data.size());
        }
      }
    }
  }
}

}  // namespace
}  // namespace lectern::shared::flv
