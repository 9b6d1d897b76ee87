// The echo canceller on a simulated room: the far end (a student's voice, here noise shaped
// like speech bursts) comes back into the microphone delayed and attenuated.
#include "lectern/media/echo_canceller.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace lectern::media {
namespace {

constexpr int k_rate = 48000;
constexpr int k_frame = 1024;

// Noise in bursts, like syllables: a canceller must cope with pauses.
std::vector<std::int16_t> far_signal(int samples, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0F, 4000.0F);
  std::vector<std::int16_t> out(static_cast<std::size_t>(samples));
  for (int i = 0; i < samples; ++i) {
    const float envelope = 0.6F + 0.4F * std::sin(2 * 3.14159F * 3.0F * i / k_rate);
    out[static_cast<std::size_t>(i)] =
        static_cast<std::int16_t>(std::clamp(noise(rng) * envelope, -32000.0F, 32000.0F));
  }
  return out;
}

double energy(const std::vector<float>& s, std::size_t from) {
  double e = 0;
  for (std::size_t i = from; i < s.size(); ++i) e += double(s[i]) * s[i];
  return e / double(s.size() - from);
}

// Runs `seconds` of far end through a 40 ms echo path at -6 dB plus `local` (the teacher's
// own voice); returns (microphone in, canceller out).
std::pair<std::vector<float>, std::vector<float>> simulate(double seconds, bool far_active,
                                                           const std::vector<float>& local) {
  echo_canceller aec(k_rate, k_frame, 300);
  const int total = static_cast<int>(seconds * k_rate) / k_frame * k_frame;
  const auto far = far_signal(total, 7);
  const int delay = k_rate * 40 / 1000;
  std::vector<float> mic(static_cast<std::size_t>(total)), out;
  for (int i = 0; i < total; ++i) {
    const float echo =
        far_active && i >= delay ? far[static_cast<std::size_t>(i - delay)] / 32768.0F * 0.5F : 0;
    mic[static_cast<std::size_t>(i)] =
        echo + (local.empty() ? 0 : local[static_cast<std::size_t>(i)]);
  }
  for (int pos = 0; pos < total; pos += k_frame) {
    if (far_active) aec.playback({far.data() + pos, k_frame}, 1);
    std::vector<float> block(mic.begin() + pos, mic.begin() + pos + k_frame);
    aec.process(block);
    out.insert(out.end(), block.begin(), block.end());
  }
  return {mic, out};
}

TEST(EchoCancellerTest, RemovesTheFarEndFromTheMicrophone) {
  const auto [mic, out] = simulate(6.0, true, {});
  const std::size_t converged = static_cast<std::size_t>(3 * k_rate);  // after 3 s
  const double reduction_db = 10 * std::log10(energy(mic, converged) / energy(out, converged));
  EXPECT_GT(reduction_db, 15.0) << "the echo is only " << reduction_db << " dB quieter";
}

TEST(EchoCancellerTest, LeavesTheTeachersVoiceWhenNobodyElseSpeaks) {
  std::vector<float> voice(static_cast<std::size_t>(4 * k_rate));
  for (std::size_t i = 0; i < voice.size(); ++i) {
    voice[i] = 0.2F * std::sin(2 * 3.14159F * 220.0F * float(i) / k_rate);
  }
  const auto [mic, out] = simulate(4.0, false, voice);
  const double change_db = 10 * std::log10(energy(out, k_rate) / energy(mic, k_rate));
  EXPECT_GT(change_db, -3.0) << "the teacher's own voice lost " << -change_db << " dB";
}

TEST(EchoCancellerTest, FarEndFifoIsBounded) {
  echo_canceller aec(k_rate, k_frame, 300);
  std::vector<std::int16_t> stereo(2 * 48000, 100);
  aec.playback(stereo, 2);
  aec.playback(stereo, 2);  // two seconds without a process(): the older one is dropped
  EXPECT_EQ(aec.dropped(), 48000U);
}

}  // namespace
}  // namespace lectern::media
