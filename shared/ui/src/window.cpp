// SDL2 + ImGui set-up, the frame loop and screenshots.
#include "lectern/ui/window.hpp"

#include <SDL.h>
#include <imgui.h>
#include <imgui_impl_sdl.h>
#include <imgui_impl_sdlrenderer.h>

#include <vector>

#include "lectern/ui/png.hpp"

namespace lectern::ui {

std::unique_ptr<window> window::open(const window_options& options, std::string& error) {
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
    error = std::string("cannot open a window: ") + SDL_GetError() +
            " (no display? run with --headless, or under xvfb-run)";
    return nullptr;
  }
  SDL_SetHint(SDL_HINT_IME_SHOW_UI, "1");  // the input method's candidate window for CJK
  SDL_Window* w = SDL_CreateWindow(options.title.c_str(), SDL_WINDOWPOS_CENTERED,
                                   SDL_WINDOWPOS_CENTERED, options.width, options.height,
                                   SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
  if (w == nullptr) {
    error = std::string("cannot create the window: ") + SDL_GetError();
    SDL_Quit();
    return nullptr;
  }
  // Accelerated if there is a GPU, software otherwise (Xvfb, remote desktops).
  SDL_Renderer* r = SDL_CreateRenderer(w, -1, SDL_RENDERER_PRESENTVSYNC);
  if (r == nullptr) r = SDL_CreateRenderer(w, -1, SDL_RENDERER_SOFTWARE);
  if (r == nullptr) {
    error = std::string("cannot create a renderer: ") + SDL_GetError();
    SDL_DestroyWindow(w);
    SDL_Quit();
    return nullptr;
  }
  return std::unique_ptr<window>(new window(w, r, font_set(find_cjk_font(), options.font_size)));
}

window::window(SDL_Window* w, SDL_Renderer* r, font_set fonts)
    : window_(w), renderer_(r), fonts_(std::move(fonts)) {
  IMGUI_CHECKVERSION();
  imgui_ = ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // no imgui.ini written into the user's directory
  ImGui::StyleColorsDark();
  fonts_.load();
  ImGui_ImplSDL2_InitForSDLRenderer(window_);
  ImGui_ImplSDLRenderer_Init(renderer_);
  SDL_StartTextInput();  // SDL_TEXTINPUT events carry typed (and IME-composed) UTF-8
}

window::~window() {
  ImGui_ImplSDLRenderer_Shutdown();
  ImGui_ImplSDL2_Shutdown();
  ImGui::DestroyContext(imgui_);
  SDL_DestroyRenderer(renderer_);
  SDL_DestroyWindow(window_);
  SDL_Quit();
}

// Dear ImGui 1.86 (Debian bookworm) and its SDL2 backend see a key as a state that the
// frame reads (io.KeysDown), not as events: a key pressed and released between two frames
// was never down for ImGui, so a quick tap of Enter, Backspace or ctrl+a did nothing when
// a frame took long (a loaded machine, a slow software renderer). Hence a key's second
// change waits for the next frame, with the events after it, and the modifiers come from
// the event itself (the backend reads SDL_GetModState(), the state after every event SDL
// has queued, which can already have let go of ctrl).
bool window::next_event(SDL_Event& e) {
  if (deferred_) {
    e = *deferred_;
    deferred_.reset();
  } else if (SDL_PollEvent(&e) == 0) {
    return false;
  }
  if (e.type != SDL_KEYDOWN && e.type != SDL_KEYUP) return true;
  const auto code = static_cast<std::size_t>(e.key.keysym.scancode);
  if (code >= keys_changed_.size()) return true;
  const bool down = e.type == SDL_KEYDOWN;
  if (keys_changed_[code] && ImGui::GetIO().KeysDown[code] != down) {
    deferred_ = e;  // seen in the next frame
    return false;
  }
  keys_changed_[code] = true;
  return true;
}

bool window::begin_frame() {
  bool open = true;
  keys_changed_.reset();
  SDL_Event e;
  while (next_event(e)) {
    ImGui_ImplSDL2_ProcessEvent(&e);
    if (e.type == SDL_KEYDOWN || e.type == SDL_KEYUP) {
      ImGuiIO& io = ImGui::GetIO();
      const auto mod = e.key.keysym.mod;
      io.KeyShift = (mod & KMOD_SHIFT) != 0;
      io.KeyCtrl = (mod & KMOD_CTRL) != 0;
      io.KeyAlt = (mod & KMOD_ALT) != 0;
      io.KeySuper = (mod & KMOD_GUI) != 0;
    }
    if (e.type == SDL_QUIT) open = false;
    if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_CLOSE &&
        e.window.windowID == SDL_GetWindowID(window_)) {
      open = false;
    }
    if (e.type == SDL_TEXTINPUT) fonts_.ensure(e.text.text);
  }
  if (fonts_.rebuild_if_needed()) {
    ImGui_ImplSDLRenderer_DestroyFontsTexture();
    ImGui_ImplSDLRenderer_CreateFontsTexture();
  }
  ImGui_ImplSDLRenderer_NewFrame();
  ImGui_ImplSDL2_NewFrame();
  ImGui::NewFrame();
  return open;
}

void window::end_frame() {
  ImGui::Render();
  SDL_SetRenderDrawColor(renderer_, 24, 26, 32, 255);
  SDL_RenderClear(renderer_);
  ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
  if (!screenshot_path_.empty()) save_screenshot();
  SDL_RenderPresent(renderer_);
}

void window::save_screenshot() {
  int w = 0, h = 0;
  SDL_GetRendererOutputSize(renderer_, &w, &h);
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(w) * h * 3);
  if (SDL_RenderReadPixels(renderer_, nullptr, SDL_PIXELFORMAT_RGB24, pixels.data(), w * 3) != 0) {
    screenshot_error_ = std::string("cannot read the window's pixels: ") + SDL_GetError();
  } else {
    screenshot_error_.clear();
    write_png(screenshot_path_, pixels.data(), w, h, w * 3, screenshot_error_);
  }
  screenshot_path_.clear();
  screenshot_done_ = true;
}

}  // namespace lectern::ui
