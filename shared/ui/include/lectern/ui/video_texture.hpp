// Showing video in a window: the newest frame handed over from a media thread, uploaded
// to an SDL texture and drawn as an ImGui image that keeps its aspect ratio.
#pragma once

#include <mutex>

#include "lectern/media/av.hpp"

struct SDL_Renderer;
struct SDL_Texture;

namespace lectern::ui {

/// The latest frame from a producer thread (a pipeline's preview callback, a player). Holds
/// one frame: a newer one replaces it (a window slower than the video just skips frames).
/// Thread-safe.
class frame_mailbox {
 public:
  /// Keeps a reference to `f` (no copy of the pixels).
  void put(const AVFrame& f);
  /// The frame put since the last take, or null.
  media::frame_ptr take();

 private:
  std::mutex mutex_;
  media::frame_ptr frame_;
};

/// An SDL streaming texture that shows AVFrames. Render thread only.
class video_texture {
 public:
  explicit video_texture(SDL_Renderer* renderer) : renderer_(renderer) {}
  ~video_texture();
  video_texture(const video_texture&) = delete;
  video_texture& operator=(const video_texture&) = delete;

  /// Uploads a frame (yuv420p directly, anything else converted).
  void update(const AVFrame& f);
  /// Draws the last frame fitted into `width`×`height` (ImGui units), centred; a dark
  /// box with `placeholder` when there is none yet.
  void draw(float width, float height, const char* placeholder) const;
  bool empty() const { return texture_ == nullptr; }

 private:
  SDL_Renderer* renderer_;
  SDL_Texture* texture_ = nullptr;
  int width_ = 0, height_ = 0;
  media::sws_ptr sws_;
  media::frame_ptr converted_;
};

}  // namespace lectern::ui
