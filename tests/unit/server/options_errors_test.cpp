// lectern-server configuration: every error path names its source, listen addresses, and
// the docs and sample config agree with the option table.
#include "options_test_util.hpp"

namespace lectern::server {
namespace {

using namespace options_test;
using namespace std::chrono_literals;

TEST(options, unknown_flag_names_it_and_suggests) {
  const auto r = run({"--chunk-sise", "4096"});
  expect_error(r, "--chunk-sise", "did you mean --chunk-size?");
  expect_error(run({"--frobnicate"}), "unknown option '--frobnicate'");
  expect_error(run({"--no-threads"}), "unknown option '--no-threads'");
  expect_error(run({"-x"}), "'-x'");
  expect_error(run({"--"}), "'--'");
  expect_error(run({"--=5"}), "unknown option");
}

TEST(options, positional_argument_is_an_error) {
  expect_error(run({"lectern.toml"}), "unexpected argument 'lectern.toml'");
}

TEST(options, missing_flag_value) {
  expect_error(run({"--rtmp-listen"}), "--rtmp-listen: needs a value");
  expect_error(run({"--data-dir", "--open"}), "--data-dir: needs a value");
  expect_error(run({"--data-dir="}), "--data-dir: needs a path");
  expect_error(run({"--config="}), "--config: needs a path");
}

TEST(options, negated_boolean_takes_no_value) {
  expect_error(run({"--no-open=1"}), "--no-open: takes no value");
}

TEST(options, bad_flag_values_name_the_flag) {
  expect_error(run({"--threads", "many"}), "--threads: 'many' is not a whole number");
  expect_error(run({"--threads", "-1"}), "--threads: '-1' is not a whole number");
  expect_error(run({"--threads", "+1"}), "--threads");
  expect_error(run({"--open=maybe"}), "--open: 'maybe' is not a boolean");
  expect_error(run({"--write-batching", "fast"}),
               "--write-batching: 'fast' is not a write batching mode; use none, frame or window");
  expect_error(run({"--log-level", "verbose"}), "--log-level: 'verbose' is not a log level");
  expect_error(run({"--rtmp-listen", "1935"}), "--rtmp-listen: '1935' is not a listen address");
  expect_error(run({"--idle-timeout-ms", "10s"}), "--idle-timeout-ms", "milliseconds");
  expect_error(run({"--max-message-size", "8MB"}), "--max-message-size", "unknown unit");
  expect_error(run({"--max-message-size", "M"}), "--max-message-size", "is not a size");
  expect_error(run({"--gop-cache-bytes", "99999999999999999999999G"}), "--gop-cache-bytes");
}

TEST(options, out_of_range_values) {
  expect_error(run({"--threads", "257"}), "--threads: '257' is out of range; use 0..256");
  EXPECT_EQ(run({"--threads", "256"}).options.threads, 256u);
  expect_error(run({"--chunk-size", "127"}), "--chunk-size: '127' is out of range; use 128..65536");
  expect_error(run({"--chunk-size", "65537"}), "--chunk-size");
  EXPECT_EQ(run({"--chunk-size", "64K"}).options.chunk_size, 65536u);
  expect_error(run({"--max-message-size", "1023"}), "use 1KiB..64MiB");
  expect_error(run({"--max-message-size", "65M"}), "--max-message-size");
  EXPECT_EQ(
      run({"--max-message-size", "1K", "--subscriber-queue-bytes", "64K"}).options.max_message_size,
      1024u);
  expect_error(run({"--handshake-timeout-ms", "0"}), "--handshake-timeout-ms");
  expect_error(run({"--record-flush-ms", "0"}), "--record-flush-ms");
  expect_error(run({"--max-lag-ms", "86400001"}), "--max-lag-ms");
  expect_error(run({"--max-connections", "0"}), "--max-connections");
  expect_error(run({"--subscriber-queue-bytes", "1K"}), "--subscriber-queue-bytes");
  expect_error(run({"--gop-cache-bytes", "5G"}), "--gop-cache-bytes");
}

TEST(options, control_characters_in_values_are_escaped_in_messages) {
  const auto r = run({"--threads", "1\n2\x1b[31m"});
  expect_error(r, "--threads: '1\\x0a2\\x1b[31m'");
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 2);
}

// ------------------------------------------------------------------- errors: environment

TEST(options, bad_environment_values_name_the_variable) {
  expect_error(run({}, {{"LECTERN_THREADS", "many"}}), "LECTERN_THREADS: 'many'");
  expect_error(run({}, {{"LECTERN_CHUNK_SIZE", "1"}}), "LECTERN_CHUNK_SIZE: '1' is out of range");
  expect_error(run({}, {{"LECTERN_OPEN", "maybe"}}), "LECTERN_OPEN");
  expect_error(run({}, {{"LECTERN_HTTP_LISTEN", "::1:80"}}), "LECTERN_HTTP_LISTEN", "brackets");
}

TEST(options, a_flag_does_not_hide_a_bad_environment_value) {
  // The environment is applied before the flags, so its error is reported even though the
  // flag would have replaced the value: a broken deployment setting should not go unnoticed.
  expect_error(run({"--threads", "2"}, {{"LECTERN_THREADS", "many"}}), "LECTERN_THREADS");
}

// --------------------------------------------------------------------- errors: config file

TEST(options, missing_config_file_names_it_and_who_chose_it) {
  const std::string path = "/nonexistent/dir/lectern.toml";
  expect_error(run({"--config", path}),
               "config " + path + " (from --config): cannot open it: No such file");
  expect_error(run({}, {{"LECTERN_CONFIG", path}}), "config " + path + " (from LECTERN_CONFIG)");
}

TEST(options, config_that_is_a_directory) {
  const auto dir = std::filesystem::temp_directory_path().string();
  expect_error(run({"--config", dir}), "config " + dir, "is a directory");
}

TEST(options, invalid_toml_gives_line_and_column) {
  const temp_file file("threads = 2\nchunk_size = = 4\n");
  expect_error(run({"--config", file.path()}), "config " + file.path() + " line 2, column",
               "invalid TOML");
}

TEST(options, unknown_config_key_gives_line_and_suggestion) {
  const temp_file file("threads = 2\n\nchunksize = 4096\n");
  expect_error(run({"--config", file.path()}), "config " + file.path() + " line 3",
               "unknown key 'chunksize' (did you mean chunk_size?)");
  const temp_file dashed("chunk-size = 4096\n");
  expect_error(run({"--config", dashed.path()}), "line 1", "did you mean chunk_size?");
}

TEST(options, bad_config_value_gives_line_and_key) {
  const temp_file file("# comment\nthreads = 2\nchunk_size = 100\n");
  expect_error(run({"--config", file.path()}),
               "config " + file.path() + " line 3: chunk_size: '100' is out of range");
}

TEST(options, config_values_of_the_wrong_toml_type) {
  const temp_file fraction("threads = 1.5\n");
  expect_error(run({"--config", fraction.path()}), "line 1: threads", "got a fractional number");
  const temp_file array("data_dir = ['a', 'b']\n");
  expect_error(run({"--config", array.path()}), "line 1: data_dir", "got an array");
  const temp_file date("data_dir = 2026-11-22\n");
  expect_error(run({"--config", date.path()}), "line 1: data_dir", "date or time");
  const temp_file negative("threads = -2\n");
  expect_error(run({"--config", negative.path()}), "line 1: threads", "not a whole number");
}

TEST(options, config_sections_are_not_used) {
  const temp_file file("threads = 2\n[limits]\nchunk_size = 4096\n");
  expect_error(run({"--config", file.path()}), "unknown key 'limits'");
}

TEST(options, config_cannot_name_another_config) {
  const temp_file file("config = 'other.toml'\n");
  expect_error(run({"--config", file.path()}), "line 1",
               "'config' cannot be set inside a config file; use --config or LECTERN_CONFIG");
}

TEST(options, config_error_is_reported_before_flags_are_applied) {
  const temp_file file("threads = 999\n");
  expect_error(run({"--config", file.path(), "--threads", "2"}), "line 1: threads");
}

// ------------------------------------------------------------------ errors: combinations

TEST(options, subscriber_queue_must_hold_the_largest_message) {
  const auto r = run({"--subscriber-queue-bytes", "1M"});
  expect_error(r, "subscriber_queue_bytes 1MiB (from --subscriber-queue-bytes)",
               "max_message_size 8MiB (the default)");
  const temp_file file("max_message_size = '16M'\n");
  expect_error(run({"--config", file.path()}),
               "max_message_size 16MiB (from config " + file.path() + " line 1: max_message_size)");
  EXPECT_FALSE(run({"--subscriber-queue-bytes", "16M", "--max-message-size", "16M"}).exit);
}

TEST(options, rtmp_and_http_cannot_share_a_port) {
  expect_error(run({"--rtmp-listen", ":8080"}),
               "rtmp_listen 0.0.0.0:8080 (from --rtmp-listen) and http_listen 0.0.0.0:8080 "
               "(the default)");
  expect_error(run({"--rtmp-listen", "127.0.0.1:8080"}), "same port");
  EXPECT_FALSE(run({"--rtmp-listen", "127.0.0.1:9000", "--http-listen", "127.0.0.2:9000"}).exit);
  // Port 0 means two different free ports.
  EXPECT_FALSE(run({"--rtmp-listen", ":0", "--http-listen", ":0"}).exit);
}

TEST(options, webhook_urls_need_a_secret) {
  const auto r = run({"--webhook-url", "https://hooks.example.com/lectern"});
  expect_error(r, "webhook_urls are set (from --webhook-url)", "LECTERN_WEBHOOK_SECRET");
  const auto ok = run({"--webhook-url", "https://hooks.example.com/lectern"},
                      {{"LECTERN_WEBHOOK_SECRET", "0123456789abcdef"}});
  EXPECT_FALSE(ok.exit) << ok.output;
  EXPECT_FALSE(run({"--webhook-secret", "0123456789abcdef"}).exit);  // a secret alone is fine
}

TEST(options, bad_webhook_values_say_why) {
  expect_error(run({"--webhook-url", "ftp://x.example/"}), "--webhook-url", "http:// or https://");
  expect_error(run({"--webhook-url", "http://u:p@x.example/"}), "--webhook-url", "credentials");
  expect_error(run({"--webhook-url", "http://x.example:99999/"}), "--webhook-url", "1..65535");
  expect_error(run({}, {{"LECTERN_WEBHOOK_URLS", "http://a.example/,nope"}}),
               "LECTERN_WEBHOOK_URLS", "'nope'");
  expect_error(run({"--webhook-secret", "short"}), "--webhook-secret", "at least 16");
  const temp_file file("webhook_urls = [\"http://a.example/\", 3]\n");
  expect_error(run({"--config", file.path()}), "line 1: webhook_urls", "array of strings");
}

TEST(options, exceptions_from_getenv_do_not_escape) {
  const std::vector<std::string_view> none;
  const auto r = parse_options(none, [](std::string_view) -> std::optional<std::string> {
    throw std::runtime_error("environment unavailable");
  });
  expect_error(r, "internal error", "environment unavailable");
}

// ----------------------------------------------------------------------- listen addresses

TEST(listen_address, parses_valid_forms) {
  struct row {
    std::string text;
    std::string host;
    std::uint16_t port;
    std::string shown;
  };
  const std::vector<row> rows{
      {"0.0.0.0:1935", "0.0.0.0", 1935, "0.0.0.0:1935"},
      {"127.0.0.1:0", "127.0.0.1", 0, "127.0.0.1:0"},
      {"localhost:8080", "localhost", 8080, "localhost:8080"},
      {"media-1.example.com:65535", "media-1.example.com", 65535, "media-1.example.com:65535"},
      {":1935", "0.0.0.0", 1935, "0.0.0.0:1935"},
      {"[::1]:1935", "::1", 1935, "[::1]:1935"},
      {"[::]:0", "::", 0, "[::]:0"},
      {"[2001:db8::7]:443", "2001:db8::7", 443, "[2001:db8::7]:443"},
      {"[::ffff:192.0.2.1]:80", "::ffff:192.0.2.1", 80, "[::ffff:192.0.2.1]:80"},
  };
  for (const auto& r : rows) {
    std::string error;
    const auto a = parse_listen_address(r.text, error);
    ASSERT_TRUE(a) << r.text << ": " << error;
    EXPECT_EQ(a->host, r.host) << r.text;
    EXPECT_EQ(a->port, r.port) << r.text;
    EXPECT_EQ(a->to_string(), r.shown) << r.text;
  }
}

TEST(listen_address, rejects_bad_forms_with_a_reason) {
  const std::vector<std::pair<std::string, std::string>> rows{
      {"", "no :PORT"},
      {"1935", "no :PORT"},
      {"localhost", "no :PORT"},
      {"host:", "no port"},
      {"host:abc", "not a number"},
      {"host:-1", "not a number"},
      {"host:+80", "not a number"},
      {"host: 80", "not a number"},
      {"host:65536", "past 65535"},
      {"host:99999999999999999999999", "not a number"},
      {"::1:1935", "needs brackets"},
      {"[::1]1935", "no :PORT after ]"},
      {"[::1]", "no :PORT after ]"},
      {"[::1:1935", "no ]"},
      {"[]:1935", "empty IPv6"},
      {"[localhost]:1935", "brackets are for IPv6"},
      {"[::g]:1935", "hex digits"},
      {"ho st:1935", "only letters"},
      {"host\n:1935", "only letters"},
  };
  for (const auto& [text, why] : rows) {
    std::string error;
    EXPECT_FALSE(parse_listen_address(text, error)) << text;
    EXPECT_NE(error.find(why), std::string::npos) << text << ": " << error;
    EXPECT_NE(error.find("[::1]:1935"), std::string::npos) << "shows an example: " << error;
  }
}

// ------------------------------------------------------------- docs and sample config agree

#ifdef LECTERN_TEST_DATA
std::string read_repo_file(const std::string& relative) {
  const auto path = std::filesystem::path(LECTERN_TEST_DATA) / ".." / ".." / relative;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "`text`", built by appending: GCC 12 warns falsely (-Wrestrict) on "literal" + string.
std::string code(std::string_view text) {
  std::string out;
  out += '`';
  out += text;
  out += '`';
  return out;
}

TEST(options_docs, configuration_md_documents_every_option) {
  const std::string doc = read_repo_file("docs/configuration.md");
  ASSERT_FALSE(doc.empty()) << "docs/configuration.md missing";
  const server_options defaults;
  for (const auto& d : option_descriptors()) {
    // Each option has a table row "| `--name VALUE` | `key` | `ENV` | `default` | meaning |".
    std::string flag = "| `--";
    flag += d.name;
    if (d.is_boolean()) {
      flag += "`, `--no-";
    } else {
      flag += ' ';
      flag += d.value_name;
    }
    const auto row_start = doc.find(flag);
    ASSERT_NE(row_start, std::string::npos) << d.name;
    const std::string row = doc.substr(row_start, doc.find('\n', row_start) - row_start);
    const std::string shown = d.show(defaults);
    EXPECT_NE(row.find(shown.empty() ? std::string("| none |") : code(shown)), std::string::npos)
        << row;
    if (d.in_config_file) {
      EXPECT_NE(row.find(code(d.toml_key())), std::string::npos) << row;
    }
    EXPECT_NE(row.find(code(d.env_name())), std::string::npos) << row;
  }
}

TEST(options_docs, sample_config_lists_every_key_with_its_default) {
  const std::string sample = read_repo_file("deploy/lectern-server.sample.toml");
  ASSERT_FALSE(sample.empty()) << "deploy/lectern-server.sample.toml missing";
  // The sample is all comments; uncommenting its "# key = value" lines must give a valid file
  // that sets every key (but config) to the built-in default.
  std::istringstream lines(sample);
  std::string line;
  std::string uncommented;
  std::set<std::string> keys;
  while (std::getline(lines, line)) {
    if (!line.starts_with("# ") || line.find(" = ") == std::string::npos) continue;
    const std::string body = line.substr(2);
    const std::string key = body.substr(0, body.find(" = "));
    if (key.find(' ') != std::string::npos) continue;  // prose that happens to contain " = "
    keys.insert(key);
    uncommented += body + "\n";
  }
  for (const auto& d : option_descriptors()) {
    if (d.in_config_file) {
      EXPECT_TRUE(keys.contains(d.toml_key())) << d.toml_key();
    }
  }
  const temp_file file(uncommented);
  const auto r = run({"--config", file.path()});
  ASSERT_FALSE(r.exit) << r.output;
  server_options expected;
  expected.config_file = file.path();
  EXPECT_EQ(r.options, expected);
}
#endif

}  // namespace
}  // namespace lectern::server
