#include "options.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <functional>
#include <map>

namespace lectern::bench {

namespace {

bool is_loopback(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    static const in6_addr loopback = IN6ADDR_LOOPBACK_INIT;
    return std::equal(std::begin(v6.s6_addr), std::end(v6.s6_addr), loopback.s6_addr);
  }
  return false;
}

}  // namespace

bool parse_endpoint(std::string_view hp, target& t, std::string& error) {
  std::string_view port;
  if (hp.starts_with('[')) {
    const auto close = hp.find(']');
    if (close == std::string_view::npos) return error = "unclosed '[' in the host", false;
    t.host = hp.substr(1, close - 1);
    if (close + 1 < hp.size()) {
      if (hp[close + 1] != ':') return error = "expected ':PORT' after ']'", false;
      port = hp.substr(close + 2);
    }
  } else {
    const auto colon = hp.rfind(':');
    t.host = hp.substr(0, colon);
    if (colon != std::string_view::npos) port = hp.substr(colon + 1);
  }
  if (t.host.empty()) return error = "no host", false;
  if (port.data() != nullptr) {
    unsigned p = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc{} || end != port.data() + port.size() || p == 0 || p > 65535)
      return error = "bad port '" + std::string(port) + "'", false;
    t.port = static_cast<std::uint16_t>(p);
  }
  if (t.host == "localhost") t.host = "127.0.0.1";
  if (!is_loopback(t.host))
    return error = "host '" + t.host +
                   "' is not a loopback address (127.0.0.0/8, ::1 or localhost); "
                   "lectern-bench only loads servers on this machine",
           false;
  return true;
}

std::string target::endpoint() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<target> parse_url(std::string_view url, std::string& error) {
  constexpr std::string_view scheme = "rtmp://";
  error.clear();
  if (!url.starts_with(scheme)) {
    error = "the URL must start with rtmp://";
    return std::nullopt;
  }
  url.remove_prefix(scheme.size());
  const auto slash = url.find('/');
  target t;
  if (slash == std::string_view::npos || !parse_endpoint(url.substr(0, slash), t, error)) {
    if (error.empty()) error = "expected rtmp://HOST:PORT/APP/NAME";
    return std::nullopt;
  }
  const std::string_view path = url.substr(slash + 1);
  const auto app_end = path.find('/');
  if (app_end == std::string_view::npos || app_end == 0 || app_end + 1 >= path.size()) {
    error = "expected rtmp://HOST:PORT/APP/NAME (an application and a stream name)";
    return std::nullopt;
  }
  t.app = path.substr(0, app_end);
  t.stream = path.substr(app_end + 1);
  t.tc_url = "rtmp://" + t.endpoint() + "/" + t.app;
  return t;
}

const char* transport_name(transport t) noexcept {
  switch (t) {
    case transport::http_flv:
      return "http-flv";
    case transport::ws_flv:
      return "ws-flv";
    case transport::rtmp:
      break;
  }
  return "rtmp";
}

std::optional<target> parse_play_url(std::string_view url, transport& kind, std::string& error) {
  constexpr std::string_view http = "http://";
  constexpr std::string_view ws = "ws://";
  error.clear();
  if (url.starts_with(http)) {
    kind = transport::http_flv;
    url.remove_prefix(http.size());
  } else if (url.starts_with(ws)) {
    kind = transport::ws_flv;
    url.remove_prefix(ws.size());
  } else {
    error = "the play URL must start with http:// (HTTP-FLV) or ws:// (WS-FLV)";
    return std::nullopt;
  }
  const auto slash = url.find('/');
  target t;
  t.port = 80;  // both schemes' default (RFC 9110 4.2.1, RFC 6455 3)
  if (slash == std::string_view::npos || !parse_endpoint(url.substr(0, slash), t, error)) {
    if (error.empty()) error = "expected http://HOST:PORT/PATH or ws://HOST:PORT/PATH";
    return std::nullopt;
  }
  t.path = url.substr(slash);
  // The path goes into the request line as it is: a space or a control character would
  // make another request of it.
  for (const char c : t.path)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      error = "the path has a space or a control character (percent-encode it)";
      return std::nullopt;
    }
  return t;
}

std::string play_url_mismatch(const options& o) {
  if (o.play_url.empty()) return {};
  const std::string name = o.target.stream.substr(0, o.target.stream.find('?'));
  const std::string expected = "/" + o.target.app + "/" + name + ".flv";
  const std::string path = o.play_target.path.substr(0, o.play_target.path.find('?'));
  if (path == expected) return {};
  return "the players play " + path + " but --url names the stream " + o.target.app + "/" + name +
         " (lectern-server serves it at " + expected +
         "); delay and delivery stay "
         "empty if these are different streams";
}

namespace {

// One option that takes a value: its parser returns false when the value is invalid.
using value_parser = std::function<bool(const std::string&)>;

std::map<std::string, value_parser> value_options(options& o) {
  auto positive_double = [](double& field) {
    return [&field](const std::string& s) {
      return parse_number(s, field) && std::isfinite(field) && field > 0;
    };
  };
  return {
      {"--url", [&o](const std::string& s) { return o.url = s, true; }},
      {"--play-url", [&o](const std::string& s) { return o.play_url = s, !s.empty(); }},
      {"--players",
       [&o](const std::string& s) { return parse_number(s, o.players) && o.players >= 0; }},
      {"--publish", [&o](const std::string& s) { return o.publish_file = s, !s.empty(); }},
      {"--duration", positive_double(o.duration_s)},
      {"--ramp", positive_double(o.ramp_per_s)},
      {"--buffer-ms", [&o](const std::string& s) { return parse_number(s, o.buffer_ms); }},
      {"--json", [&o](const std::string& s) { return o.json_file = s, !s.empty(); }},
      {"--threads",
       [&o](const std::string& s) {
         return parse_number(s, o.threads) && o.threads >= 1 && o.threads <= 64;
       }},
      {"--timestamp-offset",
       [&o](const std::string& s) { return parse_number(s, o.timestamp_offset_ms); }},
      {"--stall-reader",
       [&o](const std::string& s) {
         std::uint32_t ms = 0;
         return parse_number(s, ms) && (o.stall_reader_ms = ms, true);
       }},
      {"--stall-threshold",
       [&o](const std::string& s) {
         return parse_number(s, o.stall_threshold_ms) && o.stall_threshold_ms > 0;
       }},
  };
}

}  // namespace

parse_outcome parse_options(int argc, char** argv, options& o, std::string& error) {
  auto with_value = value_options(o);
  const std::map<std::string, bool*> flags = {
      {"--loop", &o.loop}, {"--audio-only", &o.audio_only}, {"--quiet", &o.quiet}};
  bool players_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") return parse_outcome::help;
    if (auto f = flags.find(a); f != flags.end()) {
      *f->second = true;
      continue;
    }
    const auto p = with_value.find(a);
    if (p == with_value.end()) {
      error = "unknown option '" + a + "' (try --help)";
      return parse_outcome::error;
    }
    if (i + 1 >= argc) {
      error = a + " needs a value (try --help)";
      return parse_outcome::error;
    }
    const std::string v = argv[++i];
    if (!p->second(v)) {
      error = "bad value '";
      error += v + "' for " + a + " (try --help)";
      return parse_outcome::error;
    }
    players_given |= a == "--players";
  }
  if (o.url.empty()) return error = "--url is required (try --help)", parse_outcome::error;
  if (!players_given) return error = "--players is required (try --help)", parse_outcome::error;
  auto t = parse_url(o.url, error);
  if (!t) return error = "bad URL '" + o.url + "': " + error, parse_outcome::error;
  o.target = std::move(*t);
  if (!o.play_url.empty()) {
    auto p = parse_play_url(o.play_url, o.transport, error);
    if (!p) return error = "bad --play-url '" + o.play_url + "': " + error, parse_outcome::error;
    o.play_target = std::move(*p);
    // An HTTP player has no receiveVideo to send: it asks for audio only in the URL, as
    // lectern-server's HTTP players take it (?video=0, like its RTMP play names).
    if (o.audio_only) {
      o.play_target.path += o.play_target.path.find('?') == std::string::npos ? "?" : "&";
      o.play_target.path += "video=0";
    }
  }
  if (o.loop && o.publish_file.empty())
    return error = "--loop needs --publish FILE.flv", parse_outcome::error;
  if (o.players == 0 && o.publish_file.empty())
    return error = "nothing to do: --players 0 and no --publish", parse_outcome::error;
  return parse_outcome::run;
}

void print_usage(std::FILE* to) {
  std::fputs(
      R"(Usage: lectern-bench --url rtmp://127.0.0.1:PORT/APP/NAME --players N [options]
       lectern-bench ws-chat --help     (WebSocket chat fan-out of the control channel)
       lectern-bench http-get --help    (HTTP API throughput with keep-alive)

Load tool for RTMP live servers (lectern-server, nginx-rtmp, ...). Optionally publishes an
FLV file in real time, starts N players of the same stream, measures what each one receives,
and prints a summary on stderr and JSON on stdout. Everything stops after --duration.
The players play over RTMP, or with --play-url over HTTP-FLV or WS-FLV as browsers do.
Only loopback targets are accepted. With --publish, the delay added by the server is each
frame's arrival at the player's socket (the kernel's receive timestamp) minus the
publisher's write: socket_delay_ms; delay_ms takes the tool's read instead, its own
scheduling included.

  --url URL               rtmp://HOST[:PORT]/APP/NAME[?query]; HOST must be loopback. The
                          publisher publishes here, and the players play here unless
                          --play-url says otherwise
  --play-url URL          where the players play, and over what (HOST loopback, PORT 80 by
                          default); transport in the JSON report:
                            http://HOST[:PORT]/PATH[?query]  HTTP-FLV ("http-flv"): a GET,
                              the FLV stream as the body (chunked, or until the server closes)
                            ws://HOST[:PORT]/PATH[?query]    WS-FLV ("ws-flv"): a WebSocket
                              upgrade, the FLV stream in binary messages
                          lectern-server plays rtmp://H:P/live/ROOM at /live/ROOM.flv on its
                          HTTP port; first_frame_ms counts from the request
  --players N             players to start (0: publish only)
  --publish FILE.flv      publish this file in-process (releaseStream, FCPublish,
                          createStream, publish NAME "live", @setDataFrame onMetaData,
                          then the tags paced by their timestamps); without it the players
                          play whatever someone else publishes, and delay/delivery are null
  --loop                  repeat the file with continuing timestamps
  --duration SECONDS      length of the whole run, setup included (default 10)
  --ramp PER_SECOND       players started per second (default 200)
  --buffer-ms MS          SetBufferLength each RTMP player sends after play (default 1000)
  --json FILE             write the JSON report to FILE instead of stdout
  --threads N             I/O threads, one io_context each (default 1)
  --timestamp-offset MS   add MS to every published timestamp (e.g. 16772215 crosses the
                          24-bit extended-timestamp boundary, 0xFFFFFF ms, 5 s in)
  --stall-reader MS       every player stops reading its socket MS ms after play and stays
                          connected until the end (a stuck student)
  --stall-threshold MS    lateness that counts as a stall (default 500)
  --audio-only            players send receiveVideo(false) after play (HTTP players add
                          video=0 to the --play-url query); first_frame_ms is then the
                          first audio frame
  --quiet                 no progress lines on stderr
  --help                  this text

Exit status: 0 when the publisher (if any) published and every player got as far as
play; 1 when setup failed (no connection, connect/createStream/publish/play refused, an
HTTP status other than 200 (101 for WS-FLV), or not done before the end); 2 for a bad
command line. Errors after play (e.g. the server
closing a stuck player) are reported in the JSON, not in the exit status.
See tests/bench/README.md for what every number means.

Example (smoke test, 3 s):
  lectern-bench --url rtmp://127.0.0.1:1935/live/bench --players 3 --duration 3 \
      --publish build/bench-input/gop2s.flv --loop
Browser students (WS-FLV from lectern-server's HTTP port 8080):
  lectern-bench --url rtmp://127.0.0.1:1935/live/bench \
      --play-url ws://127.0.0.1:8080/live/bench.flv --players 100 --duration 20 \
      --publish build/bench-input/gop2s.flv --loop
)",
      to);
}

}  // namespace lectern::bench
