// Where decoded audio goes: the sound card through SDL2, or a null sink for headless
// players that still consumes at the real-time rate, so the audio clock, the buffer level
// and stalls behave exactly as with a device.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace lectern::media {

/// The one format every sink takes: 48 kHz, stereo, interleaved signed 16-bit.
inline constexpr int k_output_rate = 48000;
inline constexpr int k_output_channels = 2;

/// A queue of samples that a device (or the wall clock) plays at k_output_rate.
class audio_sink {
 public:
  virtual ~audio_sink() = default;
  /// Queues interleaved stereo samples (never blocks).
  virtual void write(std::span<const std::int16_t> samples) = 0;
  /// How long what is queued will still play, µs.
  virtual std::int64_t queued_us() = 0;
  /// Drops what is queued (after a jump).
  virtual void clear() = 0;
};

/// Consumes samples at real time without a device.
std::unique_ptr<audio_sink> make_null_audio_sink();

/// Opens the default SDL2 audio device; nullptr and `error` when there is none.
std::unique_ptr<audio_sink> make_sdl_audio_sink(std::string& error);

}  // namespace lectern::media
