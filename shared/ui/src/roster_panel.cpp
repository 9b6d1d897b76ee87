#include <imgui.h>

#include <algorithm>

#include "lectern/ui/panels.hpp"

namespace lectern::ui {

namespace {
// The teacher's buttons for one student; sets `out` when one is clicked.
void student_buttons(const roster_row& r, roster_action& out) {
  using k = roster_action::kind;
  const auto button = [&](const char* label, k what) {
    ImGui::SameLine();
    if (ImGui::SmallButton(label)) out = {what, r.id};
  };
  button(r.speaking ? "Revoke" : "Call on", r.speaking ? k::revoke : k::grant);
  button(r.muted ? "Unmute" : "Mute", r.muted ? k::unmute : k::mute);
  if (r.hand) button("Lower hand", k::lower_hand);
  button("Kick", k::kick);
}
}  // namespace

roster_action roster_panel(const std::vector<roster_row>& rows, bool teacher_controls,
                           font_set& fonts) {
  std::vector<const roster_row*> order;
  for (const auto& r : rows) order.push_back(&r);
  std::stable_sort(order.begin(), order.end(), [](const roster_row* a, const roster_row* b) {
    return a->hand > b->hand;  // raised hands first
  });
  roster_action action;
  ImGui::Text("%zu in the room", rows.size());
  for (const roster_row* r : order) {
    fonts.ensure(r->name);
    ImGui::PushID(r->id.c_str());
    const char* mark = r->hand ? "[hand] " : (r->speaking ? "[speaking] " : "");
    const ImVec4 color = r->hand ? ImVec4(1.0F, 0.85F, 0.3F, 1) : ImVec4(0.9F, 0.9F, 0.9F, 1);
    ImGui::TextColored(color, "%s%s%s%s", mark, r->name.c_str(),
                       r->role == "teacher" ? " (teacher)" : "", r->muted ? " (muted)" : "");
    if (teacher_controls && r->role == "student") student_buttons(*r, action);
    ImGui::PopID();
  }
  return action;
}

}  // namespace lectern::ui
