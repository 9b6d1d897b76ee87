#include "options.hpp"

#include <algorithm>
#include <array>
#include <sstream>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "log.hpp"
#include "option_values.hpp"
#include "options_builder.hpp"
#include "options_file.hpp"
#include "webhook_event.hpp"

#ifndef LECTERN_VERSION
#define LECTERN_VERSION "dev"  // CMake defines the project version; this is for direct builds
#endif

namespace lectern::server {
namespace {

using detail::builder;
using detail::find_by;
using detail::flag_of;
using detail::format_size;
using detail::k_gib;
using detail::k_kib;
using detail::k_mib;
using detail::load_config;
using detail::name_of;
using detail::origin_of;
using detail::parse_bool;
using detail::parse_count;
using detail::parse_size;
using detail::quote_value;
using detail::split_list;
using detail::suggestion;
using detail::trim;

constexpr std::uint64_t k_max_ms = 24ull * 60 * 60 * 1000;  // no timeout or span past a day
constexpr std::string_view k_program = "lectern-server";
constexpr std::size_t k_max_webhook_urls = 16;  // each event is sent to every one
constexpr std::size_t k_min_secret_bytes = 16;  // an HMAC key guessable in a day is no key

// ------------------------------------------------------------ setters and shows per field kind

template <auto Member>
using field_t = std::remove_cvref_t<decltype(std::declval<server_options&>().*Member)>;

template <auto Member, std::uint64_t Min, std::uint64_t Max>
bool set_count(server_options& o, std::string_view v, std::string& error) {
  const auto n = parse_count(v, Min, Max, error);
  if (n) o.*Member = static_cast<field_t<Member>>(*n);
  return n.has_value();
}

template <auto Member, std::uint64_t Min, std::uint64_t Max>
bool set_size(server_options& o, std::string_view v, std::string& error) {
  const auto n = parse_size(v, Min, Max, error);
  if (n) o.*Member = static_cast<field_t<Member>>(*n);
  return n.has_value();
}

template <auto Member>
bool set_ms(server_options& o, std::string_view v, std::string& error) {
  const auto n = parse_count(v, 1, k_max_ms, error);
  if (!n) error += " (a whole number of milliseconds)";
  if (n) o.*Member = std::chrono::milliseconds(static_cast<std::int64_t>(*n));
  return n.has_value();
}

template <auto Member>
bool set_bool(server_options& o, std::string_view v, std::string& error) {
  const auto b = parse_bool(v, error);
  if (b) o.*Member = *b;
  return b.has_value();
}

template <auto Member>
bool set_address(server_options& o, std::string_view v, std::string& error) {
  auto address = parse_listen_address(trim(v), error);
  if (address) o.*Member = std::move(*address);
  return address.has_value();
}

template <auto Member>
bool set_path(server_options& o, std::string_view v, std::string& error) {
  if (v.empty()) {
    error = "needs a path, got an empty value";
    return false;
  }
  o.*Member = std::filesystem::path(std::string(v));
  return true;
}

// Empty is allowed: the panel this build writes (resolved_web_root()).
bool set_web_root(server_options& o, std::string_view v, std::string&) {
  o.web_root = std::filesystem::path(std::string(trim(v)));
  return true;
}

bool set_public_url(server_options& o, std::string_view v, std::string& error) {
  const auto url = trim(v);
  if (!url.empty() && !url.starts_with("http://") && !url.starts_with("https://")) {
    error = quote_value(v) +
            " is not an http:// or https:// URL (e.g. http://classes.example.org:8080)";
    return false;
  }
  o.public_url = std::string(url);
  return true;
}
std::string show_public_url(const server_options& o) {
  return o.public_url;
}

constexpr std::array<std::pair<std::string_view, write_batching>, 3> k_batching_names{{
    {"none", write_batching::none},
    {"frame", write_batching::frame},
    {"window", write_batching::window},
}};
bool set_batching(server_options& o, std::string_view v, std::string& error) {
  const auto value = trim(v);
  for (const auto& [name, mode] : k_batching_names) {
    if (value == name) {
      o.batching = mode;
      return true;
    }
  }
  error = quote_value(v) + " is not a write batching mode; use none, frame or window";
  return false;
}
std::string show_batching(const server_options& o) {
  for (const auto& [name, mode] : k_batching_names) {
    if (mode == o.batching) return std::string(name);
  }
  return "none";
}
bool set_low_latency(server_options& o, std::string_view v, std::string& error) {
  const auto b = parse_bool(v, error);
  if (b) o.batching = *b ? write_batching::none : write_batching::window;
  return b.has_value();
}
std::string show_low_latency(const server_options& o) {
  return o.batching == write_batching::none ? "true" : "false";
}

bool set_session_hours(server_options& o, std::string_view v, std::string& error) {
  const auto n = parse_count(v, 1, 24 * 90, error);
  if (!n) error += " (whole hours, 1 to 2160)";
  if (n) o.admin_session_ttl = std::chrono::hours(static_cast<std::int64_t>(*n));
  return n.has_value();
}
std::string show_session_hours(const server_options& o) {
  return std::to_string(o.admin_session_ttl.count());
}

bool set_log_level(server_options& o, std::string_view v, std::string& error) {
  const auto level = parse_log_level(trim(v));
  if (!level) {
    error = quote_value(v) + " is not a log level; use debug, info, warn or error";
    return false;
  }
  o.log_level = std::string(to_string(*level));
  return true;
}

bool set_webhook_urls(server_options& o, std::string_view v, std::string& error) {
  std::vector<std::string> urls;
  for (const auto item : split_list(v)) {
    std::string why;
    if (!parse_webhook_url(item, why)) {
      error = quote_value(item) + ": " + why;
      return false;
    }
    urls.emplace_back(item);
  }
  if (urls.size() > k_max_webhook_urls) {
    error = "at most " + std::to_string(k_max_webhook_urls) + " webhook URLs";
    return false;
  }
  o.webhook_urls = std::move(urls);
  return true;
}

bool set_secret(server_options& o, std::string_view v, std::string& error) {
  if (!v.empty() && v.size() < k_min_secret_bytes) {
    error = "is too short: use at least " + std::to_string(k_min_secret_bytes) +
            " characters, e.g. from `openssl rand -hex 32`";
    return false;
  }
  o.webhook_secret = std::string(v);
  return true;
}

template <auto Member>
std::string show_number(const server_options& o) {
  return std::to_string(o.*Member);
}
template <auto Member>
std::string show_size(const server_options& o) {
  return format_size(o.*Member);
}
template <auto Member>
std::string show_ms(const server_options& o) {
  return std::to_string((o.*Member).count());
}
template <auto Member>
std::string show_bool(const server_options& o) {
  return o.*Member ? "true" : "false";
}
template <auto Member>
std::string show_address(const server_options& o) {
  return (o.*Member).to_string();
}
template <auto Member>
std::string show_path(const server_options& o) {
  return (o.*Member).string();
}
std::string show_log_level(const server_options& o) {
  return o.log_level;
}
std::string show_webhook_urls(const server_options& o) {
  std::string out;
  for (const auto& url : o.webhook_urls) {
    if (!out.empty()) out += ',';
    out += url;
  }
  return out;
}
std::string show_secret(const server_options& o) {
  return o.webhook_secret;
}

// ---------------------------------------------------------------------------- the one table

using g = option_group;
using o = server_options;

constexpr std::array k_options{
    option_descriptor{"config", g::general, "FILE",
                      "TOML config file to read (flat keys as listed here). No file is read "
                      "unless this is set.",
                      show_path<&o::config_file>, set_path<&o::config_file>, false},
    option_descriptor{"threads", g::general, "N",
                      "Worker threads for network I/O, 0..256; 0 means one per CPU core.",
                      show_number<&o::threads>, set_count<&o::threads, 0, 256>},
    option_descriptor{"rtmp-listen", g::network, "HOST:PORT",
                      "RTMP listen address (HOST:PORT, [IPv6]:PORT or :PORT). Port 0 picks a "
                      "free port; the server prints the ports it bound.",
                      show_address<&o::rtmp_listen>, set_address<&o::rtmp_listen>},
    option_descriptor{"http-listen", g::network, "HOST:PORT",
                      "HTTP listen address for the control API, web panel and HTTP-FLV. Port "
                      "0 picks a free port.",
                      show_address<&o::http_listen>, set_address<&o::http_listen>},
    option_descriptor{"public-url", g::network, "URL",
                      "The server's address as clients reach it (http://host:port), used in join "
                      "links and RTMP URLs; empty: taken from each request's Host header.",
                      show_public_url, set_public_url},
    option_descriptor{"admin-session-hours", g::limits, "N",
                      "An admin's login lasts this many hours after the last request, 1..2160.",
                      show_session_hours, set_session_hours},
    option_descriptor{"open", g::network, "",
                      "Auth-free relay: anyone may publish and play any live/NAME. For local "
                      "use and benchmarks only.",
                      show_bool<&o::open>, set_bool<&o::open>},
    option_descriptor{"write-batching", g::network, "MODE",
                      "How writes to players are grouped: none (each message at once, no added "
                      "delay), frame (audio waits for the next video frame, at most 50 ms: "
                      "about a third of the system calls and half the CPU per player), window "
                      "(an idle writer waits 20 ms for more).",
                      show_batching, set_batching},
    option_descriptor{"low-latency", g::network, "",
                      "Same as --write-batching none; --no-low-latency is --write-batching "
                      "window (kept for older scripts).",
                      show_low_latency, set_low_latency},
    option_descriptor{"chunk-size", g::network, "BYTES",
                      "RTMP chunk size the server sends with, 128..65536.",
                      show_number<&o::chunk_size>, set_size<&o::chunk_size, 128, 65536>},
    option_descriptor{"handshake-timeout-ms", g::network, "MS",
                      "A connection that has not completed the RTMP handshake and connect "
                      "within this time is closed.",
                      show_ms<&o::handshake_timeout>, set_ms<&o::handshake_timeout>},
    option_descriptor{"idle-timeout-ms", g::network, "MS",
                      "A publisher, or a connection not yet playing, that sends nothing for "
                      "this long is closed.",
                      show_ms<&o::idle_timeout>, set_ms<&o::idle_timeout>},
    option_descriptor{"data-dir", g::storage, "DIR",
                      "Directory for the database, recordings and logs; created if missing.",
                      show_path<&o::data_dir>, set_path<&o::data_dir>},
    option_descriptor{"web-root", g::storage, "DIR",
                      "Directory of the built web panel served at /; empty: the panel this "
                      "build writes (BUILD_DIR/web).",
                      show_path<&o::web_root>, set_web_root},
    option_descriptor{"record-all", g::storage, "",
                      "Record every live stream to DATA_DIR, not only those published with "
                      "\"record\" or \"append\".",
                      show_bool<&o::record_all>, set_bool<&o::record_all>},
    option_descriptor{"record-flush-ms", g::storage, "MS",
                      "How often recordings are flushed to disk; a crash loses at most this "
                      "much.",
                      show_ms<&o::record_flush_interval>, set_ms<&o::record_flush_interval>},
    option_descriptor{"max-connections", g::limits, "N",
                      "Connections the server holds at once, 1..1000000; more are refused.",
                      show_number<&o::max_connections>, set_count<&o::max_connections, 1, 1000000>},
    option_descriptor{"max-http-players", g::limits, "N",
                      "Live players over HTTP-FLV and WebSocket-FLV at once, 0..1000000; more "
                      "get 503.",
                      show_number<&o::max_http_players>,
                      set_count<&o::max_http_players, 0, 1000000>},
    option_descriptor{"store-queue", g::limits, "N",
                      "Database writes that may wait for the disk (attendance, audit), "
                      "1..1000000; more are dropped and counted.",
                      show_number<&o::store_queue>, set_count<&o::store_queue, 1, 1000000>},
    option_descriptor{"max-message-size", g::limits, "SIZE",
                      "Largest RTMP message accepted from a peer, 1KiB..64MiB; a larger one "
                      "closes that connection.",
                      show_size<&o::max_message_size>,
                      set_size<&o::max_message_size, k_kib, 64 * k_mib>},
    option_descriptor{"subscriber-queue-bytes", g::limits, "SIZE",
                      "Bytes of media queued for one player, 64KiB..1GiB and at least "
                      "max-message-size; when full, the player skips to the next keyframe.",
                      show_size<&o::subscriber_queue_bytes>,
                      set_size<&o::subscriber_queue_bytes, 64 * k_kib, k_gib>},
    option_descriptor{"subscriber-queue-ms", g::limits, "MS",
                      "Media time one player's queue may hold before it skips to the next "
                      "keyframe.",
                      show_ms<&o::subscriber_queue_ms>, set_ms<&o::subscriber_queue_ms>},
    option_descriptor{"max-lag-ms", g::limits, "MS",
                      "A player this far behind the live edge is disconnected with "
                      "NetStream.Play.InsufficientBW.",
                      show_ms<&o::max_lag>, set_ms<&o::max_lag>},
    option_descriptor{"gop-cache-bytes", g::limits, "SIZE",
                      "Bytes of the latest group of pictures kept per stream so a new player "
                      "starts at a keyframe, up to 4GiB; 0 disables the cache.",
                      show_size<&o::gop_cache_bytes>, set_size<&o::gop_cache_bytes, 0, 4 * k_gib>},
    option_descriptor{"gop-cache-ms", g::limits, "MS",
                      "Media time the GOP cache may hold per stream.", show_ms<&o::gop_cache_ms>,
                      set_ms<&o::gop_cache_ms>},
    option_descriptor{"log-level", g::logging, "LEVEL",
                      "Least severe log lines written: debug, info, warn or error.", show_log_level,
                      set_log_level},
    option_descriptor{"webhook-url", g::webhooks, "URL",
                      "http:// or https:// URL that receives signed event POSTs. Repeat the "
                      "flag or separate URLs with commas; the config key takes an array.",
                      show_webhook_urls, set_webhook_urls, true, true, "webhook-urls"},
    option_descriptor{"webhook-secret", g::webhooks, "SECRET",
                      "Key for the X-Lectern-Signature HMAC, at least 16 characters; required "
                      "with webhook URLs. Prefer the environment variable to the flag.",
                      show_secret, set_secret},
};

// parse() reads the config file before the other options.
static_assert(k_options[0].name == "config");

constexpr std::array<std::pair<option_group, std::string_view>, 6> k_group_titles{{
    {g::general, "General"},
    {g::network, "Network"},
    {g::storage, "Storage"},
    {g::limits, "Limits"},
    {g::logging, "Logging"},
    {g::webhooks, "Webhooks"},
}};

parse_outcome failure(std::string message) {
  parse_outcome out;
  out.exit = true;
  out.exit_code = 2;
  // Appended piece by piece: GCC 12 sees a false -Warray-bounds in the chain of operator+
  // once the precompiled header is included first.
  out.output = k_program;
  out.output += ": ";
  out.output += message;
  out.output += "\nSee ";
  out.output += k_program;
  out.output += " --help for every option and its format.\n";
  return out;
}

// ----------------------------------------------------------------------------- flags

struct flag_value {
  const option_descriptor* option;
  std::string value;
  std::string flag;  // as written, for messages
};

struct flag_scan {
  std::vector<flag_value> values;
  bool help = false;
  bool version = false;
  std::optional<std::string> error;  // the first one; --help and --version still win
};

// Reads the flag at args[i] (and its value, advancing i past it) into `scan`.
void scan_flag(std::span<const std::string_view> args, std::size_t& i, flag_scan& scan) {
  const auto fail = [&scan](std::string message) {
    if (!scan.error) scan.error = std::move(message);
  };
  const std::string_view arg = args[i];
  if (arg == "-h" || arg == "--help") {
    scan.help = true;
    return;
  }
  if (arg == "--version") {
    scan.version = true;
    return;
  }
  if (arg.size() <= 2 || !arg.starts_with("--")) {
    fail("unexpected argument " + quote_value(arg) + "; options start with --");
    return;
  }
  const std::string_view body = arg.substr(2);
  const auto equals = body.find('=');
  const bool has_value = equals != std::string_view::npos;
  const std::string_view name = body.substr(0, equals);
  const std::string_view inline_value = has_value ? body.substr(equals + 1) : "true";
  const std::string flag = "--" + std::string(name);
  const auto* d = find_by(name, name_of);
  if (d == nullptr && name.starts_with("no-")) {
    const auto* positive = find_by(name.substr(3), name_of);
    if (positive != nullptr && positive->is_boolean()) {
      if (has_value) {
        fail(flag + ": takes no value");
      } else {
        scan.values.push_back({positive, "false", flag});
      }
      return;
    }
  }
  if (d == nullptr) {
    fail("unknown option " + quote_value(flag) + suggestion(flag, flag_of));
  } else if (d->is_boolean() || has_value) {
    scan.values.push_back({d, std::string(inline_value), flag});
  } else if (i + 1 < args.size() && !args[i + 1].starts_with("--")) {
    scan.values.push_back({d, std::string(args[++i]), flag});
  } else {
    fail(flag + ": needs a value (" + flag + " " + std::string(d->value_name) + ")");
  }
}

flag_scan scan_flags(std::span<const std::string_view> args) {
  flag_scan scan;
  for (std::size_t i = 0; i < args.size(); ++i) scan_flag(args, i, scan);
  return scan;
}

// -------------------------------------------------------------------------- cross checks

bool is_wildcard(const std::string& host) {
  return host == "0.0.0.0" || host == "::";
}

bool check_combination(const builder& b, std::string& error) {
  const auto& opt = b.options;
  if (opt.subscriber_queue_bytes < opt.max_message_size) {
    error = "subscriber_queue_bytes " + format_size(opt.subscriber_queue_bytes) + " (" +
            origin_of(b, "subscriber-queue-bytes") + ") is smaller than max_message_size " +
            format_size(opt.max_message_size) + " (" + origin_of(b, "max-message-size") +
            "): a message that large could never be queued; raise the first or lower the second";
    return false;
  }
  if (!opt.webhook_urls.empty() && opt.webhook_secret.empty()) {
    error = "webhook_urls are set (" + origin_of(b, "webhook-url") +
            ") but webhook_secret is not: receivers could not verify the deliveries; set "
            "LECTERN_WEBHOOK_SECRET (e.g. to the output of `openssl rand -hex 32`)";
    return false;
  }
  const auto& rtmp = opt.rtmp_listen;
  const auto& http = opt.http_listen;
  if (rtmp.port != 0 && rtmp.port == http.port &&
      (rtmp.host == http.host || is_wildcard(rtmp.host) || is_wildcard(http.host))) {
    error = "rtmp_listen " + rtmp.to_string() + " (" + origin_of(b, "rtmp-listen") +
            ") and http_listen " + http.to_string() + " (" + origin_of(b, "http-listen") +
            ") would use the same port; give them different ports";
    return false;
  }
  return true;
}

parse_outcome parse(std::span<const std::string_view> args,
                    const std::function<std::optional<std::string>(std::string_view)>& getenv) {
  const flag_scan scan = scan_flags(args);
  if (scan.help) return {server_options{}, true, 0, help_text()};
  if (scan.version) {
    return {server_options{}, true, 0, std::string(k_program) + " " LECTERN_VERSION "\n"};
  }
  if (scan.error) return failure(*scan.error);

  builder b;
  std::string error;
  const auto& config = k_options[0];
  // The config file comes first (lowest precedence after the defaults): the last --config
  // flag, else LECTERN_CONFIG.
  std::optional<std::pair<std::string, std::string>> chosen;  // value, where
  for (const auto& f : scan.values) {
    if (f.option == &config) chosen.emplace(f.value, f.flag);
  }
  if (!chosen) {
    if (auto value = getenv(config.env_name()); value && !value->empty()) {
      chosen.emplace(std::move(*value), config.env_name());
    }
  }
  if (chosen) {
    if (!b.apply(config, chosen->first, chosen->second, error)) return failure(error);
    if (!load_config(b.options.config_file, chosen->second, b, error)) return failure(error);
  }
  for (const auto& d : k_options) {
    if (&d == &config) continue;
    const std::string name = d.env_name();
    const auto value = getenv(name);
    // An empty variable counts as unset (compose files and unit files often leave them so).
    if (value && !value->empty() && !b.apply(d, *value, name, error)) return failure(error);
  }
  for (const auto& f : scan.values) {
    if (f.option != &config && !b.apply(*f.option, f.value, f.flag, error)) return failure(error);
  }
  if (!check_combination(b, error)) return failure(error);
  return {std::move(b.options), false, 0, {}};
}

// Appends `text` wrapped to 80 columns (a terminal's width), every line indented by `indent`
// spaces.
void append_wrapped(std::string& out, std::string_view text, std::size_t indent) {
  constexpr std::size_t k_width = 80;
  std::size_t column = 0;
  std::istringstream words{std::string(text)};
  std::string word;
  while (words >> word) {
    if (column == 0) {
      out.append(indent, ' ');
      column = indent;
    } else if (column + 1 + word.size() > k_width) {
      out += '\n';
      out.append(indent, ' ');
      column = indent;
    } else {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
  }
  out += '\n';
}

}  // namespace

// ------------------------------------------------------------------------------ public API

std::filesystem::path server_options::resolved_web_root() const {
#ifdef LECTERN_DEFAULT_WEB_ROOT
  if (web_root.empty()) return LECTERN_DEFAULT_WEB_ROOT;
#endif
  return web_root;
}

unsigned server_options::resolved_threads() const {
  if (threads != 0) return threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

std::string option_descriptor::toml_key() const {
  std::string key(list_name.empty() ? name : list_name);
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

std::string option_descriptor::env_name() const {
  std::string env = "LECTERN_";
  for (char c : list_name.empty() ? name : list_name) {
    env += c == '-' ? '_' : (c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return env;
}

std::span<const option_descriptor> option_descriptors() {
  return k_options;
}

parse_outcome parse_options(
    std::span<const std::string_view> args,
    const std::function<std::optional<std::string>(std::string_view)>& getenv) {
  try {
    return parse(args, getenv);
  } catch (const std::exception& e) {
    return failure(std::string("internal error while reading the configuration: ") + e.what());
  } catch (...) {
    return failure("internal error while reading the configuration");
  }
}

std::string help_text() {
  const server_options defaults;
  std::string out = std::string("Usage: ") + std::string(k_program) + " [OPTIONS]\n\n";
  append_wrapped(out,
                 "Lectern's live-classroom server: an RTMP relay with an HTTP control API. "
                 "Every option is a flag, a key in the TOML config file and an environment "
                 "variable; flags win over the environment, which wins over the config file, "
                 "which wins over the defaults. Booleans: --NAME / --no-NAME, or true/false, "
                 "yes/no, 1/0. Sizes: bytes, or K/KiB, M/MiB, G/GiB (powers of 1024). MS: "
                 "whole milliseconds. See docs/configuration.md.",
                 0);
  out += "\n  -h, --help\n";
  append_wrapped(out, "Print this help and exit.", 8);
  out += "  --version\n";
  append_wrapped(out, "Print the version and exit.", 8);
  for (const auto& [group, title] : k_group_titles) {
    out += '\n';
    out += title;
    out += ":\n";
    for (const auto& d : k_options) {
      if (d.group != group) continue;
      // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + string.
      out += "  --";
      out += d.name;
      if (d.is_boolean()) {
        out += ", --no-";
        out += d.name;
      } else {
        out += ' ';
        out += d.value_name;
      }
      const std::string shown = d.show(defaults);
      out += "  (default ";
      out += shown.empty() ? std::string_view("none") : std::string_view(shown);
      out += ")\n";
      append_wrapped(out, d.help, 8);
      append_wrapped(
          out, "env " + d.env_name() + (d.in_config_file ? ", key " + d.toml_key() : std::string()),
          8);
    }
  }
  return out;
}

}  // namespace lectern::server
