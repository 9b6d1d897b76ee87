// One received audio or video packet on the player's timeline, as the RTMP reader hands it
// to the jitter buffer: the FFmpeg packet, its times in microseconds, when it arrived and the
// codec parameters of its stream (so a decoder can be opened or re-opened from the packet
// alone, after a reconnect or a new stream).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "lectern/media/av.hpp"

namespace lectern::media {

/// Audio or video.
enum class media_kind : std::uint8_t { audio, video };

/// A copy of a stream's AVCodecParameters, shared (immutable) by every packet of the stream.
class codec_params {
 public:
  /// Copies `p`; throws std::bad_alloc when FFmpeg cannot allocate.
  explicit codec_params(const AVCodecParameters& p);
  ~codec_params();
  codec_params(const codec_params&) = delete;
  codec_params& operator=(const codec_params&) = delete;
  const AVCodecParameters& get() const noexcept { return *params_; }

 private:
  AVCodecParameters* params_;
};

/// A packet with its timing; times are on the stream's timeline (FLV milliseconds × 1000).
struct media_packet {
  packet_ptr packet;
  media_kind kind = media_kind::video;
  std::int64_t dts_us = 0;
  std::int64_t pts_us = 0;
  std::int64_t duration_us = 0;  ///< 0 when unknown
  bool keyframe = false;
  std::chrono::steady_clock::time_point arrival;
  std::shared_ptr<const codec_params> params;
};

}  // namespace lectern::media
