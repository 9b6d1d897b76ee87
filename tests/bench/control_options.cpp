#include "control_options.hpp"

#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <set>

namespace lectern::bench {

namespace {

using value_parser = std::function<bool(const std::string&)>;

value_parser positive(double& field) {
  return [&field](const std::string& s) {
    return parse_number(s, field) && std::isfinite(field) && field > 0;
  };
}

value_parser int_in(int& field, int lo, int hi) {
  return [&field, lo, hi](const std::string& s) {
    return parse_number(s, field) && field >= lo && field <= hi;
  };
}

value_parser text(std::string& field) {
  return [&field](const std::string& s) { return field = s, !s.empty(); };
}

// Sets `why` when refused: a non-loopback host deserves more than "bad value".
value_parser endpoint(target& t, std::string& why) {
  return [&t, &why](const std::string& s) {
    t.port = 0;
    if (!parse_endpoint(s, t, why)) return false;
    if (t.port == 0) return why = "--server needs HOST:PORT", false;
    return true;
  };
}

// The shared loop: value options, flags, --help, and which options must be present.
parse_outcome parse(int argc, char** argv, const std::map<std::string, value_parser>& values,
                    const std::map<std::string, bool*>& flags,
                    const std::set<std::string>& required, std::string& error) {
  std::set<std::string> given;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") return parse_outcome::help;
    if (auto f = flags.find(a); f != flags.end()) {
      *f->second = true;
      continue;
    }
    const auto p = values.find(a);
    if (p == values.end()) {
      error = "unknown option '";
      error += a + "' (try --help)";
      return parse_outcome::error;
    }
    if (i + 1 >= argc) return error = a + " needs a value (try --help)", parse_outcome::error;
    const std::string v = argv[++i];
    error.clear();
    if (!p->second(v)) {
      if (!error.empty()) {
        std::string why = "bad ";
        why += a + ": " + error;
        return error = std::move(why), parse_outcome::error;
      }
      error = "bad value '";
      error += v + "' for " + a + " (try --help)";
      return parse_outcome::error;
    }
    given.insert(a);
  }
  for (const auto& r : required)
    if (!given.count(r)) return error = r + " is required (try --help)", parse_outcome::error;
  return parse_outcome::run;
}

}  // namespace

parse_outcome parse_ws_chat_options(int argc, char** argv, ws_chat_options& o, std::string& error) {
  const std::map<std::string, value_parser> values = {
      {"--server", endpoint(o.server, error)},
      {"--token", text(o.token)},
      {"--path", [&o](const std::string& s) { return o.path = s, s.starts_with('/'); }},
      {"--clients", int_in(o.clients, 1, 20000)},
      {"--messages", int_in(o.messages, 1, 1000)},
      {"--interval-ms",
       [&o](const std::string& s) { return parse_number(s, o.interval_ms) && o.interval_ms >= 0; }},
      {"--ramp", positive(o.ramp_per_s)},
      {"--join-timeout", positive(o.join_timeout_s)},
      {"--message-timeout", positive(o.message_timeout_s)},
      {"--quiet-ms", positive(o.quiet_ms)},
      {"--max-seconds", positive(o.max_s)},
      {"--threads", int_in(o.threads, 1, 64)},
      {"--json", text(o.json_file)},
  };
  return parse(argc, argv, values, {{"--quiet", &o.quiet}}, {"--server", "--token", "--clients"},
               error);
}

parse_outcome parse_http_get_options(int argc, char** argv, http_get_options& o,
                                     std::string& error) {
  const std::map<std::string, value_parser> values = {
      {"--server", endpoint(o.server, error)},
      {"--path", [&o](const std::string& s) { return o.path = s, s.starts_with('/'); }},
      {"--bearer", text(o.bearer)},
      {"--connections", int_in(o.connections, 1, 10000)},
      {"--duration", positive(o.duration_s)},
      {"--threads", int_in(o.threads, 1, 64)},
      {"--json", text(o.json_file)},
  };
  return parse(argc, argv, values, {{"--quiet", &o.quiet}}, {"--server", "--path"}, error);
}

void print_ws_chat_usage(std::FILE* to) {
  std::fputs(
      R"(Usage: lectern-bench ws-chat --server 127.0.0.1:PORT --token T --clients N [options]

Chat fan-out of the WebSocket control channel (docs/control-protocol.md). N clients join one
room over ws://SERVER/api/v1/ws?token=T&name=bN (joined = welcome and the three so.state
frames), the room is left to settle, then M chat messages are sent one at a time, each by
another client (message k by client k mod N) and each carrying its send time. For every
message the tool measures when each client received the so.change of "chat" holding it,
and so the time until the LAST client had it. Prints a summary on stderr, JSON on stdout.
Only loopback servers are accepted. Needs a room whose max_students is at least N.

  --server HOST:PORT      the HTTP listener of lectern-server (loopback only)
  --token T               room token every client joins with (student or teacher)
  --clients N             clients to join (1..20000)
  --messages M            chat messages to send (default 20, at most 1000)
  --interval-ms MS        pause between a message reaching everyone and the next one
                          (default 500; the server allows 50 frames/s per client)
  --ramp PER_SECOND       clients started per second (default 200)
  --join-timeout S        the join phase ends after S seconds, whoever joined (default 60)
  --message-timeout S     a message not at every client by then counts as incomplete
                          (default 10)
  --quiet-ms MS           after joining, wait until no frame arrived for MS ms, so that the
                          roster changes of the joins are not measured (default 300)
  --max-seconds S         hard bound on the whole run (default 300)
  --threads N             I/O threads, one io_context each (default 1)
  --path P                WebSocket path (default /api/v1/ws)
  --json FILE             write the JSON report to FILE instead of stdout
  --quiet                 no progress lines on stderr
  --help                  this text

Exit status: 0 when every client joined and every message reached every client; 1
otherwise; 2 for a bad command line. See tests/bench/README.md for every number.
)",
      to);
}

void print_http_get_usage(std::FILE* to) {
  std::fputs(
      R"(Usage: lectern-bench http-get --server 127.0.0.1:PORT --path /api/v1/rooms/1 [options]

HTTP API throughput: C keep-alive connections each send GET PATH, wait for the answer, and
send the next, for D seconds. Reports requests per second, the latency of each request
(write to complete answer) and errors; a summary on stderr, JSON on stdout. A connection the
server closes is opened again (counted as a reconnect). Only loopback servers are accepted.

  --server HOST:PORT      the HTTP listener (loopback only)
  --path P                request target, e.g. /api/v1/rooms/1
  --bearer TOKEN          send Authorization: Bearer TOKEN
  --connections C         concurrent keep-alive connections (default 1)
  --duration S            seconds of load (default 10)
  --threads N             I/O threads, one io_context each (default 1)
  --json FILE             write the JSON report to FILE instead of stdout
  --quiet                 no progress lines on stderr
  --help                  this text

Exit status: 0 when at least one request succeeded and none failed (a non-2xx answer or
a connection error); 1 otherwise; 2 for a bad command line.
)",
      to);
}

}  // namespace lectern::bench
