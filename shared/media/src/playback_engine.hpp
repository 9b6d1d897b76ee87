// The playback side of a player: takes packets from the jitter buffer when their time
// comes, decodes, feeds the audio sink and shows video frames on an audio-master clock
// (a wall clock when the stream has no audio), and keeps the buffer at its target:
// buffering until it holds the target, stall counting, catch-up and skips.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "audio_converter.hpp"
#include "lectern/media/audio_output.hpp"
#include "lectern/media/buffer_policy.hpp"
#include "lectern/media/decoder.hpp"
#include "lectern/media/jitter_buffer.hpp"
#include "lectern/media/player_stats.hpp"
#include "lectern/media/video_frame.hpp"

namespace lectern::media {

/// What the engine calls, on its own thread.
struct engine_callbacks {
  std::function<void(const video_frame&)> on_video;
  std::function<void(const player_event&)> on_event;
};

/// One engine per player; run() is the thread body.
class playback_engine {
 public:
  using clock = std::chrono::steady_clock;

  playback_engine(jitter_buffer& buffer, std::unique_ptr<audio_sink> sink, bool decode_video,
                  buffer_setting setting, std::int64_t auto_initial_us, engine_callbacks callbacks);

  /// Plays until `stop` is set.
  void run(const std::atomic<bool>& stop);
  /// Changes the buffer setting (any thread); applied at the next step.
  void set_buffer(buffer_setting setting);
  /// Counters and state (any thread); connection fields are the player's to fill.
  player_stats snapshot() const;

 private:
  struct decoded_frame {
    frame_ptr frame;
    std::int64_t pts_us;
  };

  void step(clock::time_point now);
  void reset_timeline(clock::time_point now);
  void step_buffering(clock::time_point now);
  void step_playing(clock::time_point now);
  void start_playback(std::int64_t start_us, clock::time_point now);
  void jump_to(std::int64_t us, clock::time_point now);
  void enter_stall(std::int64_t position_us, clock::time_point now);
  bool dry(std::int64_t clock_us, clock::time_point now);

  std::int64_t clock_us(clock::time_point now);
  void update_clock_mode(clock::time_point now);
  void set_rate(double rate, clock::time_point now);
  std::optional<std::int64_t> newest_us() const;

  void feed(std::int64_t until_us);
  void decode_audio(const media_packet& p);
  void decode_video(const media_packet& p);
  bool ensure_decoder(std::unique_ptr<decoder>& d, const media_packet& p);
  void present(std::int64_t clock_us);
  void render(decoded_frame& f);
  void emit(std::string code, std::string detail);
  void publish(clock::time_point now);

  jitter_buffer& buffer_;
  std::unique_ptr<audio_sink> sink_;
  bool decode_video_;
  engine_callbacks callbacks_;
  buffer_policy policy_;

  std::uint64_t generation_ = ~std::uint64_t{0};
  player_state state_ = player_state::waiting;
  std::unique_ptr<decoder> audio_decoder_;
  std::unique_ptr<decoder> video_decoder_;
  audio_converter converter_;
  std::vector<std::int16_t> samples_;
  frame_ptr scratch_;                            // audio frames: converted at once, never kept
  frame_ptr spare_frame_;                        // the next video frame to decode into
  std::deque<decoded_frame> frames_;             // bounded: k_max_frames
  std::map<std::int64_t, std::int64_t> stamps_;  // pts → capture time; bounded: k_max_stamps
  std::vector<std::pair<std::int64_t, clock::time_point>> arrivals_;

  // The clock: audio-master (end of written audio minus what the sink still holds) or a
  // wall clock anchored at (anchor_time_, anchor_us_) running at rate_.
  bool audio_master_ = false;
  bool audio_written_ = false;
  std::int64_t audio_end_us_ = 0;
  std::int64_t last_audio_fed_us_ = 0;
  std::int64_t anchor_us_ = 0;
  clock::time_point anchor_time_{};
  double rate_ = 1.0;
  std::optional<std::int64_t> position_;            // frozen playhead while buffering
  std::int64_t skip_until_us_ = 0;                  // frames before this are decoded, not shown
  std::optional<clock::time_point> first_arrival_;  // of this timeline
  std::optional<clock::time_point> dry_since_;
  std::optional<clock::time_point> stall_began_;
  std::int64_t level_us_ = 0;
  std::int64_t target_us_ = 0;
  bool reported_decoder_error_ = false;

  player_stats counters_;     // the engine thread's; copied to stats_ by publish()
  mutable std::mutex mutex_;  // guards stats_ and pending_
  player_stats stats_;
  std::optional<buffer_setting> pending_;
};

}  // namespace lectern::media
