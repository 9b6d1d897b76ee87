// lectern-server configuration: defaults, each source (flags, LECTERN_* environment, TOML
// file), their precedence, and --help/--version. Errors, listen addresses and the docs are
// in options_errors_test.cpp.
#include "options_test_util.hpp"

namespace lectern::server {
namespace {

using namespace options_test;
using namespace std::chrono_literals;

TEST(options, defaults_without_any_source) {
  const auto r = run({});
  ASSERT_FALSE(r.exit) << r.output;
  EXPECT_EQ(r.options, server_options{});
  const auto& o = r.options;
  EXPECT_TRUE(o.config_file.empty());
  EXPECT_EQ(o.rtmp_listen.to_string(), "0.0.0.0:1935");
  EXPECT_EQ(o.http_listen.to_string(), "0.0.0.0:8080");
  EXPECT_EQ(o.data_dir, "lectern-data");
  EXPECT_EQ(o.threads, 0u);
  EXPECT_FALSE(o.open);
  EXPECT_FALSE(o.record_all);
  EXPECT_EQ(o.log_level, "info");
  EXPECT_EQ(o.max_connections, 10000u);
  EXPECT_EQ(o.handshake_timeout, 10000ms);
  EXPECT_EQ(o.idle_timeout, 30000ms);
  EXPECT_EQ(o.max_message_size, 8u << 20);
  EXPECT_EQ(o.chunk_size, 4096u);
  EXPECT_EQ(o.subscriber_queue_bytes, 8u << 20);
  EXPECT_EQ(o.subscriber_queue_ms, 10000ms);
  EXPECT_EQ(o.max_lag, 15000ms);
  EXPECT_EQ(o.gop_cache_bytes, 32u << 20);
  EXPECT_EQ(o.gop_cache_ms, 20000ms);
  EXPECT_EQ(o.record_flush_interval, 1000ms);
  EXPECT_EQ(o.batching, write_batching::none);
  EXPECT_TRUE(o.webhook_urls.empty());
  EXPECT_TRUE(o.webhook_secret.empty());
}

TEST(options, resolved_threads) {
  server_options o;
  EXPECT_GE(o.resolved_threads(), 1u);
  o.threads = 3;
  EXPECT_EQ(o.resolved_threads(), 3u);
}

TEST(options, names_are_derived_from_the_flag) {
  const auto& d = descriptor("handshake-timeout-ms");
  EXPECT_EQ(d.toml_key(), "handshake_timeout_ms");
  EXPECT_EQ(d.env_name(), "LECTERN_HANDSHAKE_TIMEOUT_MS");
}

TEST(options, table_lists_exactly_the_documented_options) {
  std::set<std::string> names;
  for (const auto& d : option_descriptors()) names.insert(std::string(d.name));
  std::set<std::string> expected{"config"};
  for (const auto& [name, value] : sample_values()) expected.insert(name);
  EXPECT_EQ(names, expected);
}

// -------------------------------------------------------------------------------- sources

TEST(options, every_option_from_flags) {
  std::vector<std::string> args;
  for (const auto& [name, value] : sample_values()) {
    args.emplace_back("--").append(name);
    if (descriptor(name).is_boolean()) {
      args.back().append("=").append(value);  // a boolean flag takes no separate value
    } else {
      args.push_back(value);
    }
  }
  const auto r = run(args);
  ASSERT_FALSE(r.exit) << r.output;
  expect_sample_values(r.options);
}

TEST(options, every_option_from_flags_with_equals) {
  std::vector<std::string> args;
  for (const auto& [name, value] : sample_values()) {
    args.emplace_back("--").append(name).append("=").append(value);
  }
  const auto r = run(args);
  ASSERT_FALSE(r.exit) << r.output;
  expect_sample_values(r.options);
}

TEST(options, every_option_from_the_environment) {
  env_map env;
  for (const auto& [name, value] : sample_values()) env[descriptor(name).env_name()] = value;
  const auto r = run({}, env);
  ASSERT_FALSE(r.exit) << r.output;
  expect_sample_values(r.options);
}

TEST(options, every_option_from_the_config_file) {
  std::string text = "# every option\n";
  for (const auto& [name, value] : sample_values()) {
    text += descriptor(name).toml_key() + " = \"" + value + "\"\n";
  }
  const temp_file file(text);
  const auto r = run({"--config", file.path()});
  ASSERT_FALSE(r.exit) << r.output;
  expect_sample_values(r.options);
  EXPECT_EQ(r.options.config_file, file.path());
}

TEST(options, config_file_takes_native_toml_types) {
  const temp_file file(
      "threads = 4\n"
      "open = true\n"
      "low_latency = false\n"
      "record_all = 1\n"
      "max_message_size = 524288\n"
      "subscriber_queue_bytes = \"16 MiB\"\n"
      "gop_cache_bytes = 0\n"
      "max_lag_ms = 800\n"
      "data_dir = '/var/lib/lectern'\n"
      "rtmp_listen = \"127.0.0.1:0\"\n");
  const auto r = run({"--config=" + file.path()});
  ASSERT_FALSE(r.exit) << r.output;
  EXPECT_EQ(r.options.threads, 4u);
  EXPECT_TRUE(r.options.open);
  EXPECT_EQ(r.options.batching, write_batching::window);
  EXPECT_TRUE(r.options.record_all);
  EXPECT_EQ(r.options.max_message_size, 512u * 1024);
  EXPECT_EQ(r.options.subscriber_queue_bytes, 16u << 20);
  EXPECT_EQ(r.options.gop_cache_bytes, 0u);
  EXPECT_EQ(r.options.max_lag, 800ms);
  EXPECT_EQ(r.options.data_dir, "/var/lib/lectern");
  EXPECT_EQ(r.options.rtmp_listen, (listen_address{"127.0.0.1", 0}));
}

TEST(options, list_names_the_key_and_variable_in_the_plural) {
  const auto& d = descriptor("webhook-url");
  EXPECT_EQ(d.toml_key(), "webhook_urls");
  EXPECT_EQ(d.env_name(), "LECTERN_WEBHOOK_URLS");
  EXPECT_EQ(descriptor("webhook-secret").env_name(), "LECTERN_WEBHOOK_SECRET");
}

TEST(options, repeated_list_flags_add_up_and_replace_lower_sources) {
  const temp_file file(
      "webhook_urls = [\"http://config.example/a\", \"http://config.example/b\"]\n"
      "webhook_secret = \"0123456789abcdef\"\n");
  const auto from_file = run({"--config", file.path()});
  ASSERT_FALSE(from_file.exit) << from_file.output;
  EXPECT_EQ(from_file.options.webhook_urls,
            (std::vector<std::string>{"http://config.example/a", "http://config.example/b"}));

  const auto r = run({"--config", file.path(), "--webhook-url", "http://flag.example/1",
                      "--webhook-url=http://flag.example/2,http://flag.example/3"},
                     {{"LECTERN_WEBHOOK_URLS", "http://env.example/x"}});
  ASSERT_FALSE(r.exit) << r.output;
  EXPECT_EQ(r.options.webhook_urls,
            (std::vector<std::string>{"http://flag.example/1", "http://flag.example/2",
                                      "http://flag.example/3"}));

  const auto env_only =
      run({"--config", file.path()}, {{"LECTERN_WEBHOOK_URLS", "http://env.example/x"}});
  ASSERT_FALSE(env_only.exit) << env_only.output;
  EXPECT_EQ(env_only.options.webhook_urls, (std::vector<std::string>{"http://env.example/x"}));
}

TEST(options, boolean_flags_and_their_negations) {
  EXPECT_TRUE(run({"--open"}).options.open);
  EXPECT_FALSE(run({"--open", "--no-open"}).options.open);
  EXPECT_TRUE(run({"--no-open", "--open"}).options.open);
  EXPECT_EQ(run({"--no-low-latency"}).options.batching, write_batching::window);
  EXPECT_EQ(run({"--no-low-latency", "--low-latency"}).options.batching, write_batching::none);
  EXPECT_EQ(run({"--write-batching", "frame"}).options.batching, write_batching::frame);
  EXPECT_EQ(run({"--write-batching=window", "--low-latency"}).options.batching,
            write_batching::none);
  EXPECT_TRUE(run({"--record-all=yes"}).options.record_all);
  EXPECT_FALSE(run({"--record-all=0"}).options.record_all);
  // A boolean flag never takes the next argument as its value.
  const auto r = run({"--open", "false"});
  expect_error(r, "'false'", "unexpected argument");
}

TEST(options, boolean_spellings_in_the_environment) {
  for (const auto* yes : {"true", "TRUE", "1", "yes", "Yes"}) {
    EXPECT_TRUE(run({}, {{"LECTERN_OPEN", yes}}).options.open) << yes;
  }
  for (const auto* no : {"false", "False", "0", "no", "NO"}) {
    EXPECT_EQ(run({}, {{"LECTERN_LOW_LATENCY", no}}).options.batching, write_batching::window)
        << no;
  }
}

TEST(options, size_suffixes) {
  const auto size = [](const std::string& text) {
    const auto r = run({"--gop-cache-bytes", text});
    EXPECT_FALSE(r.exit) << text << ": " << r.output;
    return r.options.gop_cache_bytes;
  };
  EXPECT_EQ(size("1000"), 1000u);
  EXPECT_EQ(size("512K"), 512u * 1024);
  EXPECT_EQ(size("512k"), 512u * 1024);
  EXPECT_EQ(size("512KiB"), 512u * 1024);
  EXPECT_EQ(size("8M"), 8u << 20);
  EXPECT_EQ(size("8MiB"), 8u << 20);
  EXPECT_EQ(size("8 mib"), 8u << 20);
  EXPECT_EQ(size("1G"), 1u << 30);
  EXPECT_EQ(size("1GiB"), 1u << 30);
  EXPECT_EQ(size("0"), 0u);
}

TEST(options, log_level_is_stored_in_lowercase) {
  EXPECT_EQ(run({"--log-level", "WARN"}).options.log_level, "warn");
  EXPECT_EQ(run({}, {{"LECTERN_LOG_LEVEL", "Error"}}).options.log_level, "error");
}

TEST(options, empty_environment_variables_count_as_unset) {
  const auto r = run({}, {{"LECTERN_THREADS", ""}, {"LECTERN_CONFIG", ""}});
  ASSERT_FALSE(r.exit) << r.output;
  EXPECT_EQ(r.options, server_options{});
}

TEST(options, last_flag_wins) {
  EXPECT_EQ(run({"--threads", "2", "--threads", "3"}).options.threads, 3u);
}

// ----------------------------------------------------------------------------- precedence

TEST(options, flags_beat_environment_beat_config_beat_defaults) {
  const temp_file file("threads = 2\nchunk_size = 256\nlog_level = 'warn'\n");
  const env_map env{
      {"LECTERN_CONFIG", file.path()}, {"LECTERN_THREADS", "3"}, {"LECTERN_CHUNK_SIZE", "512"}};
  const auto r = run({"--threads", "4"}, env);
  ASSERT_FALSE(r.exit) << r.output;
  EXPECT_EQ(r.options.threads, 4u);              // flag over env over file
  EXPECT_EQ(r.options.chunk_size, 512u);         // env over file
  EXPECT_EQ(r.options.log_level, "warn");        // file over default
  EXPECT_EQ(r.options.max_connections, 10000u);  // default
  EXPECT_EQ(r.options.config_file, file.path());
}

TEST(options, config_flag_beats_config_environment_variable) {
  const temp_file file("threads = 7\n");
  const auto r = run({"--config", file.path()}, {{"LECTERN_CONFIG", "/nonexistent/lectern.toml"}});
  ASSERT_FALSE(r.exit) << r.output;
  EXPECT_EQ(r.options.threads, 7u);
}

TEST(options, last_config_flag_wins) {
  const temp_file first("threads = 1\n");
  const temp_file second("threads = 2\n");
  const auto r = run({"--config", first.path(), "--config", second.path()});
  ASSERT_FALSE(r.exit) << r.output;
  EXPECT_EQ(r.options.threads, 2u);
  EXPECT_EQ(r.options.config_file, second.path());
}

// ------------------------------------------------------------------------------ help, version

TEST(options, help_exits_zero_with_the_help_text) {
  for (const auto* flag : {"--help", "-h"}) {
    const auto r = run({flag});
    EXPECT_TRUE(r.exit);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.output, help_text());
  }
}

TEST(options, help_wins_over_other_errors) {
  const auto r = run({"--bogus", "--threads", "many", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, help_text());
}

TEST(options, help_lists_every_option_with_default_env_and_key) {
  const std::string help = help_text();
  const server_options defaults;
  for (const auto& d : option_descriptors()) {
    EXPECT_NE(help.find("--" + std::string(d.name) + (d.is_boolean() ? "," : " ")),
              std::string::npos)
        << d.name;
    if (d.is_boolean()) {
      EXPECT_NE(help.find("--no-" + std::string(d.name)), std::string::npos) << d.name;
    }
    const std::string sources =
        "env " + d.env_name() + (d.in_config_file ? ", key " + d.toml_key() : "") + "\n";
    EXPECT_NE(help.find(sources), std::string::npos) << d.name;
    const std::string shown = d.show(defaults);
    EXPECT_NE(help.find("(default " + (shown.empty() ? std::string("none") : shown) + ")\n"),
              std::string::npos)
        << d.name;
  }
  for (const auto* group : {"General:", "Network:", "Storage:", "Limits:", "Logging:"}) {
    EXPECT_NE(help.find(group), std::string::npos) << group;
  }
  EXPECT_NE(help.find("--max-message-size SIZE  (default 8MiB)\n"), std::string::npos);
  EXPECT_NE(help.find("--rtmp-listen HOST:PORT  (default 0.0.0.0:1935)\n"), std::string::npos);
  EXPECT_NE(help.find("--open, --no-open  (default false)\n"), std::string::npos);
  EXPECT_NE(help.find("--config FILE  (default none)\n"), std::string::npos);
}

TEST(options, help_fits_in_80_columns) {
  std::istringstream lines(help_text());
  std::string line;
  while (std::getline(lines, line)) EXPECT_LE(line.size(), 80u) << line;
}

TEST(options, shown_defaults_parse_back_to_the_defaults) {
  const server_options defaults;
  for (const auto& d : option_descriptors()) {
    if (d.name == "config") continue;
    server_options o;
    std::string error;
    ASSERT_TRUE(d.set(o, d.show(defaults), error)) << d.name << ": " << error;
    EXPECT_EQ(o, defaults) << d.name;
  }
}

TEST(options, version) {
  const auto r = run({"--version"});
  EXPECT_TRUE(r.exit);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.output.starts_with("lectern-server ")) << r.output;
  EXPECT_EQ(r.output, std::string("lectern-server ") + LECTERN_VERSION + "\n");
}

// ---------------------------------------------------------------------- errors: flags

}  // namespace
}  // namespace lectern::server
