// Acoustic echo cancellation (libspeexdsp's MDF canceller, Debian libspeexdsp-dev): removes
// from the teacher's microphone what the speakers played (the called-on student's voice),
// so the class does not hear the student twice.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <vector>

struct SpeexEchoState_;
struct SpeexPreprocessState_;

namespace lectern::media {

/// One canceller between one playback path (far end) and one microphone (near end), both
/// at `sample_rate`. playback() and process() may run on different threads.
class echo_canceller {
 public:
  /// `frame` samples per step (1024 = one AAC frame at 48 kHz, 21 ms); `tail_ms`: the
  /// longest echo path it models (speaker queue + device + room).
  explicit echo_canceller(int sample_rate = 48000, int frame = 1024, int tail_ms = 300);
  ~echo_canceller();
  echo_canceller(const echo_canceller&) = delete;
  echo_canceller& operator=(const echo_canceller&) = delete;

  /// What the speakers are about to play: interleaved s16 with `channels` channels (mixed
  /// to mono). Holds at most one second; older samples are dropped (counted).
  void playback(std::span<const std::int16_t> interleaved, int channels);
  /// Cancels the echo in `mono` (float, -1..1, exactly frame() samples) in place.
  void process(std::span<float> mono);

  int frame() const noexcept { return frame_; }
  int sample_rate() const noexcept { return rate_; }
  /// Far-end samples dropped because process() fell behind playback().
  std::uint64_t dropped() const;

 private:
  int rate_;
  int frame_;
  SpeexEchoState_* echo_;
  SpeexPreprocessState_* residual_;  ///< suppresses what the linear filter leaves
  mutable std::mutex mutex_;
  std::deque<std::int16_t> far_;  ///< bound: one second of samples
  std::uint64_t dropped_ = 0;
  std::vector<std::int16_t> near_, ref_, out_;  ///< process() scratch
};

}  // namespace lectern::media
