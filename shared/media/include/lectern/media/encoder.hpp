// H.264 (libx264, zero-latency) and AAC encoders with the Flash-era knobs: size, frame
// rate, keyframe interval, a bitrate cap (VBV) and an optional quality (CRF); audio bitrate
// and channels. Video packets carry their capture time in an SEI (capture_time.hpp).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "lectern/media/av.hpp"

namespace lectern::media {

/// Video encoder settings (Flash: Camera.setMode / setQuality / setKeyFrameInterval).
struct video_encoder_options {
  int width = 640;   ///< 0 (with height 0): the source's size (a pipeline fills it in)
  int height = 360;
  int fps = 30;
  int keyint_frames = 60;      ///< a keyframe at least every N frames (2 s at 30 fps)
  int bitrate_kbps = 800;      ///< the cap (VBV maxrate and buffer of 1 s)
  std::optional<int> quality;  ///< CRF 0..51 under the cap; none: average at the cap
  std::string preset = "veryfast";
  int threads = 0;  ///< 0: libx264 picks
};

/// Audio encoder settings (Flash: Microphone.rate / setSilenceLevel; here AAC-LC).
struct audio_encoder_options {
  int sample_rate = 48000;
  int channels = 2;
  int bitrate_kbps = 96;
};

/// One encoded packet on its way to the publisher.
struct encoded_packet {
  packet_ptr packet;
  AVRational time_base{1, 1000};
  bool video = false;
  std::int64_t capture_unix_us = 0;  ///< wall clock of the captured picture/sound
};

using packet_sink = std::function<void(encoded_packet&&)>;

/// An opened encoder; encode() hands every packet it produces to the sink. Not thread-safe.
class encoder {
 public:
  /// libx264 with tune=zerolatency, global headers (FLV needs them in the sequence header).
  static std::error_code open_video(const video_encoder_options& o, std::unique_ptr<encoder>& out,
                                    std::string& message);
  /// FFmpeg's native AAC encoder, fltp input of exactly frame_size() samples per frame.
  static std::error_code open_audio(const audio_encoder_options& o, std::unique_ptr<encoder>& out,
                                    std::string& message);

  /// Encodes `frame` (pts in time_base(); nullptr flushes). `force_keyframe` makes this
  /// frame an IDR (after a reconnect a player must start at one).
  int encode(AVFrame* frame, std::int64_t capture_unix_us, bool force_keyframe,
             const packet_sink& sink);

  const AVCodecContext& context() const noexcept { return *ctx_; }
  AVRational time_base() const noexcept { return ctx_->time_base; }
  int frame_size() const noexcept { return ctx_->frame_size; }
  bool video() const noexcept { return ctx_->codec_type == AVMEDIA_TYPE_VIDEO; }

 private:
  explicit encoder(codec_context_ptr ctx) : ctx_(std::move(ctx)) {}
  void stamp(AVPacket& packet, std::int64_t capture_unix_us) const;
  std::int64_t capture_time_of(std::int64_t pts);

  codec_context_ptr ctx_;
  packet_ptr packet_ = make_packet();
  /// pts → capture time of frames inside the encoder (zerolatency: at most a few).
  std::deque<std::pair<std::int64_t, std::int64_t>> in_flight_;
};

}  // namespace lectern::media
