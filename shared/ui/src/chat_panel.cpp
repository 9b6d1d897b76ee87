#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "lectern/ui/panels.hpp"

namespace lectern::ui {

std::string chat_panel(const std::vector<chat_line>& lines, chat_input& input, font_set& fonts,
                       float height) {
  const float input_height = ImGui::GetFrameHeightWithSpacing();
  ImGui::BeginChild("chat-history", {0, height - input_height}, true);
  for (const auto& l : lines) {
    fonts.ensure(l.name);
    fonts.ensure(l.text);
    const ImVec4 color =
        l.role == "teacher" ? ImVec4(1.0F, 0.8F, 0.4F, 1.0F) : ImVec4(0.6F, 0.8F, 1.0F, 1.0F);
    ImGui::TextColored(color, "%s%s:", l.name.c_str(), l.is_private ? " (private)" : "");
    ImGui::SameLine();
    ImGui::TextWrapped("%s", l.text.c_str());
  }
  if (lines.size() != input.seen_lines) {
    ImGui::SetScrollHereY(1.0F);
    input.seen_lines = lines.size();
  }
  ImGui::EndChild();
  ImGui::SetNextItemWidth(-70);
  bool send = ImGui::InputText("##chat-input", input.text, sizeof input.text,
                               ImGuiInputTextFlags_EnterReturnsTrue);
  fonts.ensure(input.text);
  ImGui::SameLine();
  send = ImGui::Button("Send", {-1, 0}) || send;
  if (!send || input.text[0] == 0) return {};
  std::string text = input.text;
  input.text[0] = 0;
  ImGui::SetKeyboardFocusHere(-1);
  return text;
}

void level_meter(const char* label, float peak, float width) {
  // -60 dBFS .. 0 dBFS mapped onto the bar; speech peaks around -20..-6.
  const float db = peak > 0.000001F ? 20.0F * std::log10(peak) : -60.0F;
  const float fill = std::clamp((db + 60.0F) / 60.0F, 0.0F, 1.0F);
  const ImVec4 color = db > -3 ? ImVec4(0.9F, 0.2F, 0.2F, 1) : ImVec4(0.2F, 0.8F, 0.3F, 1);
  ImGui::PushStyleColor(ImGuiCol_PlotHistogram, color);
  char overlay[32];
  std::snprintf(overlay, sizeof overlay, "%s %.0f dB", label, db);
  ImGui::ProgressBar(fill, {width, 0}, overlay);
  ImGui::PopStyleColor();
}

}  // namespace lectern::ui
