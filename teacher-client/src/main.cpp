// lectern-teacher: go live in a Lectern classroom (camera, microphone, screen) and run the
// class. See --help and teacher-client/README.md.
#include <csignal>
#include <iostream>

extern "C" {
#include <libavutil/log.h>
}

#include "headless.hpp"
#include "lectern/media/sources.hpp"
#include "media_setup.hpp"
#include "options.hpp"
#include "teacher_app.hpp"
#include "window/window_main.hpp"

int main(int argc, char** argv) {
  using namespace lectern::teacher;
  teacher_options options;
  std::string error;
  if (!parse_options(argc, argv, options, error)) {
    std::cerr << "lectern-teacher: " << error << "\n";
    return 2;
  }
  if (options.help) {
    std::cout << usage();
    return 0;
  }
  av_log_set_level(AV_LOG_ERROR);  // FFmpeg's own chatter would drown our notices
  if (options.list_devices) {
    std::cout << device_listing();
    return 0;
  }
  // A write to a server that went away must be an error we reconnect from, not a signal
  // that kills the class.
  std::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<teacher_app> app;
  if (const int rc = teacher_app::create(options, app); rc != 0) return rc;
  return options.headless ? run_headless(*app) : run_window(*app);
}
