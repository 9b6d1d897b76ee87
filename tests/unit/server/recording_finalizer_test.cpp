// recording_finalizer: recordings rewritten with a seekable onMetaData (its keyframes point
// at keyframe tags of the new file), torn files finished, the lock, the queue and cleanup.
#include "recording_finalizer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include "flv_recorder.hpp"
#include "lectern/shared/error.hpp"
#include "lectern/shared/flv_index.hpp"
#include "recording_error.hpp"
#include "recording_test_util.hpp"

namespace lectern::server {
namespace {

using test::index_file;
using test::k_sample_last_timestamp;
using test::k_sample_media_tags;
using test::sample_stream;
using test::scratch_dir;
namespace flv = shared::flv;

void record_sample(const std::filesystem::path& p, bool with_metadata = true) {
  std::error_code ec;
  auto r = flv_recorder::open(p, flv_recorder::mode::record, {}, ec);
  ASSERT_TRUE(r) << ec.message();
  const auto s = sample_stream(1234);
  if (with_metadata) {
    ASSERT_FALSE(r->write_metadata(s.metadata));
  }
  for (const auto& m : s.media) ASSERT_FALSE(r->write(m));
  ASSERT_FALSE(r->close());
}

std::vector<double> numbers(const shared::amf::value* v) {
  std::vector<double> out;
  if (v == nullptr || !v->is<shared::amf::strict_array>()) return out;
  for (const auto& x : v->get_if<shared::amf::strict_array>()->items)
    out.push_back(x.as_number().value_or(-1));
  return out;
}

// Checks a finalized file: one onMetaData first whose numbers describe this very file.
void expect_seekable(const std::filesystem::path& p, std::uint32_t duration_ms,
                     std::size_t media_tags) {
  const auto f = index_file(p);
  ASSERT_FALSE(f.ec) << f.ec.message();
  EXPECT_EQ(f.media_tags(), media_tags);
  ASSERT_EQ(f.index.tags[0].type, flv::tag_type::script);
  EXPECT_EQ(f.count(flv::tag_type::script), 1u);
  const auto md = test::on_metadata_of(f.data(f.index.tags[0]));
  ASSERT_TRUE(md);
  EXPECT_EQ(md->member("duration")->as_number(), duration_ms / 1000.0);
  EXPECT_EQ(md->member("filesize")->as_number(), double(f.bytes.size()));
  EXPECT_EQ(md->member("hasVideo")->get_if<bool>() != nullptr, true);
  EXPECT_TRUE(*md->member("hasVideo")->get_if<bool>());
  EXPECT_TRUE(*md->member("hasAudio")->get_if<bool>());
  EXPECT_EQ(md->member("videocodecid")->as_number(), 7);   // AVC
  EXPECT_EQ(md->member("audiocodecid")->as_number(), 10);  // AAC
  const auto* keyframes = md->member("keyframes");
  ASSERT_NE(keyframes, nullptr);
  ASSERT_TRUE(keyframes->is<shared::amf::object>());
  const auto times = numbers(keyframes->member("times"));
  const auto positions = numbers(keyframes->member("filepositions"));
  ASSERT_EQ(times.size(), f.index.keyframes.size());
  ASSERT_EQ(positions.size(), f.index.keyframes.size());
  for (std::size_t i = 0; i < times.size(); ++i) {
    EXPECT_EQ(positions[i], double(f.index.keyframes[i].offset));
    EXPECT_EQ(times[i], f.index.keyframes[i].timestamp / 1000.0);
  }
  const auto last = f.index.keyframes.back();
  EXPECT_EQ(md->member("lastkeyframetimestamp")->as_number(), last.timestamp / 1000.0);
  EXPECT_EQ(md->member("lastkeyframelocation")->as_number(), double(last.offset));
}

TEST(recording_finalizer, adds_a_seekable_onmetadata) {
  scratch_dir dir;
  const auto p = dir / "class.flv";
  record_sample(p);
  const auto r = recording_finalizer::finalize(p);
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.duration_ms, k_sample_last_timestamp);
  EXPECT_EQ(r.file_size, std::filesystem::file_size(p));
  EXPECT_EQ(r.skipped_bytes, 0u);
  expect_seekable(p, k_sample_last_timestamp, k_sample_media_tags);
  // The publisher's fields are kept.
  const auto f = index_file(p);
  const auto md = test::on_metadata_of(f.data(f.index.tags[0]));
  EXPECT_EQ(md->member("width")->as_number(), 160);
  EXPECT_EQ(md->member("height")->as_number(), 120);
  EXPECT_FALSE(std::filesystem::exists(dir / "class.flv.tmp"));
}

TEST(recording_finalizer, works_without_publisher_metadata_and_is_idempotent) {
  scratch_dir dir;
  const auto p = dir / "bare.flv";
  record_sample(p, false);
  ASSERT_FALSE(recording_finalizer::finalize(p).ec);
  expect_seekable(p, k_sample_last_timestamp, k_sample_media_tags);
  const auto once = test::read_file(p);
  ASSERT_FALSE(recording_finalizer::finalize(p).ec);
  EXPECT_EQ(test::read_file(p), once);
}

TEST(recording_finalizer, refinalizes_an_appended_recording) {
  scratch_dir dir;
  const auto p = dir / "twice.flv";
  record_sample(p);
  ASSERT_FALSE(recording_finalizer::finalize(p).ec);
  {
    std::error_code ec;
    auto r = flv_recorder::open(p, flv_recorder::mode::append, {}, ec);
    ASSERT_TRUE(r);
    for (const auto& m : sample_stream().media) ASSERT_FALSE(r->write(m));
    ASSERT_FALSE(r->close());
  }
  ASSERT_FALSE(recording_finalizer::finalize(p).ec);
  expect_seekable(p, 2 * k_sample_last_timestamp + 1, 2 * k_sample_media_tags);
}

TEST(recording_finalizer, finishes_an_empty_recording) {
  scratch_dir dir;
  const auto p = dir / "empty.flv";
  {
    std::error_code ec;
    auto r = flv_recorder::open(p, flv_recorder::mode::record, {}, ec);
    ASSERT_TRUE(r);
    ASSERT_FALSE(r->close());
  }
  const auto r = recording_finalizer::finalize(p);
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.duration_ms, 0u);
  const auto f = index_file(p);
  ASSERT_FALSE(f.ec);
  ASSERT_EQ(f.index.tags.size(), 1u);
  const auto md = test::on_metadata_of(f.data(f.index.tags[0]));
  ASSERT_TRUE(md);
  EXPECT_EQ(md->member("duration")->as_number(), 0);
  EXPECT_FALSE(*md->member("hasKeyframes")->get_if<bool>());
}

TEST(recording_finalizer, describes_an_audio_only_recording) {
  scratch_dir dir;
  const auto p = dir / "radio.flv";
  {
    std::error_code ec;
    auto r = flv_recorder::open(p, flv_recorder::mode::record, {}, ec);
    ASSERT_TRUE(r);
    for (const auto& m : sample_stream().media) {
      if (m.is_audio()) {
        ASSERT_FALSE(r->write(m));
      }
    }
    ASSERT_FALSE(r->close());
  }
  ASSERT_FALSE(recording_finalizer::finalize(p).ec);
  const auto f = index_file(p);
  ASSERT_FALSE(f.ec);
  EXPECT_TRUE(f.index.header.has_audio);
  EXPECT_FALSE(f.index.header.has_video);
  const auto md = test::on_metadata_of(f.data(f.index.tags[0]));
  ASSERT_TRUE(md);
  EXPECT_FALSE(*md->member("hasVideo")->get_if<bool>());
  EXPECT_TRUE(*md->member("hasAudio")->get_if<bool>());
  EXPECT_EQ(md->member("videocodecid"), nullptr);
  EXPECT_EQ(md->member("audiocodecid")->as_number(), 10);
  EXPECT_GT(*md->member("audiodatarate")->as_number(), 10.0);
  EXPECT_FALSE(*md->member("hasKeyframes")->get_if<bool>());
}

TEST(recording_finalizer, finishes_a_file_torn_by_a_crash) {
  scratch_dir dir;
  const auto p = dir / "torn.flv";
  record_sample(p);
  const auto before = index_file(p);
  const auto& last = before.index.tags.back();
  std::filesystem::resize_file(p, last.offset + 7);  // inside the last tag's header
  const auto r = recording_finalizer::finalize(p);
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.skipped_bytes, 7u);
  std::uint32_t max_ts = 0;
  for (std::size_t i = 0; i + 1 < before.index.tags.size(); ++i)
    if (before.index.tags[i].type != flv::tag_type::script)
      max_ts = std::max(max_ts, before.index.tags[i].timestamp);
  expect_seekable(p, max_ts, k_sample_media_tags - 1);
}

TEST(recording_finalizer, leaves_busy_and_foreign_files_alone) {
  scratch_dir dir;
  const auto p = dir / "live.flv";
  std::error_code ec;
  auto rec = flv_recorder::open(p, flv_recorder::mode::record, {}, ec);
  ASSERT_TRUE(rec);
  EXPECT_EQ(recording_finalizer::finalize(p).ec, recording_error::busy);
  ASSERT_FALSE(rec->close());

  const auto text = dir / "text.flv";
  const shared::bytes hello = {'h', 'e', 'l', 'l', 'o', '!', '!', '!', '!', '!', '!', '!', '!'};
  test::write_file(text, hello);
  EXPECT_EQ(recording_finalizer::finalize(text).ec, shared::error::flv_bad_signature);
  EXPECT_EQ(test::read_file(text), hello);
  EXPECT_EQ(recording_finalizer::finalize(dir / "missing.flv").ec,
            std::errc::no_such_file_or_directory);
}

TEST(recording_finalizer, background_thread_reports_each_file) {
  scratch_dir dir;
  std::mutex m;
  std::vector<recording_finalizer::result> done;
  recording_finalizer::options o;
  o.on_done = [&](const recording_finalizer::result& r) {
    std::lock_guard lock(m);
    done.push_back(r);
  };
  recording_finalizer fin(o);
  record_sample(dir / "a.flv");
  record_sample(dir / "b.flv");
  ASSERT_FALSE(fin.finish(dir / "a.flv"));
  ASSERT_FALSE(fin.finish(dir / "b.flv"));
  ASSERT_FALSE(fin.finish(dir / "missing.flv"));
  fin.wait_idle();
  std::lock_guard lock(m);
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(done[0].file, dir / "a.flv");
  EXPECT_FALSE(done[0].ec);
  EXPECT_EQ(done[0].duration_ms, k_sample_last_timestamp);
  EXPECT_FALSE(done[1].ec);
  EXPECT_TRUE(done[2].ec);
  const auto c = fin.counters();
  EXPECT_EQ(c.finished, 2u);
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.queued, 0u);
  expect_seekable(dir / "b.flv", k_sample_last_timestamp, k_sample_media_tags);
}

TEST(recording_finalizer, destructor_finishes_the_queue) {
  scratch_dir dir;
  for (const char* name : {"1.flv", "2.flv", "3.flv"}) record_sample(dir / name);
  {
    recording_finalizer fin;
    for (const char* name : {"1.flv", "2.flv", "3.flv"}) ASSERT_FALSE(fin.finish(dir / name));
  }
  for (const char* name : {"1.flv", "2.flv", "3.flv"})
    expect_seekable(dir / name, k_sample_last_timestamp, k_sample_media_tags);
}

TEST(recording_finalizer, queue_is_bounded) {
  scratch_dir dir;
  record_sample(dir / "a.flv");
  std::promise<void> entered, release;
  auto released = release.get_future().share();
  bool first = true;
  recording_finalizer::options o;
  o.max_queue = 2;
  o.on_done = [&](const recording_finalizer::result&) {
    if (!std::exchange(first, false)) return;
    entered.set_value();
    released.wait();  // hold the thread so that the queue fills
  };
  recording_finalizer fin(o);
  ASSERT_FALSE(fin.finish(dir / "a.flv"));
  entered.get_future().wait();
  EXPECT_FALSE(fin.finish(dir / "b.flv"));
  EXPECT_FALSE(fin.finish(dir / "b.flv"));  // already queued: not twice
  EXPECT_FALSE(fin.finish(dir / "c.flv"));
  EXPECT_EQ(fin.finish(dir / "d.flv"), recording_error::queue_full);
  auto c = fin.counters();
  EXPECT_EQ(c.queued, 2u);
  EXPECT_EQ(c.max_queued, 2u);
  EXPECT_EQ(c.rejected, 1u);
  release.set_value();
  fin.wait_idle();
  c = fin.counters();
  EXPECT_EQ(c.finished + c.failed, 3u);
}

TEST(recording_finalizer, cleanup_removes_leftover_tmp_files_only) {
  scratch_dir dir;
  std::filesystem::create_directories(dir / "app");
  const shared::bytes junk = {1, 2, 3};
  test::write_file(dir / "app" / "x.flv.tmp", junk);
  test::write_file(dir / "y.flv.tmp", junk);
  test::write_file(dir / "app" / "x.flv", junk);
  test::write_file(dir / "notes.tmp", junk);
  std::size_t removed = 0;
  ASSERT_FALSE(recording_finalizer::cleanup(dir.path(), &removed));
  EXPECT_EQ(removed, 2u);
  EXPECT_FALSE(std::filesystem::exists(dir / "app" / "x.flv.tmp"));
  EXPECT_FALSE(std::filesystem::exists(dir / "y.flv.tmp"));
  EXPECT_TRUE(std::filesystem::exists(dir / "app" / "x.flv"));
  EXPECT_TRUE(std::filesystem::exists(dir / "notes.tmp"));
  EXPECT_FALSE(recording_finalizer::cleanup(dir / "nowhere", &removed));
  EXPECT_EQ(removed, 0u);
}

}  // namespace
}  // namespace lectern::server
