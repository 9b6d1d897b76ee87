// A live RTMP player: connection (with reconnects), jitter buffer with NetStream.bufferTime
// semantics, H.264/AAC decode, audio-master A/V sync, audio to a sink and video frames to a
// callback. Used by lectern-student (the teacher's camera and screen) and lectern-teacher
// (a student called on to speak).
//
//   media::player p({.url = rtmp_url, .buffer = *media::buffer_setting::parse("auto")},
//                   {.on_video = show, .on_event = log});
//   p.start();  …  p.stats();  p.set_buffer(…);  …  p.stop();
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "lectern/media/audio_output.hpp"
#include "lectern/media/buffer_policy.hpp"
#include "lectern/media/jitter_buffer.hpp"
#include "lectern/media/player_stats.hpp"
#include "lectern/media/video_frame.hpp"

namespace lectern::media {

/// What to play and how.
struct player_options {
  std::string url;  ///< rtmp://HOST:PORT/live/NAME?token=… (add &video=0 for audio only)
  buffer_setting buffer;
  std::int64_t auto_initial_ms = 1000;  ///< `auto` starts here (the room's recommendation)
  /// Sent to the server as SetBufferLength; < 0: the fixed buffer, or auto_initial_ms.
  int announce_buffer_ms = -1;
  /// Where audio goes; nullptr: a null sink (headless, but still real-time).
  std::unique_ptr<audio_sink> audio;
  bool decode_video = true;  ///< false: count video bytes only (audio-only listeners)
  std::chrono::milliseconds idle_timeout{15000};  ///< silence before reconnecting
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{5000};
  jitter_buffer_limits limits;
};

/// Callbacks run on the player's threads and must not block: on_video on the playback
/// thread at the frame's presentation time, on_event on either thread.
struct player_callbacks {
  std::function<void(const video_frame&)> on_video;
  std::function<void(const player_event&)> on_event;
};

/// One stream being played. Two threads: the network reader and the playback engine.
class player {
 public:
  player(player_options options, player_callbacks callbacks);
  ~player();  ///< stops
  player(const player&) = delete;
  player& operator=(const player&) = delete;

  /// Starts both threads (once).
  void start();
  /// Stops and joins them; idempotent.
  void stop();
  /// Changes the buffer while playing (any thread).
  void set_buffer(buffer_setting setting);
  /// A snapshot (any thread).
  player_stats stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lectern::media
