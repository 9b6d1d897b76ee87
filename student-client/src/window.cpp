// Window mode needs the shared UI library (shared/ui, issue 5); until then it says so.
#include "window.hpp"

#include <cstdio>

namespace lectern::student {

int run_window(const options&, classroom&, json_log&) {
  std::fprintf(stderr, "lectern-student: the window is not built yet; use --headless\n");
  return 2;
}

}  // namespace lectern::student
