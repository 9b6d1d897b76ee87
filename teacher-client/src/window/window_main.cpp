#include "window/window_main.hpp"

#include <iostream>

#include "headless.hpp"

namespace lectern::teacher {
int run_window(teacher_app& app) {
  std::cerr << "lectern-teacher: the window is not built yet; running headless\n";
  return run_headless(app);
}
}  // namespace lectern::teacher
