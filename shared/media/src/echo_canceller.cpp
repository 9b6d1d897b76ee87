// The far-end FIFO and the speexdsp calls.
#include "lectern/media/echo_canceller.hpp"

#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

#include <algorithm>
#include <cmath>
#include <new>

namespace lectern::media {

echo_canceller::echo_canceller(int sample_rate, int frame, int tail_ms)
    : rate_(sample_rate),
      frame_(frame),
      echo_(speex_echo_state_init(frame, sample_rate * tail_ms / 1000)),
      residual_(speex_preprocess_state_init(frame, sample_rate)),
      near_(static_cast<std::size_t>(frame)),
      ref_(static_cast<std::size_t>(frame)),
      out_(static_cast<std::size_t>(frame)) {
  if (echo_ == nullptr || residual_ == nullptr) throw std::bad_alloc();
  speex_echo_ctl(echo_, SPEEX_ECHO_SET_SAMPLING_RATE, &rate_);
  speex_preprocess_ctl(residual_, SPEEX_PREPROCESS_SET_ECHO_STATE, echo_);
  int off = 0;  // noise suppression is FFmpeg's afftdn's job (media_setup)
  speex_preprocess_ctl(residual_, SPEEX_PREPROCESS_SET_DENOISE, &off);
}

echo_canceller::~echo_canceller() {
  speex_preprocess_state_destroy(residual_);
  speex_echo_state_destroy(echo_);
}

void echo_canceller::playback(std::span<const std::int16_t> interleaved, int channels) {
  if (channels <= 0) return;
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i + static_cast<std::size_t>(channels) <= interleaved.size();
       i += static_cast<std::size_t>(channels)) {
    int sum = 0;
    for (int c = 0; c < channels; ++c) sum += interleaved[i + static_cast<std::size_t>(c)];
    far_.push_back(static_cast<std::int16_t>(sum / channels));
  }
  const auto limit = static_cast<std::size_t>(rate_);  // one second
  if (far_.size() > limit) {
    dropped_ += far_.size() - limit;
    far_.erase(far_.begin(), far_.begin() + static_cast<std::ptrdiff_t>(far_.size() - limit));
  }
}

void echo_canceller::process(std::span<float> mono) {
  if (static_cast<int>(mono.size()) != frame_) return;
  {
    // The reference is what was handed to the speakers first: it reaches the microphone
    // later (device queue, air), a delay the filter models up to tail_ms.
    std::lock_guard lock(mutex_);
    const std::size_t n = std::min(far_.size(), ref_.size());
    std::copy_n(far_.begin(), n, ref_.begin());
    std::fill(ref_.begin() + static_cast<std::ptrdiff_t>(n), ref_.end(), 0);
    far_.erase(far_.begin(), far_.begin() + static_cast<std::ptrdiff_t>(n));
  }
  for (std::size_t i = 0; i < mono.size(); ++i) {
    near_[i] = static_cast<std::int16_t>(std::lround(std::clamp(mono[i], -1.0F, 1.0F) * 32767));
  }
  speex_echo_cancellation(echo_, near_.data(), ref_.data(), out_.data());
  speex_preprocess_run(residual_, out_.data());
  for (std::size_t i = 0; i < mono.size(); ++i) mono[i] = static_cast<float>(out_[i]) / 32768.0F;
}

std::uint64_t echo_canceller::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace lectern::media
