// The server logger: line format, level filtering, log-injection defence, whole lines under
// concurrent writers, the optional log file.
#include "log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace lectern::server {
namespace {

using namespace std::chrono;

// 2026-11-22T05:47:01.123Z
system_clock::time_point fixed_time() {
  return sys_days{year{2026} / November / 22} + hours{5} + minutes{47} + seconds{1} +
         milliseconds{123};
}

logger::clock_function fixed_clock() {
  return [] { return fixed_time(); };
}

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(log_level, parse_and_print) {
  EXPECT_EQ(parse_log_level("debug"), log_level::debug);
  EXPECT_EQ(parse_log_level("info"), log_level::info);
  EXPECT_EQ(parse_log_level("warn"), log_level::warn);
  EXPECT_EQ(parse_log_level("error"), log_level::error);
  EXPECT_EQ(parse_log_level("ERROR"), log_level::error);
  EXPECT_EQ(parse_log_level("Info"), log_level::info);
  EXPECT_EQ(parse_log_level("warning"), std::nullopt);
  EXPECT_EQ(parse_log_level(""), std::nullopt);
  EXPECT_EQ(parse_log_level(" info"), std::nullopt);
  for (auto l : {log_level::debug, log_level::info, log_level::warn, log_level::error}) {
    EXPECT_EQ(parse_log_level(to_string(l)), l);
  }
}

TEST(logger, line_format) {
  std::ostringstream out;
  logger log(log_level::debug, out, fixed_clock());
  log.info("rtmp", "publisher connected");
  log.debug("http", "GET /healthz");
  log.warn("store", "slow write");
  log.error("rec", "disk full");
  log.write(log_level::info, "record", "long component name");
  EXPECT_EQ(out.str(),
            "2026-11-22T05:47:01.123Z INFO  rtmp  publisher connected\n"
            "2026-11-22T05:47:01.123Z DEBUG http  GET /healthz\n"
            "2026-11-22T05:47:01.123Z WARN  store slow write\n"
            "2026-11-22T05:47:01.123Z ERROR rec   disk full\n"
            "2026-11-22T05:47:01.123Z INFO  record long component name\n");
}

TEST(logger, timestamp_is_utc_with_milliseconds) {
  EXPECT_EQ(logger::format_line(sys_days{year{1970} / January / 1}, log_level::info, "a", "b"),
            "1970-01-01T00:00:00.000Z INFO  a     b");
  EXPECT_EQ(logger::format_line(sys_days{year{2000} / February / 29} + hours{23} + minutes{59} +
                                    seconds{59} + milliseconds{999} + microseconds{999},
                                log_level::warn, "rtmp", "x"),
            "2000-02-29T23:59:59.999Z WARN  rtmp  x");
}

TEST(logger, real_clock_produces_an_iso_timestamp) {
  std::ostringstream out;
  logger log(log_level::info, out);
  log.info("rtmp", "hello");
  // YYYY-MM-DDTHH:MM:SS.mmmZ: digits everywhere but the separators.
  const std::string line = out.str();
  const std::string_view separators = "    -  -  T  :  :  .   Z";
  ASSERT_EQ(line.size(), separators.size() + std::string_view(" INFO  rtmp  hello\n").size());
  for (std::size_t i = 0; i < separators.size(); ++i) {
    if (separators[i] == ' ') {
      EXPECT_TRUE(line[i] >= '0' && line[i] <= '9') << line;
    } else {
      EXPECT_EQ(line[i], separators[i]) << line;
    }
  }
  EXPECT_TRUE(line.ends_with("Z INFO  rtmp  hello\n")) << line;
}

TEST(logger, level_filtering) {
  std::ostringstream out;
  logger log(log_level::warn, out, fixed_clock());
  EXPECT_FALSE(log.enabled(log_level::debug));
  EXPECT_FALSE(log.enabled(log_level::info));
  EXPECT_TRUE(log.enabled(log_level::warn));
  EXPECT_TRUE(log.enabled(log_level::error));
  log.debug("rtmp", "dropped");
  log.info("rtmp", "dropped");
  log.warn("rtmp", "kept 1");
  log.error("rtmp", "kept 2");
  EXPECT_EQ(count_lines(out.str()), 2u);
  EXPECT_EQ(out.str().find("dropped"), std::string::npos);

  log.set_level(log_level::debug);
  EXPECT_EQ(log.level(), log_level::debug);
  EXPECT_TRUE(log.enabled(log_level::debug));
  log.debug("rtmp", "now kept");
  EXPECT_EQ(count_lines(out.str()), 3u);

  log.set_level(log_level::error);
  log.warn("rtmp", "dropped again");
  EXPECT_EQ(count_lines(out.str()), 3u);
}

TEST(logger, peer_text_cannot_forge_a_line) {
  std::ostringstream out;
  logger log(log_level::info, out, fixed_clock());
  // A stream name a hostile publisher might send, trying to inject a second log line.
  const std::string name = "room1\n2026-11-22T05:47:01.123Z INFO  auth  admin logged in\r";
  log.info("rtmp", "publish " + name);
  log.info("rtmp\nfake", "component too");
  const std::string text = out.str();
  EXPECT_EQ(count_lines(text), 2u) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_NE(text.find("publish room1\\x0a2026-11-22T05:47:01.123Z INFO  auth  admin logged in"
                      "\\x0d\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(" rtmp\\x0afake component too\n"), std::string::npos) << text;
}

TEST(sanitize_log_text, escapes_controls_and_backslash) {
  EXPECT_EQ(sanitize_log_text("plain text: ok"), "plain text: ok");
  EXPECT_EQ(sanitize_log_text("a\nb\rc\td"), "a\\x0ab\\x0dc\\x09d");
  EXPECT_EQ(sanitize_log_text(std::string("nul\0byte", 8)), "nul\\x00byte");
  EXPECT_EQ(sanitize_log_text("\x1b[31mred\x7f"), "\\x1b[31mred\\x7f");
  // A literal backslash sequence must not look like an escaped newline.
  EXPECT_EQ(sanitize_log_text("a\\x0ab"), "a\\\\x0ab");
}

TEST(sanitize_log_text, keeps_valid_utf8_and_escapes_the_rest) {
  EXPECT_EQ(sanitize_log_text("Größe 日本 🎓"), "Größe 日本 🎓");
  EXPECT_EQ(sanitize_log_text("bad\xff"), "bad\\xff");
  EXPECT_EQ(sanitize_log_text("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(sanitize_log_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a surrogate
  EXPECT_EQ(sanitize_log_text("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
  EXPECT_EQ(sanitize_log_text("cut\xe6\x97"), "cut\\xe6\\x97");              // truncated sequence
  EXPECT_EQ(sanitize_log_text("\xc2\x9b"
                              "31m"),
            "\\xc2\\x9b31m");  // C1 CSI
  EXPECT_EQ(sanitize_log_text("a\xe2\x80\xa8"
                              "b"),
            "a\\xe2\\x80\\xa8b");  // U+2028
  EXPECT_EQ(sanitize_log_text("a\xe2\x80\xa9"
                              "b"),
            "a\\xe2\\x80\\xa9b");                        // U+2029
  EXPECT_EQ(sanitize_log_text("\xc2\xa0"), "\xc2\xa0");  // U+00A0 is fine
}

TEST(sanitize_log_text, long_text_is_cut) {
  const std::string long_text(5000, 'a');
  EXPECT_EQ(sanitize_log_text(long_text), std::string(4096, 'a') + "...[904 more bytes]");
  EXPECT_EQ(sanitize_log_text("abcdef", 3), "abc...[3 more bytes]");
  EXPECT_EQ(sanitize_log_text("abc", 3), "abc");
}

TEST(logger, concurrent_writers_never_interleave) {
  std::ostringstream out;
  logger log(log_level::info, out, fixed_clock());
  constexpr int k_threads = 8;
  constexpr int k_lines = 500;
  std::vector<std::thread> threads;
  threads.reserve(k_threads);
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&log, t] {
      const std::string message = "thread " + std::to_string(t) + " " + std::string(100, 'x');
      for (int i = 0; i < k_lines; ++i) log.info("test", message);
    });
  }
  for (auto& t : threads) t.join();
  std::istringstream lines(out.str());
  std::string line;
  std::vector<int> per_thread(k_threads, 0);
  const std::string prefix = "2026-11-22T05:47:01.123Z INFO  test  thread ";
  const std::string suffix = " " + std::string(100, 'x');
  while (std::getline(lines, line)) {
    ASSERT_EQ(line.size(), prefix.size() + 1 + suffix.size()) << line;
    ASSERT_TRUE(line.starts_with(prefix) && line.ends_with(suffix)) << line;
    const int t = line[prefix.size()] - '0';
    ASSERT_TRUE(t >= 0 && t < k_threads) << line;
    ++per_thread[static_cast<std::size_t>(t)];
  }
  for (int n : per_thread) EXPECT_EQ(n, k_lines);
}

// A stream buffer that throws on every write, as a misconfigured stream might.
class throwing_buffer : public std::streambuf {
 protected:
  int_type overflow(int_type) override { throw std::runtime_error("write failed"); }
  std::streamsize xsputn(const char*, std::streamsize) override {
    throw std::runtime_error("write failed");
  }
};

TEST(logger, a_failing_stream_does_not_throw) {
  throwing_buffer buffer;
  std::ostream out(&buffer);
  out.exceptions(std::ios::badbit);
  logger log(log_level::info, out, fixed_clock());
  EXPECT_NO_THROW(log.info("rtmp", "lost"));
  std::ostringstream closed;
  closed.setstate(std::ios::badbit);
  logger quiet(log_level::info, closed, fixed_clock());
  EXPECT_NO_THROW(quiet.error("rtmp", "lost too"));
}

class temp_dir {
 public:
  temp_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("lectern_log_test_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(logger, file_gets_every_line_too_and_is_appended_to) {
  const temp_dir dir;
  const auto file = dir.path() / "data" / "logs" / "lectern-server.log";
  std::ostringstream out;
  {
    logger log(log_level::info, out, fixed_clock());
    std::string error;
    ASSERT_TRUE(log.open_file(file, error)) << error;
    log.info("rtmp", "first");
    log.debug("rtmp", "filtered");
  }
  {
    logger log(log_level::info, out, fixed_clock());
    std::string error;
    ASSERT_TRUE(log.open_file(file, error)) << error;
    log.warn("rtmp", "second");
  }
  EXPECT_EQ(read_file(file),
            "2026-11-22T05:47:01.123Z INFO  rtmp  first\n"
            "2026-11-22T05:47:01.123Z WARN  rtmp  second\n");
  EXPECT_EQ(out.str(), read_file(file));
}

TEST(logger, open_file_failure_is_reported_and_stream_logging_continues) {
  const temp_dir dir;
  const auto blocker = dir.path() / "not-a-directory";
  std::ofstream(blocker) << "x";
  std::ostringstream out;
  logger log(log_level::info, out, fixed_clock());
  std::string error;
  EXPECT_FALSE(log.open_file(blocker / "logs" / "lectern-server.log", error));
  EXPECT_NE(error.find("not-a-directory"), std::string::npos) << error;
  EXPECT_FALSE(log.open_file(dir.path(), error));  // a directory cannot be the log file
  EXPECT_NE(error.find("cannot open log file"), std::string::npos) << error;
  log.info("rtmp", "still here");
  EXPECT_EQ(out.str(), "2026-11-22T05:47:01.123Z INFO  rtmp  still here\n");
}

}  // namespace
}  // namespace lectern::server
