#include "control_report.hpp"

#include <cmath>
#include <map>
#include <string>

#include "report.hpp"

namespace lectern::bench {

using json = nlohmann::ordered_json;

namespace {

json distribution(std::vector<double> v) {
  return {{"median", rounded(percentile(v, 0.5))},
          {"p95", rounded(percentile(v, 0.95))},
          {"p99", rounded(percentile(v, 0.99))},
          {"max", rounded(percentile(v, 1.0))},
          {"count", v.size()}};
}

// Distinct error texts are few (one server); the cap guards against a surprise.
void count_error(std::map<std::string, std::uint64_t>& errors, const std::string& e) {
  if (!e.empty() && (errors.size() < 20 || errors.count(e))) ++errors[e];
}

json client_json(const ws_client_stats& s) {
  std::vector<double> got;
  for (float v : s.latency_ms)
    if (!std::isnan(v)) got.push_back(v);
  return {{"id", s.id},
          {"join_ms", rounded(s.join_ms)},
          {"frames", s.frames},
          {"bytes", s.bytes},
          {"received", got.size()},
          {"latency_ms_median", rounded(percentile(got, 0.5))},
          {"latency_ms_max", rounded(percentile(got, 1.0))},
          {"join_failed", s.join_failed},
          {"error", s.error.empty() ? json(nullptr) : json(s.error)}};
}

json message_json(const chat_message_result& m) {
  return {{"seq", m.seq},
          {"sender", m.sender},
          {"expected", m.expected},
          {"received", m.received},
          {"last_client_ms", rounded(m.last_client_ms)},
          {"ack_ms", rounded(m.ack_ms)},
          {"refused", m.refused}};
}

}  // namespace

json make_ws_chat_report(const ws_chat_options& o, const ws_chat_run& r) {
  std::vector<double> join_ms, per_client, last_client, ack;
  std::map<std::string, std::uint64_t> errors;
  json clients = json::array();
  std::uint64_t joined = 0, failed = 0;
  for (const ws_client_stats* s : r.clients()) {
    if (s->join_ms) join_ms.push_back(*s->join_ms), ++joined;
    failed += s->join_failed;
    for (float v : s->latency_ms)
      if (!std::isnan(v)) per_client.push_back(v);
    count_error(errors, s->error);
    clients.push_back(client_json(*s));
  }
  json messages = json::array();
  std::uint64_t sent = 0, complete = 0, expected = 0, received = 0;
  for (const chat_message_result& m : r.messages()) {
    sent += m.sender >= 0;
    if (m.last_client_ms) last_client.push_back(*m.last_client_ms), ++complete;
    if (m.ack_ms) ack.push_back(*m.ack_ms);
    expected += static_cast<std::uint64_t>(m.expected);
    received += static_cast<std::uint64_t>(std::min(m.received, m.expected));
    messages.push_back(message_json(m));
  }
  return {
      {"mode", "ws-chat"},
      {"server", o.server.endpoint()},
      {"path", o.path},
      {"clients", o.clients},
      {"messages", o.messages},
      {"interval_ms", o.interval_ms},
      {"ramp_per_s", o.ramp_per_s},
      {"message_timeout_s", o.message_timeout_s},
      {"quiet_ms", o.quiet_ms},
      {"threads", o.threads},
      {"elapsed_s", rounded(r.elapsed_s(), 3)},
      {"join",
       {{"joined", joined},
        {"failed", failed},
        {"phase_s", rounded(r.join_phase_s(), 3)},
        {"settle_s", rounded(r.settle_s(), 3)},
        {"join_ms", distribution(join_ms)}}},
      {"fanout",
       {{"messages_sent", sent},
        {"messages_complete", complete},
        {"last_client_ms", distribution(last_client)},
        {"per_client_ms", distribution(per_client)},
        {"ack_ms", distribution(ack)},
        {"deliveries", received},
        {"missing_deliveries", expected - received}}},
      {"frames_in", r.frames_in()},
      {"bytes_in", r.bytes_in()},
      {"errors", errors},
      {"bench", self_usage()},
      {"messages_detail", std::move(messages)},
      {"clients_detail", std::move(clients)},
  };
}

namespace {

std::string ms(const json& v) {
  if (v.is_null()) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", v.get<double>());
  return buf;
}

std::string dist_line(const json& d) {
  std::string out = "median ";
  out +=
      ms(d["median"]) + ", p95 " + ms(d["p95"]) + ", p99 " + ms(d["p99"]) + ", max " + ms(d["max"]);
  return out;
}

unsigned long long count(const json& v) {
  return v.get<unsigned long long>();
}

void print_errors(std::FILE* to, const json& errors) {
  for (const auto& [message, n] : errors.items())
    std::fprintf(to, "  error          %llu x %s\n", count(n), message.c_str());
}

void print_bench(std::FILE* to, const json& b) {
  std::fprintf(to, "  bench          %.2f s user + %.2f s system CPU, %llu MiB peak RSS\n",
               b["cpu_user_s"].get<double>(), b["cpu_sys_s"].get<double>(),
               count(b["max_rss_kib"]) / 1024);
}

}  // namespace

void print_ws_chat_summary(std::FILE* to, const json& j) {
  const json& join = j["join"];
  const json& f = j["fanout"];
  std::fprintf(to, "lectern-bench ws-chat: %d clients, %d messages, %.1f s, ws://%s%s\n",
               j["clients"].get<int>(), j["messages"].get<int>(), j["elapsed_s"].get<double>(),
               j["server"].get<std::string>().c_str(), j["path"].get<std::string>().c_str());
  std::fprintf(to, "  joined         %llu, %llu failed, in %.1f s (then %.1f s to settle)\n",
               count(join["joined"]), count(join["failed"]),
               join["phase_s"].is_null() ? 0.0 : join["phase_s"].get<double>(),
               join["settle_s"].get<double>());
  std::fprintf(to, "  join time      %s\n", dist_line(join["join_ms"]).c_str());
  std::fprintf(
      to, "  messages       %llu sent, %llu reached every client, %llu deliveries missing\n",
      count(f["messages_sent"]), count(f["messages_complete"]), count(f["missing_deliveries"]));
  std::fprintf(to, "  last client    %s\n", dist_line(f["last_client_ms"]).c_str());
  std::fprintf(to, "  every client   %s\n", dist_line(f["per_client_ms"]).c_str());
  std::fprintf(to, "  sender result  %s\n", dist_line(f["ack_ms"]).c_str());
  print_errors(to, j["errors"]);
  print_bench(to, j["bench"]);
}

json make_http_get_report(const http_get_options& o, const http_get_run& r) {
  std::vector<double> latency;
  std::map<std::string, std::uint64_t> statuses, errors;
  std::uint64_t requests = 0, ok = 0, connects = 0, io_errors = 0;
  json conns = json::array();
  for (const http_conn_stats* s : r.connections()) {
    requests += s->requests;
    ok += s->ok;
    connects += s->connects;
    io_errors += s->io_errors;
    for (const auto& [code, n] : s->statuses) statuses[std::to_string(code)] += n;
    latency.insert(latency.end(), s->latency.values().begin(), s->latency.values().end());
    count_error(errors, s->error);
    conns.push_back({{"id", s->id},
                     {"requests", s->requests},
                     {"ok", s->ok},
                     {"connects", s->connects},
                     {"io_errors", s->io_errors},
                     {"error", s->error.empty() ? json(nullptr) : json(s->error)}});
  }
  const double t = r.elapsed_s();
  return {
      {"mode", "http-get"},
      {"server", o.server.endpoint()},
      {"path", o.path},
      {"bearer", !o.bearer.empty()},
      {"connections", o.connections},
      {"duration_s", o.duration_s},
      {"threads", o.threads},
      {"elapsed_s", rounded(t, 3)},
      {"requests", requests},
      {"requests_ok", ok},
      {"requests_per_s", rounded(t > 0 ? requests / t : 0, 1)},
      {"latency_ms", distribution(latency)},
      {"statuses", statuses},
      {"non_2xx", requests - ok},
      {"connects", connects},
      {"io_errors", io_errors},
      {"errors", errors},
      {"bench", self_usage()},
      {"connections_detail", std::move(conns)},
  };
}

void print_http_get_summary(std::FILE* to, const json& j) {
  std::fprintf(to, "lectern-bench http-get: %d connections, %.1f s, GET http://%s%s\n",
               j["connections"].get<int>(), j["elapsed_s"].get<double>(),
               j["server"].get<std::string>().c_str(), j["path"].get<std::string>().c_str());
  std::fprintf(to, "  requests       %llu (%llu 2xx), %.1f/s\n", count(j["requests"]),
               count(j["requests_ok"]), j["requests_per_s"].get<double>());
  std::fprintf(to, "  latency        %s\n", dist_line(j["latency_ms"]).c_str());
  std::fprintf(to, "  connections    %llu opened, %llu I/O errors, %llu non-2xx answers\n",
               count(j["connects"]), count(j["io_errors"]), count(j["non_2xx"]));
  print_errors(to, j["errors"]);
  print_bench(to, j["bench"]);
}

}  // namespace lectern::bench
