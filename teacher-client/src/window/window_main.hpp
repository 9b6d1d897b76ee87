// The teacher's window (SDL2 + Dear ImGui).
#pragma once

namespace lectern::teacher {
class teacher_app;

/// Opens the window and runs until it is closed (or --duration, then --screenshot).
/// Returns the exit status.
int run_window(teacher_app& app);
}  // namespace lectern::teacher
