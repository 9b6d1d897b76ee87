// A libavfilter chain between a source and an encoder: scaling and pixel format for video;
// resampling, channel layout, noise suppression and fixed-size frames for audio.
#pragma once

#include <string>

#include "lectern/media/av.hpp"

namespace lectern::media {

/// buffer/abuffer → `chain` → buffersink/abuffersink, built on the first frame and rebuilt
/// when the input's format changes (a camera switching resolution). Not thread-safe.
class frame_filter {
 public:
  /// `chain` in ffmpeg -vf/-af syntax, e.g. "scale=640:360,format=yuv420p".
  /// `audio_frame_size` > 0 makes the audio sink return frames of exactly that many
  /// samples (AAC needs 1024).
  frame_filter(AVMediaType type, std::string chain, AVRational input_time_base,
               int audio_frame_size = 0);
  ~frame_filter() { av_channel_layout_uninit(&layout_); }
  frame_filter(const frame_filter&) = delete;
  frame_filter& operator=(const frame_filter&) = delete;

  /// Feeds one frame (nullptr: end of stream). Returns an AVERROR on failure.
  int push(AVFrame* frame);
  /// Takes one filtered frame: 0, AVERROR(EAGAIN) when it needs more input, or AVERROR_EOF.
  int pull(AVFrame* out);
  /// The time base of pulled frames.
  AVRational output_time_base() const;

 private:
  int build(const AVFrame& first);
  bool same_format(const AVFrame& f) const;

  AVMediaType type_;
  std::string chain_;
  AVRational input_time_base_;
  int audio_frame_size_;
  filter_graph_ptr graph_;
  AVFilterContext* src_ = nullptr;
  AVFilterContext* sink_ = nullptr;
  // The input format the graph was built for.
  int width_ = 0, height_ = 0, format_ = -1, sample_rate_ = 0;
  AVChannelLayout layout_{};
};

}  // namespace lectern::media
