// The SDL2 sink: SDL_QueueAudio on a device opened in our one output format.
#include <SDL.h>

#include "lectern/media/audio_output.hpp"

namespace lectern::media {

namespace {

class sdl_audio_sink final : public audio_sink {
 public:
  sdl_audio_sink(SDL_AudioDeviceID device, int device_samples)
      : device_(device), device_samples_(device_samples) {
    SDL_PauseAudioDevice(device_, 0);
  }
  ~sdl_audio_sink() override {
    SDL_CloseAudioDevice(device_);
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
  }
  sdl_audio_sink(const sdl_audio_sink&) = delete;
  sdl_audio_sink& operator=(const sdl_audio_sink&) = delete;

  void write(std::span<const std::int16_t> samples) override {
    SDL_QueueAudio(device_, samples.data(), static_cast<Uint32>(samples.size_bytes()));
  }
  std::int64_t queued_us() override {
    const auto bytes = static_cast<std::int64_t>(SDL_GetQueuedAudioSize(device_));
    const auto frames = bytes / (2 * k_output_channels);
    if (frames == 0) return 0;
    // What SDL holds in its device buffer plays after the queue: count it as queued too.
    return (frames + device_samples_) * 1'000'000 / k_output_rate;
  }
  void clear() override { SDL_ClearQueuedAudio(device_); }

 private:
  SDL_AudioDeviceID device_;
  int device_samples_;
};

}  // namespace

std::unique_ptr<audio_sink> make_sdl_audio_sink(std::string& error) {
  if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
    error = std::string("SDL audio: ") + SDL_GetError();
    return nullptr;
  }
  SDL_AudioSpec want{};
  want.freq = k_output_rate;
  want.format = AUDIO_S16SYS;
  want.channels = k_output_channels;
  want.samples = 1024;
  SDL_AudioSpec have{};
  const auto device = SDL_OpenAudioDevice(nullptr, 0, &want, &have, 0);
  if (device == 0) {
    error = std::string("no audio device: ") + SDL_GetError() + " (use --headless or --no-audio)";
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
    return nullptr;
  }
  return std::make_unique<sdl_audio_sink>(device, have.samples);
}

}  // namespace lectern::media
