// flv_recorder: the sample FLV replayed as a live stream into recordings, read back through
// the FLV index (strict back-pointers): start at a keyframe, rebased and appended timelines,
// what a flush leaves on disk for a SIGKILL, a torn tail after a crash, and the errors.
#include "flv_recorder.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>

#include "lectern/shared/error.hpp"
#include "lectern/shared/flv_index.hpp"
#include "mapped_file.hpp"
#include "recording_error.hpp"
#include "recording_test_util.hpp"

namespace lectern::server {
namespace {

using namespace std::chrono_literals;
using test::index_file;
using test::k_sample_last_timestamp;
using test::k_sample_media_tags;
using test::k_sample_second_keyframe;
using test::sample_stream;
using test::scratch_dir;
namespace flv = shared::flv;

std::unique_ptr<flv_recorder> open_ok(const std::filesystem::path& p,
                                      flv_recorder::mode m = flv_recorder::mode::record,
                                      flv_recorder::options o = {}) {
  std::error_code ec;
  auto r = flv_recorder::open(p, m, o, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_NE(r, nullptr);
  return r;
}

void record(flv_recorder& r, const test::live_stream& s) {
  for (const auto& m : s.media) ASSERT_FALSE(r.write(m));
}

// The whole sample, rebased from a live timeline that started long ago.
TEST(flv_recorder, records_a_stream_that_indexes_cleanly) {
  scratch_dir dir;
  const auto s = sample_stream(5'000'000'000);  // past 2^32 ms: 64-bit live timestamps
  auto r = open_ok(dir / "class.flv");
  ASSERT_FALSE(r->write_metadata(s.metadata));
  record(*r, s);
  EXPECT_EQ(r->duration_ms(), k_sample_last_timestamp);
  ASSERT_FALSE(r->close());
  EXPECT_EQ(r->bytes_written(), std::filesystem::file_size(dir / "class.flv"));

  const auto f = index_file(dir / "class.flv");
  ASSERT_FALSE(f.ec) << f.ec.message();
  EXPECT_EQ(f.index.previous_size_mismatches, 0u);
  ASSERT_EQ(f.index.tags.size(), 1 + k_sample_media_tags);
  // onMetaData directly after the header, without the publisher's duration and filesize.
  const auto& first = f.index.tags[0];
  EXPECT_EQ(first.type, flv::tag_type::script);
  EXPECT_EQ(first.offset, 13u);
  const auto md = test::on_metadata_of(f.data(first));
  ASSERT_TRUE(md);
  EXPECT_EQ(md->member("width")->as_number(), 160);
  EXPECT_EQ(md->member("duration"), nullptr);
  EXPECT_EQ(md->member("filesize"), nullptr);
  // Then the file starts decodable: both sequence headers, then the keyframe, all at 0.
  EXPECT_TRUE(f.index.tags[1].sequence_header);
  EXPECT_TRUE(f.index.tags[2].sequence_header);
  EXPECT_TRUE(f.index.tags[3].keyframe);
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(f.index.tags[i].timestamp, 0u);
  ASSERT_EQ(f.index.keyframes.size(), 2u);
  EXPECT_EQ(f.index.keyframes[0].timestamp, 0u);
  EXPECT_EQ(f.index.keyframes[1].timestamp, k_sample_second_keyframe);
  EXPECT_EQ(f.index.keyframes[1].video_config, 1u);
  EXPECT_EQ(f.index.keyframes[1].audio_config, 2u);
  EXPECT_EQ(f.index.max_timestamp, k_sample_last_timestamp);
  // Every payload arrives unchanged.
  std::size_t video = 0, audio = 0;
  for (const auto& m : s.media) (m.is_video() ? video : audio)++;
  EXPECT_EQ(f.count(flv::tag_type::video), video);
  EXPECT_EQ(f.count(flv::tag_type::audio), audio);
}

TEST(flv_recorder, starts_mid_stream_at_the_next_keyframe) {
  scratch_dir dir;
  const auto s = sample_stream(700);
  auto r = open_ok(dir / "late.flv");
  // Recording starts after the first keyframe: the headers went by earlier (the server
  // replays them), frames before the next keyframe cannot be decoded.
  std::size_t first_frame = 0;
  while (!s.media[first_frame].keyframe) ++first_frame;
  for (std::size_t i = 0; i < s.media.size(); ++i) {
    if (s.media[i].sequence_header || i > first_frame) {
      ASSERT_FALSE(r->write(s.media[i]));
    }
  }
  EXPECT_GT(r->dropped_frames(), 0u);
  ASSERT_FALSE(r->close());

  const auto f = index_file(dir / "late.flv");
  ASSERT_FALSE(f.ec);
  ASSERT_GE(f.index.tags.size(), 3u);
  EXPECT_TRUE(f.index.tags[0].sequence_header);
  EXPECT_TRUE(f.index.tags[1].sequence_header);
  EXPECT_TRUE(f.index.tags[2].keyframe);
  EXPECT_EQ(f.index.tags[2].timestamp, 0u);  // rebased on the keyframe (1000 + 700 live)
  ASSERT_EQ(f.index.keyframes.size(), 1u);
  EXPECT_EQ(f.index.max_timestamp, k_sample_last_timestamp - k_sample_second_keyframe);
}

// A kill -9 loses only the buffer: what the last flush wrote is a complete FLV. This writes,
// flushes on the interval, writes more without flushing, and reads the file while the
// recorder is still open, which is exactly what a killed process leaves.
TEST(flv_recorder, flushed_data_is_readable_before_close) {
  scratch_dir dir;
  const auto s = sample_stream();
  const auto p = dir / "live.flv";
  auto r = open_ok(p);
  ASSERT_FALSE(r->write_metadata(s.metadata));
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  r->tick(t0);
  const std::size_t half = s.media.size() / 2;
  for (std::size_t i = 0; i < half; ++i) ASSERT_FALSE(r->write(s.media[i]));
  r->tick(t0 + 999ms);  // not yet
  EXPECT_EQ(std::filesystem::file_size(p), 0u);
  r->tick(t0 + 1000ms);
  const auto flushed_size = std::filesystem::file_size(p);
  EXPECT_EQ(flushed_size, r->bytes_written());
  for (std::size_t i = half; i < s.media.size(); ++i) ASSERT_FALSE(r->write(s.media[i]));
  EXPECT_EQ(std::filesystem::file_size(p), flushed_size);  // buffered only

  const auto f = index_file(p);
  ASSERT_FALSE(f.ec) << f.ec.message();
  EXPECT_EQ(f.index.end_offset, flushed_size);
  EXPECT_EQ(f.media_tags(), half);
  const auto keys = std::count_if(s.media.begin(), s.media.begin() + std::ptrdiff_t(half),
                                  [](const auto& m) { return m.keyframe; });
  EXPECT_EQ(f.index.keyframes.size(), std::size_t(keys));
  EXPECT_TRUE(test::on_metadata_of(f.data(f.index.tags[0])));

  r->tick(t0 + 2000ms);
  EXPECT_EQ(std::filesystem::file_size(p), r->bytes_written());
  EXPECT_EQ(index_file(p).media_tags(), k_sample_media_tags);
}

TEST(flv_recorder, flushes_when_the_buffer_is_full) {
  scratch_dir dir;
  const auto s = sample_stream();
  flv_recorder::options o;
  o.flush_bytes = 4096;
  auto r = open_ok(dir / "big.flv", flv_recorder::mode::record, o);
  record(*r, s);
  const auto on_disk = std::filesystem::file_size(dir / "big.flv");
  EXPECT_GT(on_disk, 0u);
  EXPECT_LT(r->bytes_written() - on_disk, 4096u + 6000u);  // at most one big frame beyond
  const auto f = index_file(dir / "big.flv");
  EXPECT_FALSE(f.ec);
  EXPECT_EQ(f.index.end_offset, on_disk);
}

// The real thing: a child process records, flushes, buffers more, and is SIGKILLed.
TEST(flv_recorder, survives_sigkill_up_to_the_last_flush) {
  scratch_dir dir;
  const auto s = sample_stream();
  const auto p = dir / "killed.flv";
  const std::size_t flushed = 70;
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::error_code ec;
    auto r = flv_recorder::open(p, flv_recorder::mode::record, {}, ec);
    if (!r) ::_exit(2);
    for (std::size_t i = 0; i < s.media.size(); ++i) {
      if (r->write(s.media[i])) ::_exit(3);
      if (i + 1 == flushed && r->flush()) ::_exit(4);
    }
    ::kill(::getpid(), SIGKILL);
    ::_exit(5);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exit " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  const auto f = index_file(p);
  ASSERT_FALSE(f.ec) << f.ec.message();
  EXPECT_EQ(f.media_tags(), flushed);
  EXPECT_EQ(f.index.end_offset, f.bytes.size());
  // And a new session can append to it at once: the dead process's lock died with it.
  auto r = open_ok(p, flv_recorder::mode::append);
  EXPECT_FALSE(r->close());
}

// A failed write(2) (here EFBIG from a file size limit, as ENOSPC would be) stops the
// recording: the error sticks and the file keeps what was written, torn tail and all.
TEST(flv_recorder, write_error_is_sticky) {
  scratch_dir dir;
  const auto s = sample_stream();
  const auto p = dir / "full.flv";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{10000, 10000};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(2);
    std::error_code ec;
    auto r = flv_recorder::open(p, flv_recorder::mode::record, {}, ec);
    if (!r) ::_exit(3);
    for (const auto& m : s.media)
      if (r->write(m)) ::_exit(4);
    const auto failed = r->flush();
    if (failed != std::errc::file_too_large) ::_exit(5);
    if (r->error() != failed || r->write(s.media.back()) != failed) ::_exit(6);
    r->tick(std::chrono::steady_clock::now());
    r->tick(std::chrono::steady_clock::now() + 1h);  // no crash, no retry
    ::_exit(r->close() == failed ? 0 : 7);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(std::filesystem::file_size(p), 10000u);
  const auto bytes = test::read_file(p);
  flv::file_index index;
  flv::index_options o;
  o.recover = true;
  EXPECT_FALSE(flv::build_index(bytes, index, o));
  EXPECT_GT(index.tags.size(), 3u);
}

TEST(flv_recorder, append_continues_after_the_last_timestamp) {
  scratch_dir dir;
  const auto p = dir / "lesson.flv";
  const auto s = sample_stream(42);
  {
    auto r = open_ok(p);
    ASSERT_FALSE(r->write_metadata(s.metadata));
    record(*r, s);
    ASSERT_FALSE(r->close());
  }
  const auto first_size = std::filesystem::file_size(p);
  {
    // The publisher reconnects: its live timeline starts again near 0.
    auto r = open_ok(p, flv_recorder::mode::append);
    EXPECT_EQ(r->bytes_written(), first_size);
    EXPECT_EQ(r->duration_ms(), k_sample_last_timestamp);
    record(*r, sample_stream(0));
    EXPECT_EQ(r->duration_ms(), 2 * k_sample_last_timestamp + 1);
    ASSERT_FALSE(r->close());
  }
  const auto f = index_file(p);
  ASSERT_FALSE(f.ec) << f.ec.message();
  EXPECT_EQ(f.media_tags(), 2 * k_sample_media_tags);
  ASSERT_EQ(f.index.keyframes.size(), 4u);
  EXPECT_EQ(f.index.keyframes[2].timestamp, k_sample_last_timestamp + 1);
  EXPECT_EQ(f.index.keyframes[3].timestamp, k_sample_last_timestamp + 1 + 1000);
  EXPECT_TRUE(f.index.keyframes_sorted);
  // The appended part repeats its sequence headers before its keyframe.
  const auto& k2 = f.index.keyframes[2];
  EXPECT_GT(k2.video_config, f.index.keyframes[1].tag);
  EXPECT_GT(k2.audio_config, f.index.keyframes[1].tag);
  // Video never goes back in time.
  std::uint32_t last_video = 0;
  for (const auto& t : f.index.tags) {
    if (t.type != flv::tag_type::video) continue;
    EXPECT_GE(t.timestamp, last_video);
    last_video = t.timestamp;
  }
}

TEST(flv_recorder, append_cuts_a_torn_tail) {
  scratch_dir dir;
  const auto p = dir / "crashed.flv";
  {
    auto r = open_ok(p);
    record(*r, sample_stream());
    ASSERT_FALSE(r->close());
  }
  // A crash in the middle of a write(2): the last tag is cut 5 bytes into its data.
  auto f = index_file(p);
  const auto& last = f.index.tags.back();
  const auto cut = last.offset + 11 + 5;
  std::filesystem::resize_file(p, cut);
  {
    auto r = open_ok(p, flv_recorder::mode::append);
    EXPECT_EQ(r->bytes_written(), last.offset);
    EXPECT_EQ(std::filesystem::file_size(p), last.offset);
    record(*r, sample_stream());
    ASSERT_FALSE(r->close());
  }
  f = index_file(p);
  ASSERT_FALSE(f.ec) << f.ec.message();
  EXPECT_EQ(f.index.skipped_bytes, 0u);
  EXPECT_EQ(f.media_tags(), 2 * k_sample_media_tags - 1);
}

TEST(flv_recorder, append_to_an_empty_or_header_torn_file_starts_it_over) {
  scratch_dir dir;
  for (const auto& prefix : {shared::bytes{}, shared::bytes{'F', 'L'},
                             shared::bytes{'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0}}) {
    const auto p = dir / "torn.flv";
    test::write_file(p, prefix);
    auto r = open_ok(p, flv_recorder::mode::append);
    record(*r, sample_stream());
    ASSERT_FALSE(r->close());
    const auto f = index_file(p);
    EXPECT_FALSE(f.ec) << f.ec.message();
    EXPECT_EQ(f.media_tags(), k_sample_media_tags);
    EXPECT_EQ(f.index.tags[0].timestamp, 0u);
  }
}

TEST(flv_recorder, append_refuses_a_file_that_is_not_flv) {
  scratch_dir dir;
  const auto p = dir / "notes.flv";
  const shared::bytes text = {'h', 'e', 'l', 'l', 'o',  ' ', 'w',
                              'o', 'r', 'l', 'd', '\n', '!', '!'};
  test::write_file(p, text);
  std::error_code ec;
  EXPECT_EQ(flv_recorder::open(p, flv_recorder::mode::append, {}, ec), nullptr);
  EXPECT_EQ(ec, shared::error::flv_bad_signature);
  EXPECT_EQ(test::read_file(p), text);  // untouched
  EXPECT_EQ(flv_recorder::open(dir.path(), flv_recorder::mode::append, {}, ec), nullptr);
  EXPECT_EQ(ec, recording_error::not_a_file);
}

TEST(flv_recorder, record_replaces_a_file_without_disturbing_its_readers) {
  scratch_dir dir;
  const auto p = dir / "again.flv";
  {
    auto r = open_ok(p);
    record(*r, sample_stream());
    ASSERT_FALSE(r->close());
  }
  std::error_code ec;
  const auto old = mapped_file::open(p, ec);  // a VOD player of the old recording
  ASSERT_FALSE(ec);
  const shared::bytes before(old.data().begin(), old.data().end());
  auto r = open_ok(p);
  ASSERT_FALSE(r->close());
  EXPECT_EQ(std::filesystem::file_size(p), 13u);  // new, empty recording: header only
  EXPECT_TRUE(std::equal(before.begin(), before.end(), old.data().begin(), old.data().end()));
}

TEST(flv_recorder, one_recorder_per_file) {
  scratch_dir dir;
  auto r = open_ok(dir / "one.flv");
  std::error_code ec;
  EXPECT_EQ(flv_recorder::open(dir / "one.flv", flv_recorder::mode::append, {}, ec), nullptr);
  EXPECT_EQ(ec, recording_error::busy);
  EXPECT_EQ(flv_recorder::open(dir / "one.flv", flv_recorder::mode::record, {}, ec), nullptr);
  EXPECT_EQ(ec, recording_error::busy);
  ASSERT_FALSE(r->close());
  EXPECT_NE(flv_recorder::open(dir / "one.flv", flv_recorder::mode::append, {}, ec), nullptr);
}

TEST(flv_recorder, audio_only_stream_starts_without_a_keyframe) {
  scratch_dir dir;
  auto s = sample_stream(300);
  std::erase_if(s.media, [](const auto& m) { return m.is_video(); });
  auto r = open_ok(dir / "radio.flv");
  record(*r, s);
  ASSERT_FALSE(r->close());
  const auto f = index_file(dir / "radio.flv");
  ASSERT_FALSE(f.ec);
  EXPECT_EQ(f.count(flv::tag_type::audio), s.media.size());
  EXPECT_TRUE(f.index.tags[0].sequence_header);
  EXPECT_EQ(f.index.tags[1].timestamp, 0u);  // rebased on the first audio frame
  EXPECT_EQ(r->dropped_frames(), 0u);
}

TEST(flv_recorder, audio_before_the_first_video_waits_for_the_keyframe) {
  scratch_dir dir;
  const auto s = sample_stream();
  auto r = open_ok(dir / "av.flv");
  // Two audio frames arrive before anything of the video.
  std::vector<shared::media_message> order;
  for (const auto& m : s.media)
    if (m.is_audio() && !m.sequence_header && order.size() < 2) order.push_back(m);
  for (const auto& m : order) ASSERT_FALSE(r->write(m));
  record(*r, s);
  ASSERT_FALSE(r->close());
  const auto f = index_file(dir / "av.flv");
  ASSERT_FALSE(f.ec);
  EXPECT_TRUE(f.index.tags[0].sequence_header);
  EXPECT_EQ(f.index.keyframes.front().tag, 2u);  // the pending audio was dropped
  EXPECT_EQ(f.media_tags(), k_sample_media_tags);
}

TEST(flv_recorder, writes_changed_sequence_headers_only) {
  scratch_dir dir;
  const auto s = sample_stream();
  auto r = open_ok(dir / "cfg.flv");
  record(*r, s);
  const auto config = std::find_if(s.media.begin(), s.media.end(),
                                   [](const auto& m) { return m.is_video() && m.sequence_header; });
  auto same = *config;
  same.timestamp = 2200;
  ASSERT_FALSE(r->write(same));  // resent unchanged: skipped
  auto changed = same;
  auto payload = *changed.payload;
  payload.push_back(0);  // a different configuration (e.g. a new resolution)
  changed.payload = std::make_shared<const shared::bytes>(payload);
  ASSERT_FALSE(r->write(changed));
  ASSERT_FALSE(r->close());
  const auto f = index_file(dir / "cfg.flv");
  ASSERT_FALSE(f.ec);
  EXPECT_EQ(f.media_tags(), k_sample_media_tags + 1);
  EXPECT_TRUE(f.index.tags.back().sequence_header);
  EXPECT_EQ(f.index.tags.back().timestamp, 2200u);
}

TEST(flv_recorder, metadata_after_the_start_is_a_new_tag) {
  scratch_dir dir;
  const auto s = sample_stream();
  auto r = open_ok(dir / "md.flv");
  ASSERT_FALSE(r->write_metadata(shared::amf::object{}.set("width", 1.0)));
  ASSERT_FALSE(r->write_metadata(s.metadata));  // the latest before the start wins
  record(*r, s);
  ASSERT_FALSE(r->write_metadata(s.metadata));
  ASSERT_FALSE(r->close());
  const auto f = index_file(dir / "md.flv");
  ASSERT_FALSE(f.ec);
  EXPECT_EQ(f.count(flv::tag_type::script), 2u);
  EXPECT_EQ(test::on_metadata_of(f.data(f.index.tags[0]))->member("width")->as_number(), 160);
  EXPECT_EQ(f.index.tags.back().type, flv::tag_type::script);
  EXPECT_EQ(f.index.tags.back().timestamp, k_sample_last_timestamp);
}

TEST(flv_recorder, errors) {
  scratch_dir dir;
  auto r = open_ok(dir / "e.flv");
  EXPECT_EQ(r->write_metadata(shared::amf::value(1.0)), recording_error::bad_metadata);
  shared::media_message data;
  data.type = shared::rtmp::message_type::data_amf0;
  data.payload = std::make_shared<const shared::bytes>(shared::bytes{2, 0, 0});
  EXPECT_EQ(r->write(data), recording_error::not_media);
  auto huge = sample_stream().media[0];
  huge.payload = std::make_shared<const shared::bytes>(flv::k_default_max_data_size + 1, 0x17);
  EXPECT_EQ(r->write(huge), shared::error::flv_tag_too_large);
  ASSERT_FALSE(r->close());
  EXPECT_FALSE(r->close());  // idempotent
  EXPECT_EQ(r->write(sample_stream().media[0]), recording_error::closed);
  EXPECT_EQ(r->write_metadata(shared::amf::object{}), recording_error::closed);
}

}  // namespace
}  // namespace lectern::server
