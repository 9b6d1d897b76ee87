// A decoded picture as the player hands it out at its presentation time.
#pragma once

#include <cstdint>
#include <optional>

extern "C" {
#include <libavutil/frame.h>
}

namespace lectern::media {

/// Valid only during the callback that receives it: copy or convert what you keep.
struct video_frame {
  const AVFrame* frame = nullptr;          ///< usually yuv420p; width, height, format inside
  std::int64_t pts_us = 0;                 ///< on the stream's timeline
  std::optional<std::int64_t> capture_us;  ///< the teacher's capture time (unix µs), if stamped
  std::optional<std::int64_t> latency_us;  ///< now − capture_us (glass-to-glass)
};

}  // namespace lectern::media
