// --headless: no window; commands on stdin, JSON events and stats on stdout.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

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

/// --stats FILE: the file and its log (nothing for "-" or no path: stdout's event log).
struct stats_output {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{nullptr, &std::fclose};
  event_log log{nullptr};
  /// Opens `path` for appending; prints why and returns false when it cannot.
  bool open(const std::string& path);
};

/// Reads what stdin has (call when it is readable); complete lines go to run_command,
/// a partial one stays in `pending`; `quit` is set by the `quit` command. False at EOF.
bool read_commands(teacher_app& app, std::string& pending, bool& quit);

/// read_commands if stdin is readable now, without waiting (the window's loop).
bool poll_commands(teacher_app& app, std::string& pending, bool& quit);

}  // namespace lectern::teacher
