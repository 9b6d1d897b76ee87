// The called-on students' camera and microphone, played while they may speak (Flash's
// two-way video chat: the teacher plays the student's stream). Uses the student client's
// player (shared/media player.hpp).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "event_log.hpp"
#include "lectern/media/echo_canceller.hpp"
#include "lectern/media/player.hpp"
#include "lectern/ui/video_texture.hpp"

namespace lectern::teacher {

/// One player per student with a speak grant. Thread-safe.
class speaker_feeds {
 public:
  /// `rtmp_url`: the teacher's own (its host, port and token are reused); `play_audio`:
  /// through the sound card (window) or a null sink (headless); `video`: where the newest
  /// picture goes (may be null); `echo`: fed with what is played (may be null; not owned).
  speaker_feeds(std::string rtmp_url, bool play_audio, ui::frame_mailbox* video,
                media::echo_canceller* echo, event_log& log);
  ~speaker_feeds();

  /// Starts playing `stream` for `participant`, or stops when `stream` is empty.
  void set(const std::string& participant, const std::string& stream);
  /// The roster's `muted`: the student's audio is not played.
  void set_muted(const std::string& participant, bool muted);
  /// Stops every player.
  void clear();
  /// Per participant: state, frames, bytes, latency (for the stats line); null when none.
  nlohmann::json stats() const;

  /// rtmp://HOST:PORT/live/1?token=T and live/1-p7 → rtmp://HOST:PORT/live/1-p7?token=T.
  static std::string stream_url(const std::string& rtmp_url, const std::string& stream);

 private:
  struct feed {
    std::string stream;
    std::shared_ptr<std::atomic<bool>> muted;
    std::unique_ptr<media::player> player;
  };
  /// Under the lock: the old player (if any) moves to `old`, a new one starts.
  void replace(const std::string& participant, const std::string& stream,
               std::unique_ptr<media::player>& old);
  std::unique_ptr<media::audio_sink> make_sink(std::shared_ptr<std::atomic<bool>> muted);

  std::string rtmp_url_;
  bool play_audio_;
  ui::frame_mailbox* video_;
  media::echo_canceller* echo_;
  event_log& log_;
  mutable std::mutex mutex_;
  std::map<std::string, feed> feeds_;
  std::map<std::string, bool> muted_;  ///< kept for students muted before they speak
};

}  // namespace lectern::teacher
