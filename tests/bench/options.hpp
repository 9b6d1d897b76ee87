// lectern-bench command line: the options, the URLs they target, and --help.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace lectern::bench {

/// How the players play: RTMP, or the FLV stream over HTTP (HTTP-FLV) or over a WebSocket
/// (WS-FLV), as browsers do (web/src/lib/player.js).
enum class transport { rtmp, http_flv, ws_flv };

/// "rtmp", "http-flv" or "ws-flv", as in the JSON report.
const char* transport_name(transport t) noexcept;

/// Where the load goes: rtmp://HOST[:PORT]/APP/NAME[?query], split the way an RTMP client
/// uses it (connect to APP with tcUrl, then play or publish NAME with its query string).
struct target {
  std::string host;  ///< an IP literal (IPv6 without brackets)
  std::uint16_t port = 1935;
  std::string app;     ///< first path segment ("live")
  std::string stream;  ///< the rest, query string included ("room1?token=abc")
  std::string tc_url;  ///< rtmp://HOST:PORT/APP, sent in connect
  /// The request target of an http:// or ws:// URL ("/live/room1.flv?token=abc"); empty
  /// for RTMP.
  std::string path;

  /// "127.0.0.1:1935" ("[::1]:1935" for IPv6), for messages.
  std::string endpoint() const;
};

/// Parses "HOST[:PORT]" or "[V6][:PORT]" into t.host and t.port (the port stays as it was
/// when absent). Only loopback hosts are accepted, as for parse_url.
/// The whole of `s` as a number (no sign games, no trailing text); false otherwise.
template <typename T>
bool parse_number(const std::string& s, T& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

bool parse_endpoint(std::string_view host_port, target& t, std::string& error);

/// Parses an RTMP URL. Only loopback targets are accepted (127.0.0.0/8, ::1, localhost):
/// the tool opens thousands of connections and must not be pointed at someone else's host
/// by a typo. On failure returns nullopt and says why in `error`.
std::optional<target> parse_url(std::string_view url, std::string& error);

/// Parses a --play-url: http://HOST[:PORT]/PATH[?query] (HTTP-FLV, port 80 by default) or
/// ws://HOST[:PORT]/PATH[?query] (WS-FLV); loopback hosts only, as for parse_url. Sets `kind`.
std::optional<target> parse_play_url(std::string_view url, transport& kind, std::string& error);

/// Everything the command line sets (see usage()).
struct options {
  std::string url;
  bench::target target;  ///< --url: the publisher's, and the players' without --play-url
  std::string play_url;  ///< empty: the players play --url over RTMP
  bench::target play_target;
  bench::transport transport = transport::rtmp;
  int players = 0;
  std::string publish_file;  ///< empty: no in-process publisher
  bool loop = false;
  double duration_s = 10;
  double ramp_per_s = 200;  ///< players started per second
  std::uint32_t buffer_ms = 1000;
  std::string json_file;  ///< empty: JSON on stdout
  int threads = 1;
  std::uint64_t timestamp_offset_ms = 0;
  std::optional<std::uint32_t> stall_reader_ms;
  bool audio_only = false;
  bool quiet = false;
  std::uint32_t stall_threshold_ms = 500;
};

/// Why --play-url may name another stream than --url (lectern-server plays
/// rtmp://H/APP/NAME at /APP/NAME.flv); empty when it names that one or there is none.
std::string play_url_mismatch(const options& o);

enum class parse_outcome { run, help, error };

/// Parses argv into `out`; on error `error` holds a one-line message.
parse_outcome parse_options(int argc, char** argv, options& out, std::string& error);

/// The --help text.
void print_usage(std::FILE* to);

}  // namespace lectern::bench
