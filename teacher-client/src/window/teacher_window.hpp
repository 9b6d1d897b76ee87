// What the teacher sees: preview, class and device controls, stats, the called-on
// student, roster and chat. Drawn every frame from the app's state (immediate mode).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lectern/media/sources.hpp"
#include "lectern/ui/panels.hpp"
#include "lectern/ui/video_texture.hpp"
#include "lectern/ui/window.hpp"
#include "teacher_app.hpp"

namespace lectern::teacher {

/// The window's widgets and the state they keep between frames.
class teacher_window {
 public:
  teacher_window(teacher_app& app, ui::window& window);
  /// Draws one frame's widgets (between window.begin_frame() and end_frame()).
  void draw();
  /// The latest stats line (the loop takes one a second).
  void set_stats(nlohmann::json stats) { stats_ = std::move(stats); }

 private:
  void draw_media_column(float width, float height);
  void draw_controls();
  void draw_devices();
  void draw_stats();
  void draw_class_column(float width, float height);
  void apply_roster_action(const ui::roster_action& a);

  teacher_app& app_;
  ui::window& window_;
  ui::video_texture preview_;
  ui::video_texture speaker_;
  ui::chat_input chat_;
  nlohmann::json stats_ = nlohmann::json::object();
  std::vector<media::device_info> devices_;
  int camera_choice_ = -1, mic_choice_ = -1;
  bool camera_on_ = true, mic_on_ = true;
  int buffer_ms_ = -1;
  std::string message_;  ///< the last error shown under the controls
};

}  // namespace lectern::teacher
