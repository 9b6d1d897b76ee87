// vod_library: opens answered off the caller's thread, one index per version of a file
// (shared by simultaneous opens and kept for later ones once the file has settled), a new
// version indexed again, errors, and the bound on waiting opens.
#include "vod_library.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "recording_error.hpp"
#include "recording_test_util.hpp"

namespace lectern::server {
namespace {

using namespace std::chrono_literals;
using test::sample_path;
using test::scratch_dir;

// What the callbacks got, collected across the library's threads.
struct answers {
  struct one {
    std::unique_ptr<vod_source> src;
    std::error_code ec;
    std::uint32_t indexed_ms = 0;
    std::thread::id thread;
  };
  std::mutex m;
  std::condition_variable cv;
  std::vector<one> got;

  vod_library::callback collect() {
    return [this](std::unique_ptr<vod_source> s, std::error_code ec, std::uint32_t ms) {
      std::lock_guard l(m);
      got.push_back({std::move(s), ec, ms, std::this_thread::get_id()});
      cv.notify_all();
    };
  }
  // True once `n` answers came (within 10 s): use as ASSERT_TRUE(a.wait_for(n)), so that a
  // timeout ends the test instead of reading answers that are not there.
  [[nodiscard]] bool wait_for(std::size_t n) {
    std::unique_lock l(m);
    return cv.wait_for(l, 10s, [&] { return got.size() >= n; });
  }
  std::size_t indexings() {
    std::size_t n = 0;
    for (auto& a : got) n += a.indexed_ms > 0;
    return n;
  }
};

// A copy of the sample recording, last modified `age` ago.
std::filesystem::path aged_copy(const scratch_dir& dir, const std::string& name,
                                std::chrono::seconds age) {
  const auto p = dir / name;
  std::filesystem::copy_file(sample_path(), p, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::last_write_time(p, std::filesystem::file_time_type::clock::now() - age);
  return p;
}

TEST(VodLibrary, OpensOnItsOwnThreadAndPlaysTheFile) {
  scratch_dir dir;
  vod_library lib;
  answers a;
  lib.open(aged_copy(dir, "a.flv", 60s), a.collect());
  ASSERT_TRUE(a.wait_for(1)) << a.got.size() << " answers of 1";
  ASSERT_TRUE(a.got[0].src) << a.got[0].ec.message();
  EXPECT_NE(a.got[0].thread, std::this_thread::get_id());
  EXPECT_GT(a.got[0].indexed_ms, 0u);
  EXPECT_EQ(a.got[0].src->duration_ms(), test::k_sample_last_timestamp);
  vod_item item;
  a.got[0].src->seek(0);
  EXPECT_TRUE(a.got[0].src->next(item));
  EXPECT_EQ(lib.counters().opened, 1u);
}

TEST(VodLibrary, AFinishedRecordingIsIndexedOnceForManyPlayers) {
  scratch_dir dir;
  vod_library lib;
  answers a;
  const auto file = aged_copy(dir, "class.flv", 60s);
  for (int i = 0; i < 20; ++i) lib.open(file, a.collect());
  ASSERT_TRUE(a.wait_for(20)) << a.got.size() << " answers of 20";
  lib.open(file, a.collect());  // later
  ASSERT_TRUE(a.wait_for(21)) << a.got.size() << " answers of 21";
  for (auto& x : a.got) ASSERT_TRUE(x.src) << x.ec.message();
  EXPECT_EQ(a.indexings(), 1u);
  EXPECT_EQ(a.got[0].src->index().get(), a.got[20].src->index().get());
  const auto c = lib.counters();
  EXPECT_EQ(c.indexed, 1u);
  EXPECT_EQ(c.opened, 21u);
  EXPECT_EQ(c.waiting, 0u);
  EXPECT_EQ(c.cached_files, 1u);
  EXPECT_GT(c.cached_bytes, 0u);
}

TEST(VodLibrary, ARecordingStillBeingWrittenIsNotKeptAndANewVersionIsIndexedAgain) {
  scratch_dir dir;
  vod_library lib;
  answers a;
  const auto fresh = aged_copy(dir, "live.flv", 0s);
  lib.open(fresh, a.collect());
  ASSERT_TRUE(a.wait_for(1)) << a.got.size() << " answers of 1";
  lib.open(fresh, a.collect());
  ASSERT_TRUE(a.wait_for(2)) << a.got.size() << " answers of 2";
  EXPECT_EQ(a.indexings(), 2u) << "the index of a file modified just now was kept";
  EXPECT_EQ(lib.counters().cached_files, 0u);

  const auto done = aged_copy(dir, "done.flv", 60s);
  lib.open(done, a.collect());
  ASSERT_TRUE(a.wait_for(3)) << a.got.size() << " answers of 3";
  // Appended to (a new size and time): the old index must not serve it.
  {
    auto bytes = test::read_file(done);
    bytes.insert(bytes.end(), bytes.begin() + 13, bytes.end());  // every tag once more
    test::write_file(done, bytes);
    std::filesystem::last_write_time(done, std::filesystem::file_time_type::clock::now() - 30s);
  }
  lib.open(done, a.collect());
  ASSERT_TRUE(a.wait_for(4)) << a.got.size() << " answers of 4";
  ASSERT_TRUE(a.got[3].src);
  EXPECT_EQ(a.indexings(), 4u);
  EXPECT_GT(a.got[3].src->tag_count(), a.got[2].src->tag_count());
}

TEST(VodLibrary, ErrorsAreAnswered) {
  scratch_dir dir;
  vod_library lib;
  answers a;
  lib.open(dir / "missing.flv", a.collect());
  test::write_file(dir / "text.flv", shared::bytes{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l',
                                                   'd', '!', '!', '!'});
  lib.open(dir / "text.flv", a.collect());
  lib.open(dir.path(), a.collect());
  ASSERT_TRUE(a.wait_for(3)) << a.got.size() << " answers of 3";
  for (auto& x : a.got) {
    EXPECT_FALSE(x.src);
    EXPECT_TRUE(x.ec);
  }
  EXPECT_EQ(lib.counters().failed, 3u);
  EXPECT_EQ(lib.counters().waiting, 0u);
}

TEST(VodLibrary, OpensBeyondTheBoundAreRefused) {
  scratch_dir dir;
  vod_library::limits l;
  l.threads = 1;
  l.max_waiting = 2;
  vod_library lib(l);
  answers a;
  const auto file = aged_copy(dir, "x.flv", 60s);
  for (int i = 0; i < 50; ++i) lib.open(file, a.collect());
  ASSERT_TRUE(a.wait_for(50)) << a.got.size() << " answers of 50";
  std::size_t refused = 0;
  for (auto& x : a.got) refused += x.ec == recording_error::queue_full;
  EXPECT_GT(refused, 0u);
  EXPECT_EQ(lib.counters().refused, refused);
  EXPECT_EQ(lib.counters().opened + refused, 50u);
}

}  // namespace
}  // namespace lectern::server
