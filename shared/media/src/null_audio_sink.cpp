// The null sink: a virtual device whose queue drains with the steady clock.
#include <algorithm>
#include <chrono>

#include "lectern/media/audio_output.hpp"

namespace lectern::media {

namespace {

class null_audio_sink final : public audio_sink {
 public:
  using clock = std::chrono::steady_clock;

  void write(std::span<const std::int16_t> samples) override {
    const auto now = clock::now();
    // Like a device: a queue that ran dry starts again from now, not from the past.
    if (end_ < now) end_ = now;
    const auto frames = static_cast<std::int64_t>(samples.size()) / k_output_channels;
    end_ += std::chrono::microseconds(frames * 1'000'000 / k_output_rate);
  }
  std::int64_t queued_us() override {
    const auto left = end_ - clock::now();
    return std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::microseconds>(left).count());
  }
  void clear() override { end_ = clock::now(); }

 private:
  clock::time_point end_ = clock::now();
};

}  // namespace

std::unique_ptr<audio_sink> make_null_audio_sink() {
  return std::make_unique<null_audio_sink>();
}

}  // namespace lectern::media
