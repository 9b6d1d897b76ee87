// The classroom panels both clients show: chat, roster, microphone level. Immediate mode:
// call them every frame inside an ImGui window with the current state; they return what
// the user did, and the caller turns that into control-channel requests.
#pragma once

#include <string>
#include <vector>

#include "lectern/ui/fonts.hpp"

namespace lectern::ui {

/// One chat line as shown.
struct chat_line {
  std::string id;
  std::string name;
  std::string role;  ///< "teacher" lines are highlighted
  std::string text;
  bool is_private = false;
};

/// The chat input's state between frames.
struct chat_input {
  char text[2048] = {};
  std::size_t seen_lines = 0;  ///< to scroll down when a line arrives
};

/// The chat history and an input line. Returns the text to send ("" when none); notes every
/// character in `fonts` so that CJK text renders.
std::string chat_panel(const std::vector<chat_line>& lines, chat_input& input, font_set& fonts,
                       float height);

/// One participant as the roster shows it.
struct roster_row {
  std::string id;
  std::string name;
  std::string role;
  bool hand = false;
  bool speaking = false;  ///< has a speak grant
  bool muted = false;
};

/// What the user clicked in the roster.
struct roster_action {
  enum class kind { none, grant, revoke, mute, unmute, kick, lower_hand };
  kind what = kind::none;
  std::string participant;
};

/// The roster; with `teacher_controls` each student gets grant/revoke, mute and kick
/// buttons. Raised hands are listed first.
roster_action roster_panel(const std::vector<roster_row>& rows, bool teacher_controls,
                           font_set& fonts);

/// A horizontal level meter for a peak sample value (0..1), drawn in dBFS.
void level_meter(const char* label, float peak, float width);

}  // namespace lectern::ui
