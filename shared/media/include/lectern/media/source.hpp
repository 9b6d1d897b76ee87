// Capture sources: anything libavformat/libavdevice can open (a V4L2 camera, a PulseAudio
// or ALSA microphone, an X11 screen grab, a media file, a lavfi test pattern or tone),
// decoded to raw frames of one media type, paced to real time when the input is not.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <system_error>

#include "lectern/media/av.hpp"

namespace lectern::media {

/// How to open one capture input and which of its streams to take.
struct source_spec {
  std::string label;   ///< for messages: "camera /dev/video0", "test pattern"
  std::string format;  ///< libavdevice/libavformat input format ("v4l2", "lavfi"); empty: probe
  std::string url;     ///< device, file or lavfi graph
  std::map<std::string, std::string> options;  ///< demuxer/device options (video_size, …)
  AVMediaType type = AVMEDIA_TYPE_VIDEO;       ///< the stream to decode
  bool pace = false;  ///< deliver frames at their timestamps (files, lavfi), not as read
  bool loop = false;  ///< seek back to the start at the end (timestamps keep increasing)
};

/// One decoded frame and when it was captured.
struct captured_frame {
  frame_ptr frame;                 ///< pts in `time_base` of the source, continuous over loops
  std::int64_t capture_unix_us{};  ///< wall clock when the frame was captured (or released)
};

/// An opened input with its decoder. Not thread-safe: one reader thread.
class media_source {
 public:
  /// Opens the input and its decoder; the error names the source and what FFmpeg said.
  static std::error_code open(const source_spec& spec, std::unique_ptr<media_source>& out,
                              std::string& message);

  /// Blocks until the next frame (paced when spec.pace). Returns AVERROR_EOF at the end of
  /// a file that does not loop, AVERROR_EXIT after interrupt(), another AVERROR on failure.
  int read(captured_frame& out);

  /// Makes a blocking read() return AVERROR_EXIT soon (any thread).
  void interrupt() noexcept { interrupted_ = true; }

  AVRational time_base() const noexcept { return stream_->time_base; }
  const AVCodecContext& decoder() const noexcept { return *decoder_; }
  /// Nominal frame rate of a video stream ({0,1} if unknown).
  AVRational frame_rate() const noexcept { return stream_->avg_frame_rate; }
  const source_spec& spec() const noexcept { return spec_; }

 private:
  explicit media_source(source_spec spec) : spec_(std::move(spec)) {}
  static int interrupt_callback(void* self);
  int open_input(std::string& message);
  int decode_next(AVFrame* frame);
  int rewind();
  void pace(const AVFrame& frame);

  source_spec spec_;
  input_format_ptr input_;
  codec_context_ptr decoder_;
  AVStream* stream_ = nullptr;
  packet_ptr packet_ = make_packet();
  std::atomic<bool> interrupted_{false};
  bool draining_ = false;
  std::int64_t loop_offset_ = 0;   ///< added to pts after each loop (stream time base)
  std::int64_t last_end_pts_ = 0;  ///< pts + duration of the last frame (with offset)
  std::int64_t first_pts_ = AV_NOPTS_VALUE;
  std::chrono::steady_clock::time_point pace_start_{};
};

/// Wall-clock now in microseconds since the Unix epoch (the capture-time contract's clock).
std::int64_t unix_now_us() noexcept;

}  // namespace lectern::media
