// stats_reporter: player_stats → JSON, with the bitrate over the last interval.
#include "stats_json.hpp"

#include <cmath>

namespace lectern::student {

nlohmann::json stats_reporter::line(const media::player_stats& s, clock::time_point now) {
  double kbps = 0;
  if (last_bytes_ && now > last_at_) {
    const auto seconds = std::chrono::duration<double>(now - last_at_).count();
    kbps = static_cast<double>(s.bytes_received - *last_bytes_) * 8 / 1000 / seconds;
  }
  last_bytes_ = s.bytes_received;
  last_at_ = now;
  nlohmann::json j;
  j["state"] = std::string(media::to_string(s.state));
  j["buffer_ms"] = s.buffer_ms;
  j["target_buffer_ms"] = s.target_buffer_ms;
  j["buffer"] = s.buffer_setting;
  j["latency_ms"] = s.latency_ms ? nlohmann::json(*s.latency_ms) : nlohmann::json(nullptr);
  j["jitter_ms"] = s.jitter_ms;
  j["rate"] = s.rate;
  j["frames_decoded"] = s.frames_decoded;
  j["frames_rendered"] = s.frames_rendered;
  j["frames_dropped"] = s.frames_dropped;
  j["audio_frames"] = s.audio_frames;
  j["stalls"] = s.stalls;
  j["stalled_ms"] = s.stalled_ms;
  j["skips"] = s.skips;
  j["bitrate_kbps"] = std::round(kbps * 10) / 10;
  j["bytes"] = s.bytes_received;
  j["reconnects"] = s.reconnects;
  j["packets_dropped"] = s.packets_dropped;
  j["width"] = s.width;
  j["height"] = s.height;
  j["audio"] = s.has_audio;
  j["video"] = s.has_video;
  return j;
}

}  // namespace lectern::student
