// A desktop client's window: SDL2 with its 2D renderer (works on any GPU, and in software
// under Xvfb) and a Dear ImGui context with the CJK font set.
#pragma once

#include <SDL_events.h>

#include <bitset>
#include <memory>
#include <optional>
#include <string>

#include "lectern/ui/fonts.hpp"

struct SDL_Window;
struct SDL_Renderer;
struct ImGuiContext;

namespace lectern::ui {

/// Title, size and text size of a window.
struct window_options {
  std::string title = "Lectern";
  int width = 1280;
  int height = 800;
  float font_size = 18.0F;
};

/// Owns SDL's window and renderer and the ImGui context; one per process, used from one
/// thread (SDL and ImGui are not thread-safe).
class window {
 public:
  /// Opens the window; the error says what SDL said (no display, no renderer).
  static std::unique_ptr<window> open(const window_options& options, std::string& error);
  ~window();
  window(const window&) = delete;
  window& operator=(const window&) = delete;

  /// Handles pending events and starts an ImGui frame; false once the user closed it.
  bool begin_frame();
  /// Renders the frame and presents it; with a screenshot requested, saves it first.
  void end_frame();
  /// Saves the next rendered frame as PNG (in end_frame). The result: screenshot_error().
  void request_screenshot(std::string path) { screenshot_path_ = std::move(path); }
  /// Empty after a successful screenshot; otherwise why it failed.
  const std::string& screenshot_error() const { return screenshot_error_; }
  bool screenshot_done() const { return screenshot_done_; }

  SDL_Renderer* renderer() const { return renderer_; }
  font_set& fonts() { return fonts_; }

 private:
  window(SDL_Window* w, SDL_Renderer* r, font_set fonts);
  void save_screenshot();
  /// The next event for this frame; false at the end of the queue or when a key changes a
  /// second time in this frame (that event then opens the next frame; window.cpp says why).
  bool next_event(SDL_Event& e);

  SDL_Window* window_;
  SDL_Renderer* renderer_;
  ImGuiContext* imgui_ = nullptr;
  font_set fonts_;
  std::string screenshot_path_;
  std::string screenshot_error_;
  bool screenshot_done_ = false;
  std::optional<SDL_Event> deferred_;
  std::bitset<SDL_NUM_SCANCODES> keys_changed_;  // keys that changed in this frame
};

}  // namespace lectern::ui
