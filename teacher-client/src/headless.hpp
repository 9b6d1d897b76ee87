// --headless: no window; commands on stdin, JSON events and stats on stdout.
#pragma once

#include "teacher_app.hpp"

namespace lectern::teacher {

/// Runs until --duration passes, stdin says `quit` (or closes after --duration was not
/// given... it keeps running), SIGINT/SIGTERM, or a file without --loop ends. Returns the
/// exit status.
int run_headless(teacher_app& app);

/// A command a person or test types, for the window's and the headless loop's shared
/// verbs (camera on|off, mic on|off, screen on|off, then the classroom's). False with
/// `error` when it is not understood.
bool run_command(teacher_app& app, const std::string& line, std::string& error);

}  // namespace lectern::teacher
