// Window mode: the teacher's video (and screen), buffer and latency, chat, hand, roster,
// the speak consent button and the speaker's own preview.
#pragma once

#include "classroom.hpp"
#include "json_log.hpp"
#include "options.hpp"

namespace lectern::student {

/// Starts `room` and runs the window until it is closed, --duration passes, the screenshot
/// is saved or the class is over. Returns the exit status.
int run_window(const options& opts, classroom& room, json_log& log);

}  // namespace lectern::student
