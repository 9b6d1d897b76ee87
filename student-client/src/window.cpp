// The student's window (SDL2 + Dear ImGui through lectern_ui): the teacher's video and
// screen with a "buffering" overlay, buffer and latency, the buffer setting, hand, speak
// consent and own preview, roster and chat.
#include "window.hpp"

#include <imgui.h>

#include <chrono>
#include <cstdio>

#include "lectern/ui/panels.hpp"
#include "lectern/ui/video_texture.hpp"
#include "lectern/ui/window.hpp"
#include "stats_json.hpp"

namespace lectern::student {

namespace {

/// Everything the window keeps between frames.
struct window_state {
  explicit window_state(SDL_Renderer* r) : teacher(r), screen(r), preview(r) {}
  ui::frame_mailbox teacher_frames, screen_frames, preview_frames;
  ui::video_texture teacher, screen, preview;
  ui::chat_input chat;
  int buffer_ms = 1000;
  bool buffer_auto = false;
};

std::string stats_text(const media::player_stats& s) {
  char line[256];
  const std::string latency =
      s.latency_ms ? std::to_string(*s.latency_ms) + " ms" : std::string("unknown");
  std::snprintf(line, sizeof line,
                "buffer %lld / %lld ms (%s)  ·  latency %s  ·  stalls %llu (%lld ms)  ·  "
                "dropped %llu%s",
                static_cast<long long>(s.buffer_ms), static_cast<long long>(s.target_buffer_ms),
                s.buffer_setting.c_str(), latency.c_str(),
                static_cast<unsigned long long>(s.stalls), static_cast<long long>(s.stalled_ms),
                static_cast<unsigned long long>(s.frames_dropped),
                s.rate > 1.0 ? "  ·  catching up" : "");
  return line;
}

// A video with the player's state written over it while it is not playing.
void video_with_overlay(ui::video_texture& tex, float w, float h, const char* placeholder,
                        const std::optional<media::player_stats>& s) {
  tex.draw(w, h, placeholder);
  if (!s || s->state == media::player_state::playing) return;
  const auto lo = ImGui::GetItemRectMin();
  const auto hi = ImGui::GetItemRectMax();
  const std::string text = std::string(media::to_string(s->state)) + "…";
  const auto size = ImGui::CalcTextSize(text.c_str());
  const ImVec2 at{(lo.x + hi.x - size.x) / 2, (lo.y + hi.y - size.y) / 2};
  auto* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled({at.x - 12, at.y - 8}, {at.x + size.x + 12, at.y + size.y + 8},
                    IM_COL32(0, 0, 0, 170), 6);
  dl->AddText(at, IM_COL32(255, 220, 120, 255), text.c_str());
}

void draw_buffer_setting(classroom& room, window_state& st) {
  ImGui::TextUnformatted("Buffer");
  ImGui::SameLine();
  ImGui::Checkbox("auto", &st.buffer_auto);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(220);
  ImGui::BeginDisabled(st.buffer_auto);
  ImGui::SliderInt("ms", &st.buffer_ms, 0, 10000);
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::Button("Apply")) room.set_buffer({st.buffer_auto, st.buffer_ms});
}

void draw_media(classroom& room, window_state& st, float width, float height) {
  const auto teacher = room.stats(feed::teacher);
  const auto screen = room.stats(feed::screen);
  const bool sharing =
      screen && screen->frames_rendered > 0 && screen->state != media::player_state::reconnecting;
  const float video_h = std::min(width * 9.0F / 16.0F, height * (sharing ? 0.42F : 0.7F));
  video_with_overlay(st.teacher, width - 8, video_h, "waiting for the teacher…", teacher);
  if (teacher) ImGui::TextUnformatted(stats_text(*teacher).c_str());
  draw_buffer_setting(room, st);
  if (sharing) {
    ImGui::Separator();
    ImGui::TextUnformatted("Teacher's screen");
    video_with_overlay(st.screen, width - 8, height * 0.4F, "", screen);
  }
}

void draw_class(classroom& room, const class_view& v, window_state& st, ui::window& win,
                float height) {
  if (ImGui::Button(v.hand ? "Lower hand" : "Raise hand", {160, 0})) room.raise_hand(!v.hand);
  if (v.grant_pending) {
    ImGui::SameLine();
    ImGui::TextColored({0.4F, 1, 0.5F, 1}, "The teacher calls on you");
    ImGui::SameLine();
    if (ImGui::Button("Speak", {100, 0})) room.consent_to_speak();
  } else if (v.speaking) {
    ImGui::SameLine();
    ImGui::TextColored({1, 0.5F, 0.4F, 1}, "You are speaking");
    ImGui::SameLine();
    if (ImGui::Button("Stop", {80, 0})) room.stop_speaking();
    st.preview.draw(240, 135, "your camera…");
  }
  std::vector<ui::roster_row> rows;
  for (const auto& r : v.roster) rows.push_back({r.id, r.name, r.role, r.hand, r.speaking});
  ImGui::BeginChild("roster", {0, height * 0.3F}, true);
  ui::roster_panel(rows, false, win.fonts());
  ImGui::EndChild();
  std::vector<ui::chat_line> lines;
  for (const auto& c : v.chat) lines.push_back({c.id, c.name, c.role, c.text});
  const auto text = ui::chat_panel(lines, st.chat, win.fonts(), ImGui::GetContentRegionAvail().y);
  if (!text.empty()) room.send_chat(text);
}

void draw(classroom& room, window_state& st, ui::window& win) {
  if (auto f = st.teacher_frames.take()) st.teacher.update(*f);
  if (auto f = st.screen_frames.take()) st.screen.update(*f);
  if (auto f = st.preview_frames.take()) st.preview.update(*f);
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("Lectern student", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  const float width = ImGui::GetContentRegionAvail().x;
  const float height = ImGui::GetContentRegionAvail().y;
  const float left = width * 0.62F;
  const auto v = room.view();  // one copy a frame: it holds the roster and the chat
  win.fonts().ensure(v.room_name);
  ImGui::BeginChild("media", {left, height});
  ImGui::TextUnformatted(v.room_name.c_str());
  draw_media(room, st, left, height);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("class", {0, height});
  draw_class(room, v, st, win, height);
  ImGui::EndChild();
  ImGui::End();
}

}  // namespace

int run_window(const options& opts, classroom& room, json_log& log) {
  std::string error;
  ui::window_options wo;
  wo.title = "Lectern student — " + opts.name;
  auto win = ui::window::open(wo, error);
  if (!win) {
    std::fprintf(stderr, "lectern-student: %s (or run with --headless)\n", error.c_str());
    return 1;
  }
  window_state st(win->renderer());
  st.buffer_auto = opts.buffer && opts.buffer->automatic;
  st.buffer_ms = opts.buffer && !opts.buffer->automatic ? opts.buffer->fixed_ms : 1000;
  room.on_frame([&st](feed which, const media::video_frame& f) {
    (which == feed::teacher ? st.teacher_frames : st.screen_frames).put(*f.frame);
  });
  room.on_preview([&st](feed, const media::video_frame& f) { st.preview_frames.put(*f.frame); });
  room.start();
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  auto next_tick = start + std::chrono::seconds(1);
  stats_reporter reporter;
  bool shot = false;
  while (win->begin_frame() && !room.done()) {
    draw(room, st, *win);
    const auto now = clock::now();
    if (now >= next_tick) {
      next_tick += std::chrono::seconds(1);
      room.tick();
      if (auto s = room.stats(feed::teacher); s && !opts.stats_file.empty()) {
        log.stats(reporter.line(*s, now));
      }
    }
    const auto elapsed = std::chrono::duration<double>(now - start).count();
    if (!opts.screenshot.empty() && !shot && elapsed >= opts.screenshot_after_s) {
      win->request_screenshot(opts.screenshot);
      shot = true;
    }
    win->end_frame();
    if (shot && win->screenshot_done()) break;
    if (opts.duration_s > 0 && elapsed >= opts.duration_s) break;
  }
  // No frame callback may touch the window's state after this point.
  room.stop();
  if (shot && !win->screenshot_error().empty()) {
    std::fprintf(stderr, "lectern-student: screenshot: %s\n", win->screenshot_error().c_str());
    return 1;
  }
  return 0;
}

}  // namespace lectern::student
