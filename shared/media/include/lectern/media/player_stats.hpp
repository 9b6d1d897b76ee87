// What a player reports: its state, buffer, latency and counters (a snapshot), and the
// events it emits (Flash NetStream codes where one exists).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lectern::media {

/// Where playback is.
enum class player_state : std::uint8_t {
  connecting,  ///< opening the RTMP connection
  waiting,     ///< connected, nothing published yet (or the publisher is away)
  buffering,   ///< filling the buffer to its target (at start or after a stall)
  playing,
  reconnecting,  ///< the connection broke; trying again with backoff
  stopped,
};
std::string_view to_string(player_state s);

/// A snapshot of a player.
struct player_stats {
  player_state state = player_state::connecting;
  std::int64_t buffer_ms = 0;              ///< media held ahead of the playhead
  std::int64_t target_buffer_ms = 0;       ///< what the player tries to hold
  std::string buffer_setting;              ///< "auto" or the fixed ms
  std::optional<std::int64_t> latency_ms;  ///< glass-to-glass of the last shown frame
  std::int64_t jitter_ms = 0;              ///< arrival jitter measured (spread over 30 s)
  double rate = 1.0;                       ///< playback speed (> 1 while catching up)
  std::uint64_t frames_decoded = 0;
  std::uint64_t frames_rendered = 0;
  std::uint64_t frames_dropped = 0;  ///< decoded but late, or beyond the frame queue
  std::uint64_t audio_frames = 0;    ///< decoded audio frames
  std::uint64_t stalls = 0;
  std::int64_t stalled_ms = 0;
  std::uint64_t skips = 0;            ///< jumps ahead to hold the target
  std::uint64_t packets_dropped = 0;  ///< by the jitter buffer's bounds
  std::uint64_t bytes_received = 0;
  std::uint64_t reconnects = 0;
  int width = 0;
  int height = 0;
  bool has_audio = false;
  bool has_video = false;
};

/// Something a user or a log should know about.
struct player_event {
  std::string code;    ///< "NetStream.Buffer.Full", "NetStream.Buffer.Empty", "Lectern.Skip", …
  std::string detail;  ///< readable
};

}  // namespace lectern::media
