// Helpers shared by the lectern-server configuration tests (options_test.cpp,
// options_errors_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "options.hpp"

#ifndef LECTERN_VERSION
#define LECTERN_VERSION "dev"  // as options.cpp, for builds outside CMake
#endif

namespace lectern::server::options_test {

using env_map = std::map<std::string, std::string, std::less<>>;

inline parse_outcome run(const std::vector<std::string>& args, const env_map& env = {}) {
  const std::vector<std::string_view> views(args.begin(), args.end());
  return parse_options(views, [&env](std::string_view name) -> std::optional<std::string> {
    const auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

// A TOML file in the temp directory, removed at the end of the test.
class temp_file {
 public:
  explicit temp_file(const std::string& text, const std::string& suffix = ".toml") {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("lectern_options_test_" + std::to_string(::getpid()) + "_" + info->name() + "_" +
             std::to_string(next_number()) + suffix);
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  std::string path() const { return path_.string(); }

 private:
  static int next_number() {
    static int counter = 0;
    return counter++;
  }
  std::filesystem::path path_;
};

// Asserts the outcome is a configuration error: exit code 2, the message names `where` and
// points at --help.
inline void expect_error(const parse_outcome& r, const std::string& where,
                         const std::string& what = "") {
  EXPECT_TRUE(r.exit);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(where), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(what), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("lectern-server --help"), std::string::npos) << r.output;
  EXPECT_TRUE(r.output.starts_with("lectern-server: ")) << r.output;
}

// A valid, non-default value for every option, as text each source accepts.
inline const std::map<std::string, std::string>& sample_values() {
  static const std::map<std::string, std::string> values{
      {"threads", "4"},
      {"rtmp-listen", "127.0.0.1:0"},
      {"http-listen", "[::1]:9000"},
      {"open", "true"},
      {"low-latency", "false"},
      {"chunk-size", "128"},
      {"handshake-timeout-ms", "500"},
      {"idle-timeout-ms", "600"},
      {"data-dir", "/var/lib/lectern"},
      {"record-all", "yes"},
      {"record-flush-ms", "50"},
      {"max-connections", "5"},
      {"max-message-size", "512K"},
      {"subscriber-queue-bytes", "16MiB"},
      {"subscriber-queue-ms", "700"},
      {"max-lag-ms", "800"},
      {"gop-cache-bytes", "0"},
      {"gop-cache-ms", "900"},
      {"log-level", "debug"},
      {"webhook-url", "http://127.0.0.1:9/hook, https://hooks.example.com/lectern?x=1"},
      {"webhook-secret", "0123456789abcdef-sample"},
      {"public-url", "http://classes.example.org:8080"},
      {"admin-session-hours", "3"},
      {"web-root", "/srv/lectern/web"},
      {"max-http-players", "7"},
      {"write-batching", "window"},  // as low-latency false says: the two set one field
      {"store-queue", "33"},
      {"io-uring", "false"},
  };
  return values;
}

inline void expect_sample_values(const server_options& o) {
  using namespace std::chrono_literals;
  EXPECT_EQ(o.threads, 4u);
  EXPECT_EQ(o.rtmp_listen, (listen_address{"127.0.0.1", 0}));
  EXPECT_EQ(o.http_listen, (listen_address{"::1", 9000}));
  EXPECT_TRUE(o.open);
  EXPECT_EQ(o.batching, write_batching::window);
  EXPECT_EQ(o.chunk_size, 128u);
  EXPECT_EQ(o.handshake_timeout, 500ms);
  EXPECT_EQ(o.idle_timeout, 600ms);
  EXPECT_EQ(o.data_dir, "/var/lib/lectern");
  EXPECT_TRUE(o.record_all);
  EXPECT_EQ(o.record_flush_interval, 50ms);
  EXPECT_EQ(o.max_connections, 5u);
  EXPECT_EQ(o.max_message_size, 512u * 1024);
  EXPECT_EQ(o.subscriber_queue_bytes, 16u << 20);
  EXPECT_EQ(o.subscriber_queue_ms, 700ms);
  EXPECT_EQ(o.max_lag, 800ms);
  EXPECT_EQ(o.gop_cache_bytes, 0u);
  EXPECT_EQ(o.gop_cache_ms, 900ms);
  EXPECT_EQ(o.log_level, "debug");
  EXPECT_EQ(o.webhook_urls, (std::vector<std::string>{"http://127.0.0.1:9/hook",
                                                      "https://hooks.example.com/lectern?x=1"}));
  EXPECT_EQ(o.webhook_secret, "0123456789abcdef-sample");
  EXPECT_EQ(o.public_url, "http://classes.example.org:8080");
  EXPECT_EQ(o.admin_session_ttl, std::chrono::hours(3));
  EXPECT_EQ(o.web_root, "/srv/lectern/web");
  EXPECT_EQ(o.max_http_players, 7u);
  EXPECT_EQ(o.store_queue, 33u);
  EXPECT_FALSE(o.io_uring);
}

inline const option_descriptor& descriptor(std::string_view name) {
  for (const auto& d : option_descriptors()) {
    if (d.name == name) return d;
  }
  throw std::logic_error("no option " + std::string(name));
}

// ------------------------------------------------------------------------------- defaults

}  // namespace lectern::server::options_test
