// Headless mode: no window, no sound card; stats lines each second, stdin commands.
#pragma once

#include "classroom.hpp"
#include "json_log.hpp"
#include "options.hpp"

namespace lectern::student {

/// Runs until --duration passes, stdin says `quit`, or the class is over for us (the end of
/// stdin only ends the commands). Returns the exit status.
int run_headless(const options& opts, classroom& room, json_log& log);

}  // namespace lectern::student
