// Decoded audio of any layout/rate/format to the sinks' one format, optionally a little
// faster (catch-up) through swresample's soft compensation, so that pitch stays natural.
#pragma once

#include <cstdint>
#include <system_error>
#include <vector>

#include "lectern/media/av.hpp"

namespace lectern::media {

/// One swresample context, rebuilt when the input format changes.
class audio_converter {
 public:
  audio_converter() = default;
  ~audio_converter() { av_channel_layout_uninit(&in_layout_); }
  audio_converter(const audio_converter&) = delete;
  audio_converter& operator=(const audio_converter&) = delete;

  /// Converts `in` into `out` (interleaved stereo s16 at k_output_rate). `rate` > 1 makes
  /// fewer samples: what is played lasts 1/rate of the media time.
  std::error_code convert(const AVFrame& in, double rate, std::vector<std::int16_t>& out);

 private:
  std::error_code configure(const AVFrame& in);

  swr_ptr swr_;
  int in_rate_ = 0;
  int in_format_ = -1;
  AVChannelLayout in_layout_{};
  bool compensating_ = false;
};

}  // namespace lectern::media
