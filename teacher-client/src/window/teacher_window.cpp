// The teacher's window layout: two columns, media on the left, the class on the right.
#include "window/teacher_window.hpp"

#include <imgui.h>

#include "headless.hpp"

namespace lectern::teacher {

namespace {
std::string stat_text(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}
}  // namespace

teacher_window::teacher_window(teacher_app& app, ui::window& window)
    : app_(app),
      window_(window),
      preview_(window.renderer()),
      speaker_(window.renderer()),
      devices_(media::list_devices()) {}

void teacher_window::draw() {
  if (auto f = app_.preview().take()) preview_.update(*f);
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("Lectern teacher", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  const float width = ImGui::GetContentRegionAvail().x;
  const float height = ImGui::GetContentRegionAvail().y;
  const float left = width * 0.58F;
  ImGui::BeginChild("media", {left, height});
  draw_media_column(left, height);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("class", {0, height});
  draw_class_column(width - left, height);
  ImGui::EndChild();
  ImGui::End();
}

void teacher_window::draw_media_column(float width, float height) {
  const auto snap = app_.room().snapshot();
  ImGui::Text("%s  ·  room %llu  ·  class %s", app_.join().room.name.c_str(),
              static_cast<unsigned long long>(app_.join().room.id), snap.class_state.c_str());
  const float video_h = std::min(width * 9.0F / 16.0F, height * 0.5F);
  preview_.draw(width - 8, video_h, "waiting for the camera…");
  draw_controls();
  ImGui::Separator();
  std::string speaker = "No student is speaking";
  for (const auto& r : snap.roster) {
    if (!r.speak.empty()) speaker = r.name + " may speak (" + r.speak + ")";
  }
  window_.fonts().ensure(speaker);
  ImGui::TextUnformatted(speaker.c_str());
  speaker_.draw(width * 0.45F, width * 0.45F * 9.0F / 16.0F, "called-on student");
  draw_stats();
}

void teacher_window::draw_controls() {
  const auto snap = app_.room().snapshot();
  const bool live = snap.class_state == "live";
  if (ImGui::Button(live ? "End class" : "Start class", {140, 0})) {
    live ? app_.room().channel().class_end() : app_.room().channel().class_start();
  }
  ImGui::SameLine();
  if (ImGui::Checkbox("Camera", &camera_on_)) app_.camera().set_video_enabled(camera_on_);
  ImGui::SameLine();
  if (ImGui::Checkbox("Microphone", &mic_on_)) app_.camera().set_audio_muted(!mic_on_);
  ImGui::SameLine();
  bool sharing = app_.screen_sharing();
  if (ImGui::Checkbox("Share screen", &sharing)) {
    if (!app_.set_screen_sharing(sharing, message_)) sharing = false;
  }
  const auto peak = stats_.find("mic_peak");
  ui::level_meter("mic", peak != stats_.end() ? peak->get<float>() : 0.0F, 260);
  draw_devices();
  if (!message_.empty()) ImGui::TextColored({1, 0.4F, 0.4F, 1}, "%s", message_.c_str());
}

void teacher_window::draw_devices() {
  const auto combo = [&](const char* label, const char* kind, int& choice) {
    const auto name = [&](int i) { return i < 0 ? std::string("(current)") : devices_[i].name; };
    bool changed = false;
    ImGui::SetNextItemWidth(220);
    if (ImGui::BeginCombo(label, name(choice).c_str())) {
      for (int i = 0; i < static_cast<int>(devices_.size()); ++i) {
        if (devices_[i].kind != kind) continue;
        if (ImGui::Selectable(name(i).c_str(), i == choice)) {
          choice = i;
          changed = true;
        }
      }
      ImGui::EndCombo();
    }
    return changed;
  };
  const bool cam = combo("camera", "camera", camera_choice_);
  ImGui::SameLine();
  const bool mic = combo("mic", "microphone", mic_choice_);
  if (cam || mic) {
    const std::string c = camera_choice_ >= 0 ? devices_[camera_choice_].name : "";
    const std::string m = mic_choice_ >= 0 ? devices_[mic_choice_].name : "";
    message_.clear();
    app_.switch_devices(c, m, message_);
  }
}

void teacher_window::draw_stats() {
  ImGui::Text("stream %s  ·  %s fps  ·  %s kbit/s  ·  queue %s  ·  dropped %s",
              stat_text(stats_, "state").c_str(), stat_text(stats_, "fps").c_str(),
              stat_text(stats_, "bitrate_kbps").c_str(), stat_text(stats_, "queue").c_str(),
              stat_text(stats_, "dropped").c_str());
  ImGui::Text("capture to sent %s ms (max %s)  ·  connections %s",
              stat_text(stats_, "latency_ms").c_str(), stat_text(stats_, "latency_max_ms").c_str(),
              stat_text(stats_, "connects").c_str());
  if (stats_.contains("error")) {
    ImGui::TextColored({1, 0.6F, 0.3F, 1}, "%s", stat_text(stats_, "error").c_str());
  }
}

void teacher_window::apply_roster_action(const ui::roster_action& a) {
  using k = ui::roster_action::kind;
  auto& ch = app_.room().channel();
  switch (a.what) {
    case k::grant:
      ch.speak_grant(a.participant);
      break;
    case k::revoke:
      ch.speak_revoke(a.participant);
      break;
    case k::mute:
      ch.mute(a.participant, true);
      break;
    case k::unmute:
      ch.mute(a.participant, false);
      break;
    case k::kick:
      ch.kick(a.participant);
      break;
    case k::lower_hand:
      ch.lower_hand(a.participant);
      break;
    case k::none:
      break;
  }
}

void teacher_window::draw_class_column(float width, float height) {
  const auto snap = app_.room().snapshot();
  if (buffer_ms_ < 0) buffer_ms_ = snap.buffer_ms;
  ImGui::SetNextItemWidth(width * 0.5F);
  ImGui::SliderInt("students' buffer (ms)", &buffer_ms_, 0, 10000);
  if (ImGui::IsItemDeactivatedAfterEdit()) app_.room().channel().set_buffer(buffer_ms_);
  if (!snap.connected) {
    ImGui::TextColored({1, 0.6F, 0.3F, 1}, "control channel: reconnecting… %s",
                       snap.last_error.c_str());
  }
  std::vector<ui::roster_row> rows;
  for (const auto& r : snap.roster) {
    rows.push_back({r.id, r.name, r.role, r.hand, !r.speak.empty(), r.muted});
  }
  ImGui::BeginChild("roster", {0, height * 0.4F}, true);
  apply_roster_action(ui::roster_panel(rows, true, window_.fonts()));
  ImGui::EndChild();
  std::vector<ui::chat_line> lines;
  for (const auto& c : snap.chat) lines.push_back({c.id, c.name, c.role, c.text, c.is_private});
  const auto text = ui::chat_panel(lines, chat_, window_.fonts(), ImGui::GetContentRegionAvail().y);
  if (!text.empty()) app_.room().channel().chat_send(text);
}

}  // namespace lectern::teacher
