// vod_source: the sample and recordings played back, seeks that land on keyframes after
// their sequence headers, files cut by a crash, and the errors of files that cannot play.
#include "vod_source.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string_view>
#include <vector>

#include "flv_recorder.hpp"
#include "lectern/shared/error.hpp"
#include "recording_error.hpp"
#include "recording_finalizer.hpp"
#include "recording_test_util.hpp"

namespace lectern::server {
namespace {

using test::k_sample_last_timestamp;
using test::k_sample_media_tags;
using test::k_sample_second_keyframe;
using test::sample_path;
using test::sample_stream;
using test::scratch_dir;

std::unique_ptr<vod_source> open_ok(const std::filesystem::path& p) {
  std::error_code ec;
  auto s = vod_source::open(p, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_NE(s, nullptr);
  return s;
}

std::vector<vod_item> drain(vod_source& s, std::size_t max = 100000) {
  std::vector<vod_item> out;
  vod_item it;
  while (out.size() < max && s.next(it)) out.push_back(it);
  return out;
}

TEST(vod_source, plays_the_sample_in_file_order) {
  auto s = open_ok(sample_path());
  EXPECT_EQ(s->duration_ms(), k_sample_last_timestamp);
  ASSERT_TRUE(s->metadata());
  EXPECT_EQ(s->metadata()->member("width")->as_number(), 160);
  const auto items = drain(*s);
  ASSERT_EQ(items.size(), 1 + k_sample_media_tags);
  EXPECT_TRUE(items[0].is_data);
  EXPECT_TRUE(test::on_metadata_of(items[0].data));
  // The same messages a publisher of this file sends, classified the same way.
  const auto live = sample_stream();
  for (std::size_t i = 0; i < live.media.size(); ++i) {
    const auto& got = items[i + 1];
    ASSERT_FALSE(got.is_data);
    EXPECT_EQ(got.timestamp, live.media[i].timestamp);
    EXPECT_EQ(got.media.type, live.media[i].type);
    EXPECT_EQ(got.media.keyframe, live.media[i].keyframe);
    EXPECT_EQ(got.media.sequence_header, live.media[i].sequence_header);
    EXPECT_EQ(*got.media.payload, *live.media[i].payload);
  }
}

TEST(vod_source, seek_lands_on_a_keyframe_after_its_sequence_headers) {
  auto s = open_ok(sample_path());
  EXPECT_EQ(s->seek(1500), k_sample_second_keyframe);
  const auto items = drain(*s);
  ASSERT_GE(items.size(), 4u);
  EXPECT_TRUE(items[0].media.is_video() && items[0].media.sequence_header);
  EXPECT_TRUE(items[1].media.is_audio() && items[1].media.sequence_header);
  EXPECT_TRUE(items[2].media.is_video() && items[2].media.keyframe);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(items[i].timestamp, k_sample_second_keyframe);
  EXPECT_EQ(items[2].media.timestamp, k_sample_second_keyframe);
  const auto latest =
      std::max_element(items.begin(), items.end(),
                       [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; });
  EXPECT_EQ(latest->timestamp, k_sample_last_timestamp);
  EXPECT_TRUE(std::none_of(items.begin(), items.end(), [](const auto& i) { return i.is_data; }));

  EXPECT_EQ(s->seek(999), 0u);  // the keyframe at or before
  EXPECT_EQ(s->seek(1000), k_sample_second_keyframe);
  EXPECT_EQ(s->seek(0), 0u);
  const auto from_start = drain(*s);
  EXPECT_TRUE(from_start[2].media.keyframe);
  EXPECT_EQ(from_start.size(), 2 + k_sample_media_tags - 2);  // headers replayed, no metadata
  EXPECT_EQ(s->seek(k_sample_last_timestamp + 1), k_sample_last_timestamp);  // the end
  vod_item it;
  EXPECT_FALSE(s->next(it));
}

TEST(vod_source, plays_a_finalized_recording_with_its_metadata) {
  scratch_dir dir;
  const auto p = dir / "class.flv";
  {
    std::error_code ec;
    auto r = flv_recorder::open(p, flv_recorder::mode::record, {}, ec);
    ASSERT_TRUE(r);
    const auto live = sample_stream(10);
    ASSERT_FALSE(r->write_metadata(live.metadata));
    for (const auto& m : live.media) ASSERT_FALSE(r->write(m));
    ASSERT_FALSE(r->close());
  }
  ASSERT_FALSE(recording_finalizer::finalize(p).ec);
  auto s = open_ok(p);
  ASSERT_TRUE(s->metadata());
  EXPECT_EQ(s->metadata()->member("duration")->as_number(), k_sample_last_timestamp / 1000.0);
  EXPECT_NE(s->metadata()->member("keyframes"), nullptr);
  EXPECT_EQ(s->seek(1200), k_sample_second_keyframe);
}

TEST(vod_source, plays_a_file_cut_by_a_crash_up_to_its_last_complete_tag) {
  scratch_dir dir;
  const auto p = dir / "cut.flv";
  auto bytes = test::read_file(sample_path());
  const auto full = test::index_file(sample_path());
  const auto& last = full.index.tags.back();
  bytes.resize(last.offset + 11 + 3);  // the last tag's data cut short
  test::write_file(p, bytes);
  auto s = open_ok(p);
  EXPECT_EQ(s->skipped_bytes(), 14u);
  EXPECT_EQ(drain(*s).size(), full.index.tags.size() - 1);
  EXPECT_EQ(s->seek(1900), k_sample_second_keyframe);
}

TEST(vod_source, audio_only_seeks_to_the_frame_at_or_before) {
  scratch_dir dir;
  const auto p = dir / "radio.flv";
  auto live = sample_stream();
  std::erase_if(live.media, [](const auto& m) { return m.is_video(); });
  {
    std::error_code ec;
    auto r = flv_recorder::open(p, flv_recorder::mode::record, {}, ec);
    ASSERT_TRUE(r);
    for (const auto& m : live.media) ASSERT_FALSE(r->write(m));
    ASSERT_FALSE(r->close());
  }
  auto s = open_ok(p);
  const auto at = s->seek(500);
  EXPECT_LE(at, 500u);
  EXPECT_GT(at, 450u);  // AAC frames are 23 ms apart
  const auto items = drain(*s, 2);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_TRUE(items[0].media.is_audio() && items[0].media.sequence_header);
  EXPECT_EQ(items[0].timestamp, at);
  EXPECT_FALSE(items[1].media.sequence_header);
  EXPECT_EQ(items[1].timestamp, at);
}

TEST(vod_source, header_only_recording_is_empty) {
  scratch_dir dir;
  const auto p = dir / "empty.flv";
  {
    std::error_code ec;
    auto r = flv_recorder::open(p, flv_recorder::mode::record, {}, ec);
    ASSERT_TRUE(r);
    ASSERT_FALSE(r->close());
  }
  auto s = open_ok(p);
  EXPECT_EQ(s->duration_ms(), 0u);
  EXPECT_EQ(s->seek(0), 0u);
  vod_item it;
  EXPECT_FALSE(s->next(it));
}

TEST(vod_source, errors_for_files_that_cannot_play) {
  scratch_dir dir;
  std::error_code ec;
  EXPECT_EQ(vod_source::open(dir / "missing.flv", ec), nullptr);
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
  EXPECT_EQ(vod_source::open(dir.path(), ec), nullptr);
  EXPECT_EQ(ec, recording_error::not_a_file);
  test::write_file(dir / "text.flv", shared::as_bytes("this is not a video file\n"));
  EXPECT_EQ(vod_source::open(dir / "text.flv", ec), nullptr);
  EXPECT_EQ(ec, shared::error::flv_bad_signature);
  test::write_file(dir / "zero.flv", shared::byte_view{});
  EXPECT_EQ(vod_source::open(dir / "zero.flv", ec), nullptr);
  EXPECT_EQ(ec, shared::error::truncated);
  test::write_file(dir / "v2.flv",
                   shared::as_bytes(std::string_view("FLV\x02\x05\0\0\0\x09\0\0\0\0", 13)));
  EXPECT_EQ(vod_source::open(dir / "v2.flv", ec), nullptr);
  EXPECT_EQ(ec, shared::error::flv_bad_header);
}

}  // namespace
}  // namespace lectern::server
