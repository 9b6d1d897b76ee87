#include "stats_report.hpp"

#include <cmath>

namespace lectern::teacher {

nlohmann::json stats_report::take(media::publish_pipeline& pipeline) {
  const auto now = std::chrono::steady_clock::now();
  const media::pipeline_stats s = pipeline.stats(true);
  const auto& p = s.publish;
  double seconds = 0;
  media::pipeline_stats prev;
  if (last_) {
    prev = *last_;
    seconds = std::chrono::duration<double>(now - last_time_).count();
  }
  const auto rate = [&](std::uint64_t a, std::uint64_t b) {
    return seconds > 0 ? std::round(static_cast<double>(a - b) / seconds * 10) / 10 : 0.0;
  };
  const std::uint64_t sent = p.video_sent - prev.publish.video_sent;
  const double latency_avg_ms =
      sent > 0 ? static_cast<double>(p.latency_sum_us - prev.publish.latency_sum_us) / sent / 1000
               : 0.0;
  nlohmann::json j = {
      {"state", media::to_string(p.state)},
      {"connects", p.connects},
      {"fps", rate(p.video_sent, prev.publish.video_sent)},
      {"bitrate_kbps", std::round(rate(p.bytes_sent * 8, prev.publish.bytes_sent * 8) / 100) / 10},
      {"video_sent", p.video_sent},
      {"audio_sent", p.audio_sent},
      {"bytes_sent", p.bytes_sent},
      {"dropped", p.dropped},
      {"skipped", s.video_skipped},
      {"queue", p.queue_length},
      {"latency_ms", std::round(latency_avg_ms * 10) / 10},
      {"latency_max_ms", std::round(static_cast<double>(p.latency_max_us) / 100) / 10},
      {"mic_peak", std::round(static_cast<double>(s.audio_peak) * 1000) / 1000},
      {"camera", s.video_enabled},
      {"mic_muted", s.audio_muted},
  };
  if (!p.last_error.empty()) j["error"] = p.last_error;
  if (!s.source_error.empty()) j["source_error"] = s.source_error;
  last_ = s;
  last_time_ = now;
  return j;
}

}  // namespace lectern::teacher
