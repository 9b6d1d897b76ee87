// What lectern-server's options are: one table (name, group, help, how each value is read
// and shown) and the setters and shows per kind of field. Reading the sources (flags, the
// environment, the config file) and --help are in options.cpp.
#include <algorithm>
#include <array>
#include <thread>
#include <type_traits>
#include <utility>

#include "log.hpp"
#include "option_values.hpp"
#include "options.hpp"
#include "webhook_event.hpp"

namespace lectern::server {
namespace {

using detail::format_size;
using detail::k_gib;
using detail::k_kib;
using detail::k_mib;
using detail::parse_bool;
using detail::parse_count;
using detail::parse_size;
using detail::quote_value;
using detail::split_list;

constexpr std::uint64_t k_max_ms = 24ull * 60 * 60 * 1000;  // no timeout or span past a day
constexpr std::size_t k_max_webhook_urls = 16;              // each event is sent to every one
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
  auto address = parse_listen_address(detail::trim(v), error);
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
  o.web_root = std::filesystem::path(std::string(detail::trim(v)));
  return true;
}

bool set_public_url(server_options& o, std::string_view v, std::string& error) {
  const auto url = detail::trim(v);
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
  const auto value = detail::trim(v);
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
  const auto level = parse_log_level(detail::trim(v));
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

// Long names: in a unity build these aliases reach the files compiled after this one.
using opt_group = option_group;
using opts = server_options;

constexpr std::array k_options{
    option_descriptor{"config", opt_group::general, "FILE",
                      "TOML config file to read (flat keys as listed here). No file is read "
                      "unless this is set.",
                      show_path<&opts::config_file>, set_path<&opts::config_file>, false},
    option_descriptor{"threads", opt_group::general, "N",
                      "Worker threads for network I/O, 0..256; 0 means one per CPU core.",
                      show_number<&opts::threads>, set_count<&opts::threads, 0, 256>},
    option_descriptor{"rtmp-listen", opt_group::network, "HOST:PORT",
                      "RTMP listen address (HOST:PORT, [IPv6]:PORT or :PORT). Port 0 picks a "
                      "free port; the server prints the ports it bound.",
                      show_address<&opts::rtmp_listen>, set_address<&opts::rtmp_listen>},
    option_descriptor{"http-listen", opt_group::network, "HOST:PORT",
                      "HTTP listen address for the control API, web panel and HTTP-FLV. Port "
                      "0 picks a free port.",
                      show_address<&opts::http_listen>, set_address<&opts::http_listen>},
    option_descriptor{"public-url", opt_group::network, "URL",
                      "The server's address as clients reach it (http://host:port), used in join "
                      "links and RTMP URLs; empty: taken from each request's Host header.",
                      show_public_url, set_public_url},
    option_descriptor{"admin-session-hours", opt_group::limits, "N",
                      "An admin's login lasts this many hours after the last request, 1..2160.",
                      show_session_hours, set_session_hours},
    option_descriptor{"open", opt_group::network, "",
                      "Auth-free relay: anyone may publish and play any live/NAME. For local "
                      "use and benchmarks only.",
                      show_bool<&opts::open>, set_bool<&opts::open>},
    option_descriptor{"write-batching", opt_group::network, "MODE",
                      "How writes to players are grouped: none (each message at once, no added "
                      "delay), frame (audio waits for the next video frame, at most 50 ms: "
                      "about a third of the system calls and half the CPU per player), window "
                      "(an idle writer waits 20 ms for more).",
                      show_batching, set_batching},
    option_descriptor{"io-uring", opt_group::network, "",
                      "Send a round's writes to all players with one io_uring system call "
                      "instead of one sendmsg each (less CPU per player). Used when the kernel "
                      "allows it (the log says); --no-io-uring writes each socket itself.",
                      show_bool<&opts::io_uring>, set_bool<&opts::io_uring>},
    option_descriptor{"low-latency", opt_group::network, "",
                      "Same as --write-batching none; --no-low-latency is --write-batching "
                      "window (kept for older scripts).",
                      show_low_latency, set_low_latency},
    option_descriptor{"chunk-size", opt_group::network, "BYTES",
                      "RTMP chunk size the server sends with, 128..65536.",
                      show_number<&opts::chunk_size>, set_size<&opts::chunk_size, 128, 65536>},
    option_descriptor{"handshake-timeout-ms", opt_group::network, "MS",
                      "A connection that has not completed the RTMP handshake and connect "
                      "within this time is closed.",
                      show_ms<&opts::handshake_timeout>, set_ms<&opts::handshake_timeout>},
    option_descriptor{"idle-timeout-ms", opt_group::network, "MS",
                      "A publisher, or a connection not yet playing, that sends nothing for "
                      "this long is closed.",
                      show_ms<&opts::idle_timeout>, set_ms<&opts::idle_timeout>},
    option_descriptor{"data-dir", opt_group::storage, "DIR",
                      "Directory for the database, recordings and logs; created if missing.",
                      show_path<&opts::data_dir>, set_path<&opts::data_dir>},
    option_descriptor{"web-root", opt_group::storage, "DIR",
                      "Directory of the built web panel served at /; empty: the panel this "
                      "build writes (BUILD_DIR/web).",
                      show_path<&opts::web_root>, set_web_root},
    option_descriptor{"record-all", opt_group::storage, "",
                      "Record every live stream to DATA_DIR, not only those published with "
                      "\"record\" or \"append\".",
                      show_bool<&opts::record_all>, set_bool<&opts::record_all>},
    option_descriptor{"record-flush-ms", opt_group::storage, "MS",
                      "How often recordings are flushed to disk; a crash loses at most this "
                      "much.",
                      show_ms<&opts::record_flush_interval>, set_ms<&opts::record_flush_interval>},
    option_descriptor{"max-connections", opt_group::limits, "N",
                      "Connections the server holds at once, 1..1000000; more are refused.",
                      show_number<&opts::max_connections>,
                      set_count<&opts::max_connections, 1, 1000000>},
    option_descriptor{"max-http-players", opt_group::limits, "N",
                      "Live players over HTTP-FLV and WebSocket-FLV at once, 0..1000000; more "
                      "get 503.",
                      show_number<&opts::max_http_players>,
                      set_count<&opts::max_http_players, 0, 1000000>},
    option_descriptor{"store-queue", opt_group::limits, "N",
                      "Database writes that may wait for the disk (attendance, audit), "
                      "1..1000000; more are dropped and counted.",
                      show_number<&opts::store_queue>, set_count<&opts::store_queue, 1, 1000000>},
    option_descriptor{"max-message-size", opt_group::limits, "SIZE",
                      "Largest RTMP message accepted from a peer, 1KiB..64MiB; a larger one "
                      "closes that connection.",
                      show_size<&opts::max_message_size>,
                      set_size<&opts::max_message_size, k_kib, 64 * k_mib>},
    option_descriptor{"subscriber-queue-bytes", opt_group::limits, "SIZE",
                      "Bytes of media queued for one player, 64KiB..1GiB and at least "
                      "max-message-size; when full, the player skips to the next keyframe.",
                      show_size<&opts::subscriber_queue_bytes>,
                      set_size<&opts::subscriber_queue_bytes, 64 * k_kib, k_gib>},
    option_descriptor{"subscriber-queue-ms", opt_group::limits, "MS",
                      "Media time one player's queue may hold before it skips to the next "
                      "keyframe.",
                      show_ms<&opts::subscriber_queue_ms>, set_ms<&opts::subscriber_queue_ms>},
    option_descriptor{"max-lag-ms", opt_group::limits, "MS",
                      "A player this far behind the live edge is disconnected with "
                      "NetStream.Play.InsufficientBW.",
                      show_ms<&opts::max_lag>, set_ms<&opts::max_lag>},
    option_descriptor{"gop-cache-bytes", opt_group::limits, "SIZE",
                      "Bytes of the latest group of pictures kept per stream so a new player "
                      "starts at a keyframe, up to 4GiB; 0 disables the cache.",
                      show_size<&opts::gop_cache_bytes>,
                      set_size<&opts::gop_cache_bytes, 0, 4 * k_gib>},
    option_descriptor{"gop-cache-ms", opt_group::limits, "MS",
                      "Media time the GOP cache may hold per stream.", show_ms<&opts::gop_cache_ms>,
                      set_ms<&opts::gop_cache_ms>},
    option_descriptor{"log-level", opt_group::logging, "LEVEL",
                      "Least severe log lines written: debug, info, warn or error.", show_log_level,
                      set_log_level},
    option_descriptor{"webhook-url", opt_group::webhooks, "URL",
                      "http:// or https:// URL that receives signed event POSTs. Repeat the "
                      "flag or separate URLs with commas; the config key takes an array.",
                      show_webhook_urls, set_webhook_urls, true, true, "webhook-urls"},
    option_descriptor{"webhook-secret", opt_group::webhooks, "SECRET",
                      "Key for the X-Lectern-Signature HMAC, at least 16 characters; required "
                      "with webhook URLs. Prefer the environment variable to the flag.",
                      show_secret, set_secret},
};

// parse() reads the config file before the other options.
static_assert(k_options[0].name == "config");

}  // namespace

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

}  // namespace lectern::server
