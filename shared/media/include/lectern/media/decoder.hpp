// An FFmpeg decoder for one stream (H.264 video, AAC audio, anything libavcodec knows),
// opened from the stream's codec parameters; send/receive with errors as values.
#pragma once

#include <memory>
#include <system_error>

#include "lectern/media/av.hpp"
#include "lectern/media/media_packet.hpp"

namespace lectern::media {

/// One opened decoder. New extradata (a publisher that came back with other parameters)
/// arrives as packet side data, which libavcodec's H.264 and AAC decoders apply themselves.
class decoder {
 public:
  /// Opens a decoder for `params` (slice threads for video: no frame-thread delay).
  static std::unique_ptr<decoder> open(std::shared_ptr<const codec_params> params,
                                       std::error_code& ec);

  /// Sends one packet (nullptr: drain). EAGAIN is not returned: frames are received first.
  std::error_code send(const AVPacket* packet);
  /// The next decoded frame into `frame`; AVERROR(EAGAIN)/AVERROR_EOF when none.
  int receive(AVFrame* frame);
  /// Drops what is inside (after a jump).
  void flush();

  const std::shared_ptr<const codec_params>& params() const { return params_; }
  const AVCodecContext& context() const { return *context_; }

 private:
  decoder(std::shared_ptr<const codec_params> params, codec_context_ptr context);
  std::shared_ptr<const codec_params> params_;
  codec_context_ptr context_;
};

}  // namespace lectern::media
