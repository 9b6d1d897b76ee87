#include "report.hpp"

#include <sys/resource.h>

#include <cmath>
#include <fstream>
#include <map>

namespace lectern::bench {

using json = nlohmann::ordered_json;

// Numbers are rounded for reading; the precision kept is far below the noise. Dividing by
// a power of ten (not multiplying by 0.01) gives the double nearest the decimal.
json rounded(std::optional<double> v, int decimals) {
  if (!v) return nullptr;
  const double scale = std::pow(10.0, decimals);
  return std::round(*v * scale) / scale;
}

// The load tool's own cost: if it used most of a core, what it measured includes its own
// queueing (see README.md).
json self_usage() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return {{"cpu_user_s", rounded(seconds(ru.ru_utime), 3)},
          {"cpu_sys_s", rounded(seconds(ru.ru_stime), 3)},
          {"max_rss_kib", ru.ru_maxrss}};
}

bool write_report(const std::string& file, const json& report) {
  const std::string text = report.dump(2) + "\n";
  if (file.empty()) return std::fputs(text.c_str(), stdout) >= 0;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) {
    std::fprintf(stderr, "lectern-bench: cannot write %s\n", file.c_str());
    return false;
  }
  return true;
}

namespace {

json distribution(std::vector<double>& v) {
  return {{"median", rounded(percentile(v, 0.5))},
          {"p95", rounded(percentile(v, 0.95))},
          {"max", rounded(percentile(v, 1.0))},
          {"count", v.size()}};
}

json connection(const player_stats& s) {
  std::vector<float> delays = s.delays.values();
  std::vector<float> audio_delays = s.audio_delays.values();
  std::vector<float> socket_delays = s.socket_delays.values();
  std::vector<float> socket_audio_delays = s.socket_audio_delays.values();
  return {
      {"id", s.id},
      {"bytes", s.bytes},
      {"media_bytes", s.media_bytes},
      {"video_msgs", s.video_msgs},
      {"audio_msgs", s.audio_msgs},
      {"data_msgs", s.data_msgs},
      {"first_frame_ms", rounded(s.first_frame_ms)},
      {"first_is_keyframe", s.first_is_keyframe ? json(*s.first_is_keyframe) : json(nullptr)},
      {"stalls", s.stalls},
      {"stalled_ms", rounded(s.stalled_ms)},
      {"timestamp_jumps", s.timestamp_jumps},
      {"first_timestamp_ms", s.first_timestamp ? json(*s.first_timestamp) : json(nullptr)},
      {"last_timestamp_ms", s.first_timestamp ? json(s.last_timestamp) : json(nullptr)},
      {"delay_ms_median", rounded(percentile(delays, 0.5))},
      {"delay_ms_p95", rounded(percentile(delays, 0.95))},
      {"delay_samples", s.delays.seen()},
      {"audio_delay_ms_median", rounded(percentile(audio_delays, 0.5))},
      {"audio_delay_ms_p95", rounded(percentile(audio_delays, 0.95))},
      {"socket_delay_ms_median", rounded(percentile(socket_delays, 0.5))},
      {"socket_delay_ms_p95", rounded(percentile(socket_delays, 0.95))},
      {"socket_audio_delay_ms_median", rounded(percentile(socket_audio_delays, 0.5))},
      {"socket_audio_delay_ms_p95", rounded(percentile(socket_audio_delays, 0.95))},
      {"reads", s.reads},
      {"reads_without_kernel_timestamp", s.reads_without_kernel_timestamp},
      {"delivery", rounded(s.delivery, 4)},
      {"matched", s.matched},
      {"unmatched", s.unmatched},
      {"play_s", rounded(s.play_s, 3)},
      {"stuck", s.stuck},
      {"statuses", s.statuses},
      {"statuses_dropped", s.statuses_dropped},
      {"setup_failed", s.setup_failed},
      {"error", s.error.empty() ? json(nullptr) : json(s.error)},
  };
}

// Totals and distributions over all players.
struct totals {
  std::vector<double> first_frame, delays, audio_delays, socket_delays, socket_audio_delays;
  std::vector<double> deliveries;
  std::map<std::string, std::uint64_t> statuses, errors;
  std::uint64_t bytes = 0, media = 0, video = 0, audio = 0, stalls = 0, jumps = 0;
  std::uint64_t unmatched = 0, with_stalls = 0, failed = 0, with_errors = 0, playing = 0;
  std::uint64_t keyframe_first = 0, with_first = 0, delivered_99 = 0;
  std::uint64_t reads = 0, reads_without_timestamp = 0;
  double stalled_ms = 0, play_s = 0;

  void add(const player_stats& s) {
    bytes += s.bytes;
    media += s.media_bytes;
    video += s.video_msgs;
    audio += s.audio_msgs;
    stalls += s.stalls;
    stalled_ms += s.stalled_ms;
    jumps += s.timestamp_jumps;
    unmatched += s.unmatched;
    with_stalls += s.stalls > 0;
    failed += s.setup_failed;
    with_errors += !s.error.empty();
    playing += s.video_msgs + s.audio_msgs > 0;
    play_s += s.play_s.value_or(0);
    if (s.first_frame_ms) first_frame.push_back(*s.first_frame_ms);
    if (s.first_is_keyframe) ++with_first, keyframe_first += *s.first_is_keyframe;
    if (s.delivery) deliveries.push_back(*s.delivery), delivered_99 += *s.delivery >= 0.99;
    reads += s.reads;
    reads_without_timestamp += s.reads_without_kernel_timestamp;
    pool(delays, s.delays);
    pool(audio_delays, s.audio_delays);
    pool(socket_delays, s.socket_delays);
    pool(socket_audio_delays, s.socket_audio_delays);
    for (const auto& c : s.statuses) ++statuses[c];
    // Distinct messages are few (one target); the cap guards against a surprise.
    if (!s.error.empty() && (errors.size() < 20 || errors.count(s.error))) ++errors[s.error];
  }

  static void pool(std::vector<double>& all, const sample_set& one) {
    all.insert(all.end(), one.values().begin(), one.values().end());
  }
};

json fraction(std::uint64_t part, std::uint64_t whole) {
  if (whole == 0) return nullptr;
  return rounded(static_cast<double>(part) / static_cast<double>(whole), 4);
}

json summary(const std::vector<const player_stats*>& players, bool have_publisher,
             double elapsed_s) {
  totals t;
  for (const player_stats* s : players) t.add(*s);
  return {
      {"players_playing", t.playing},
      {"players_failed", t.failed},
      {"players_with_errors", t.with_errors},
      {"delivery_99pct_fraction",
       have_publisher ? fraction(t.delivered_99, players.size()) : json(nullptr)},
      {"delivery",
       {{"median", rounded(percentile(t.deliveries, 0.5), 4)},
        {"min", rounded(percentile(t.deliveries, 0.0), 4)}}},
      {"first_frame_ms", distribution(t.first_frame)},
      {"first_is_keyframe_fraction", fraction(t.keyframe_first, t.with_first)},
      {"delay_ms", distribution(t.delays)},
      {"audio_delay_ms", distribution(t.audio_delays)},
      {"socket_delay_ms", distribution(t.socket_delays)},
      {"socket_audio_delay_ms", distribution(t.socket_audio_delays)},
      {"reads_total", t.reads},
      {"reads_without_kernel_timestamp", t.reads_without_timestamp},
      {"bytes_total", t.bytes},
      {"media_bytes_total", t.media},
      {"mbit_per_s_in", rounded(elapsed_s > 0 ? t.bytes * 8 / elapsed_s / 1e6 : 0)},
      {"video_msgs_total", t.video},
      {"audio_msgs_total", t.audio},
      {"stalls_total", t.stalls},
      {"stalled_ms_total", rounded(t.stalled_ms)},
      {"players_with_stalls", t.with_stalls},
      {"timestamp_jumps_total", t.jumps},
      {"unmatched_total", t.unmatched},
      {"player_minutes", rounded(t.play_s / 60, 3)},
      {"statuses", t.statuses},
      {"errors", t.errors},
  };
}

// A setup failure the runner saw (e.g. no Publish.Start in time) wins over what the
// publisher recorded when it was stopped.
json publisher_error(const runner& r) {
  if (!r.publisher_error().empty()) return r.publisher_error();
  const std::string& e = r.publisher_result()->error;
  return e.empty() ? json(nullptr) : json(e);
}

json publisher_json(const runner& r) {
  const publisher_stats* p = r.publisher_result();
  if (p == nullptr) return nullptr;
  const send_log& log = r.log();
  return {
      {"bytes_sent", log.wire_bytes.load()},
      {"messages_sent", log.messages.load()},
      {"audio_bytes", log.audio_bytes.load()},
      {"video_bytes", log.video_bytes.load()},
      {"published", p->published},
      {"loops", p->loops},
      {"max_lag_ms", rounded(p->max_lag_ms)},
      {"late_sends", p->late_sends},
      {"statuses", p->statuses},
      {"error", publisher_error(r)},
  };
}

}  // namespace

json make_report(const options& o, const runner& r) {
  const auto players = r.players();
  json connections = json::array();
  for (const player_stats* s : players) connections.push_back(connection(*s));
  return {
      {"url", o.url},
      {"transport", transport_name(o.transport)},
      {"play_url", o.play_url.empty() ? json(nullptr) : json(o.play_url)},
      {"players", o.players},
      {"duration_s", o.duration_s},
      {"elapsed_s", rounded(r.elapsed_s(), 3)},
      {"threads", o.threads},
      {"ramp_per_s", o.ramp_per_s},
      {"buffer_ms", o.buffer_ms},
      {"stall_threshold_ms", o.stall_threshold_ms},
      {"publish_file", o.publish_file.empty() ? json(nullptr) : json(o.publish_file)},
      {"loop", o.loop},
      {"timestamp_offset_ms", o.timestamp_offset_ms},
      {"stall_reader_ms", o.stall_reader_ms ? json(*o.stall_reader_ms) : json(nullptr)},
      {"audio_only", o.audio_only},
      {"summary", summary(players, r.publisher_result() != nullptr, r.elapsed_s())},
      {"publisher", publisher_json(r)},
      {"bench", self_usage()},
      {"connections", std::move(connections)},
  };
}

namespace {

std::string num(const json& v, const char* unit, int decimals = 1) {
  if (v.is_null()) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f%s", decimals, v.get<double>(), unit);
  return buf;
}

// A fraction as a percentage ("n/a" for null).
std::string pct(const json& v) {
  return v.is_null() ? "n/a" : num(v.get<double>() * 100, "%", 1);
}

unsigned long long count(const json& v) {
  return v.get<unsigned long long>();
}

void delay_line(std::FILE* to, const char* what, const json& d) {
  std::fprintf(to, "  %-26s median %s, p95 %s\n", what, num(d["median"], " ms", 2).c_str(),
               num(d["p95"], " ms", 2).c_str());
}

}  // namespace

void print_summary(std::FILE* to, const json& j) {
  const json& s = j["summary"];
  const json& play_url = j["play_url"];
  std::fprintf(to, "lectern-bench: %d %s players, %.1f s, %s\n", j["players"].get<int>(),
               j["transport"].get<std::string>().c_str(), j["elapsed_s"].get<double>(),
               (play_url.is_null() ? j["url"] : play_url).get<std::string>().c_str());
  std::fprintf(to, "  players      %llu received media, %llu failed setup, %llu with errors\n",
               count(s["players_playing"]), count(s["players_failed"]),
               count(s["players_with_errors"]));
  std::fprintf(to, "  first frame  median %s, p95 %s (keyframe first: %s)\n",
               num(s["first_frame_ms"]["median"], " ms", 0).c_str(),
               num(s["first_frame_ms"]["p95"], " ms", 0).c_str(),
               pct(s["first_is_keyframe_fraction"]).c_str());
  // The delay at the socket is the server's; the one at the read adds the tool's scheduling.
  delay_line(to, "delay at the socket", s["socket_delay_ms"]);
  delay_line(to, "added delay (read)", s["delay_ms"]);
  delay_line(to, "audio delay at the socket", s["socket_audio_delay_ms"]);
  delay_line(to, "audio delay (read)", s["audio_delay_ms"]);
  if (const auto n = count(s["reads_without_kernel_timestamp"]); n > 0)
    std::fprintf(to, "  note         %llu of %llu reads had no kernel timestamp (socket = read)\n",
                 n, count(s["reads_total"]));
  std::fprintf(to, "  delivery     %s of players got >= 99%%, median %s\n",
               pct(s["delivery_99pct_fraction"]).c_str(), pct(s["delivery"]["median"]).c_str());
  std::fprintf(to, "  stalls       %llu in %llu players, %s in all\n", count(s["stalls_total"]),
               count(s["players_with_stalls"]), num(s["stalled_ms_total"], " ms", 0).c_str());
  for (const auto& [message, n] : s["errors"].items())
    std::fprintf(to, "  error        %llu x %s\n", count(n), message.c_str());
  std::fprintf(to, "  received     %.1f MB, %s\n", s["bytes_total"].get<double>() / 1e6,
               num(s["mbit_per_s_in"], " Mbit/s").c_str());
  const json& p = j["publisher"];
  if (p.is_null()) return;
  std::fprintf(to, "  publisher    %.1f MB in %llu messages, %llu loops, max lag %s",
               p["bytes_sent"].get<double>() / 1e6, count(p["messages_sent"]), count(p["loops"]),
               num(p["max_lag_ms"], " ms", 0).c_str());
  if (!p["error"].is_null()) std::fprintf(to, ", error: %s", p["error"].get<std::string>().c_str());
  std::fputc('\n', to);
}

}  // namespace lectern::bench
