// Capture → filter → encode → RTMP publish, for the teacher's camera+microphone, the
// teacher's screen, and a student called on to speak. One thread per source; the
// publisher has its own, so a slow network never stalls capture.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "lectern/media/echo_canceller.hpp"
#include "lectern/media/encoder.hpp"
#include "lectern/media/publisher.hpp"
#include "lectern/media/source.hpp"

namespace lectern::media {

/// Everything a pipeline needs: sources (either may be absent), encoders, destination.
struct pipeline_options {
  std::optional<source_spec> video_source;
  std::optional<source_spec> audio_source;
  video_encoder_options video;
  audio_encoder_options audio;
  /// FFmpeg audio filters run on the microphone before resampling, e.g. the noise
  /// suppression "afftdn=nr=12:nf=-40" (see teacher-client/README.md); empty: none.
  std::string audio_filters;
  publisher_options publish;
  /// A microphone (a live device, not a file or lavfi) that cannot be opened is replaced by
  /// silence instead of failing open(): a class without sound beats no class. notice()
  /// then says why.
  bool silence_without_microphone = false;
  /// Removes the speakers' sound from the microphone (not owned: must outlive the
  /// pipeline); used when its rate and frame match the audio encoder's (48 kHz, 1024).
  echo_canceller* echo = nullptr;
  /// Called on the video thread with each frame sent to the encoder (yuv420p at the
  /// output size, black while the camera is off). Must be quick: copy, do not render.
  std::function<void(const AVFrame&)> on_preview;
};

/// A snapshot of the pipeline's counters (cumulative since start).
struct pipeline_stats {
  publisher_stats publish;
  std::uint64_t video_captured = 0;  ///< frames read from the video source
  std::uint64_t video_encoded = 0;   ///< frames given to the encoder
  std::uint64_t video_skipped = 0;   ///< frames above the configured rate, not encoded
  std::uint64_t audio_encoded = 0;   ///< AAC frames
  float audio_peak = 0;              ///< peak |sample| (0..1) of the last audio frame
  bool video_enabled = true;
  bool audio_muted = false;
  bool finished = false;     ///< a source reached its end (a file without --loop)
  std::string source_error;  ///< why a source stopped, if it failed
};

/// Owns the sources, encoders and the publisher. start()/stop() once; the setters and
/// stats() are thread-safe.
class publish_pipeline {
 public:
  /// Opens sources and encoders (nothing is sent yet). The message says which part failed.
  static std::error_code open(pipeline_options options, std::unique_ptr<publish_pipeline>& out,
                              std::string& message);
  ~publish_pipeline();
  publish_pipeline(const publish_pipeline&) = delete;
  publish_pipeline& operator=(const publish_pipeline&) = delete;

  void start();
  void stop();

  void set_audio_muted(bool muted) noexcept { audio_muted_ = muted; }
  /// Camera off: black frames keep the stream (and the students' players) going.
  void set_video_enabled(bool enabled) noexcept { video_enabled_ = enabled; }
  pipeline_stats stats(bool reset_max = false);
  const pipeline_options& options() const noexcept { return options_; }
  /// Why the microphone was replaced by silence (silence_without_microphone); else empty.
  const std::string& notice() const noexcept { return notice_; }

 private:
  explicit publish_pipeline(pipeline_options options) : options_(std::move(options)) {}
  void video_loop();
  void audio_loop();
  /// Maps a video source's timestamps to output frame numbers (video thread only).
  struct video_clock {
    std::int64_t start_us = 0;
    int fps = 30;
    std::int64_t first_pts = AV_NOPTS_VALUE;
    std::int64_t base = 0;
    std::int64_t last_pts = -1;
    /// The frame's position in output frames (fractional) since the pipeline started.
    double position(const AVFrame& f, AVRational tb, std::int64_t capture_us);
  };
  void encode_video(AVFrame& f, double position, std::int64_t capture_us, std::int64_t& last_pts);
  void encode_audio(AVFrame& f, std::int64_t capture_us);
  void cancel_echo(AVFrame& f);
  void source_failed(const media_source& s, int rc);
  std::string audio_chain() const;

  pipeline_options options_;
  std::unique_ptr<media_source> video_source_, audio_source_;
  std::unique_ptr<encoder> video_encoder_, audio_encoder_;
  std::unique_ptr<rtmp_publisher> publisher_;
  std::thread video_thread_, audio_thread_;
  std::int64_t start_unix_us_ = 0;
  std::optional<std::int64_t> audio_base_;  ///< audio thread: pts of the first sample
  std::int64_t audio_samples_ = 0;          ///< audio thread
  std::vector<float> mono_;                 ///< audio thread: the echo canceller's input
  std::string notice_;

  std::atomic<bool> audio_muted_{false};
  std::atomic<bool> video_enabled_{true};
  std::atomic<std::uint64_t> video_captured_{0}, video_encoded_{0}, video_skipped_{0},
      audio_encoded_{0};
  std::atomic<float> audio_peak_{0};
  std::atomic<bool> finished_{false};
  std::mutex error_mutex_;
  std::string source_error_;
};

}  // namespace lectern::media
