// The window's loop: frames at the display's rate, stats once a second, --duration and
// --screenshot.
#include "window/window_main.hpp"

#include <chrono>
#include <iostream>

#include "window/teacher_window.hpp"

namespace lectern::teacher {

int run_window(teacher_app& app) {
  std::string error;
  ui::window_options wo;
  wo.title = "Lectern teacher — " + app.join().room.name;
  auto window = ui::window::open(wo, error);
  if (!window) {
    std::cerr << "lectern-teacher: " << error << "\n";
    return 1;
  }
  teacher_window view(app, *window);
  event_log stats_log(app.options().stats_path == "-" ? stdout : nullptr);
  app.start();
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  auto next_stats = start + std::chrono::seconds(1);
  const auto& o = app.options();
  bool screenshot_requested = false;
  while (window->begin_frame()) {
    view.draw();
    const auto now = clock::now();
    if (now >= next_stats) {
      auto line = app.stats_line();
      stats_log.emit(line);
      view.set_stats(std::move(line));
      next_stats += std::chrono::seconds(1);
    }
    const bool over =
        o.duration_s > 0 && now - start >= std::chrono::duration<double>(o.duration_s);
    if (over && !o.screenshot.empty() && !screenshot_requested) {
      window->request_screenshot(o.screenshot);
      screenshot_requested = true;
    }
    window->end_frame();
    if (over && (o.screenshot.empty() || window->screenshot_done())) break;
    if (app.finished()) break;
  }
  app.stop();
  if (screenshot_requested && !window->screenshot_error().empty()) {
    std::cerr << "lectern-teacher: screenshot: " << window->screenshot_error() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace lectern::teacher
