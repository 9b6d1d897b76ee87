// The clients' window under SDL's dummy video driver (no display): keys tapped faster than
// a frame still reach the chat input, as on a loaded machine or a slow software renderer.
#include "lectern/ui/window.hpp"

#include <SDL.h>
#include <gtest/gtest.h>
#include <imgui.h>

#include <cstdlib>
#include <cstring>

#include "lectern/ui/panels.hpp"

namespace lectern::ui {
namespace {

void push_key(Uint32 type, SDL_Scancode code, Uint16 mod) {
  SDL_Event e{};
  e.type = type;
  e.key.state = type == SDL_KEYDOWN ? SDL_PRESSED : SDL_RELEASED;
  e.key.keysym.scancode = code;
  e.key.keysym.sym = SDL_GetKeyFromScancode(code);
  e.key.keysym.mod = mod;
  SDL_PushEvent(&e);
}

void tap(SDL_Scancode code, Uint16 mod = KMOD_NONE) {
  push_key(SDL_KEYDOWN, code, mod);
  push_key(SDL_KEYUP, code, mod);
}

void push_text(const char* text) {
  SDL_Event e{};
  e.type = SDL_TEXTINPUT;
  std::strncpy(e.text.text, text, sizeof e.text.text - 1);
  SDL_PushEvent(&e);
}

class WindowKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    std::string error;
    w_ = window::open(window_options{}, error);
    ASSERT_TRUE(w_) << error;
  }

  /// One frame of a window that shows only the chat; what it sent ("" when nothing).
  std::string chat_frame(bool focus_input = false) {
    EXPECT_TRUE(w_->begin_frame());
    begin_main_panel("test");
    if (focus_input) ImGui::SetKeyboardFocusHere();
    std::string sent = chat_panel({}, input_, w_->fonts(), 300);
    ImGui::End();
    w_->end_frame();
    return sent;
  }

  std::unique_ptr<window> w_;
  chat_input input_;
};

TEST_F(WindowKeysTest, EnterTappedWithinOneFrameSendsTheChat) {
  chat_frame(true);  // the chat input has the keyboard
  chat_frame();
  push_text("ok 你好");
  tap(SDL_SCANCODE_RETURN);  // down and up between two frames
  std::string sent;
  for (int i = 0; i < 3 && sent.empty(); ++i) sent = chat_frame();
  EXPECT_EQ(sent, "ok 你好");
  EXPECT_EQ(input_.text[0], 0) << "the input is cleared after sending";
}

TEST_F(WindowKeysTest, CtrlATappedWithinOneFrameSelectsAllForBackspace) {
  chat_frame(true);
  chat_frame();
  push_text("wrong");
  chat_frame();
  push_key(SDL_KEYDOWN, SDL_SCANCODE_LCTRL, KMOD_LCTRL);
  tap(SDL_SCANCODE_A, KMOD_LCTRL);
  push_key(SDL_KEYUP, SDL_SCANCODE_LCTRL, KMOD_NONE);
  tap(SDL_SCANCODE_BACKSPACE);
  push_text("right");
  tap(SDL_SCANCODE_RETURN);
  std::string sent;
  for (int i = 0; i < 8 && sent.empty(); ++i) sent = chat_frame();
  EXPECT_EQ(sent, "right") << "ctrl+a and Backspace cleared the input before the new text";
}

}  // namespace
}  // namespace lectern::ui
