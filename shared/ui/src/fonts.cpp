// Finding the CJK font and building ImGui's glyph ranges.
#include "lectern/ui/fonts.hpp"

#include <imgui.h>

#include <filesystem>

namespace lectern::ui {

namespace {
// Debian font packages with CJK coverage, smallest first (deploy/install-deps.sh installs
// fonts-wqy-microhei: one 5 MB file covering Chinese, Japanese kana and Korean Hangul).
constexpr const char* k_cjk_fonts[] = {
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
};

// Decodes one UTF-8 sequence at s[i]; advances i; returns 0xFFFD for malformed input.
unsigned next_codepoint(std::string_view s, std::size_t& i) {
  const auto c = static_cast<unsigned char>(s[i++]);
  if (c < 0x80) return c;
  const int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : -1;
  if (extra < 0) return 0xFFFD;
  unsigned cp = c & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) {
    if (i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
  }
  return cp;
}

}  // namespace

std::string find_cjk_font() {
  std::error_code ec;
  for (const char* path : k_cjk_fonts) {
    if (std::filesystem::exists(path, ec)) return path;
  }
  return {};
}

void font_set::load() {
  ImFontAtlas* atlas = ImGui::GetIO().Fonts;
  atlas->Clear();
  ImFontGlyphRangesBuilder builder;
  builder.AddRanges(atlas->GetGlyphRangesDefault());
  // 2,500 common Chinese characters, CJK punctuation, kana and full-width forms up front;
  // anything rarer is added when it shows up in text.
  builder.AddRanges(atlas->GetGlyphRangesChineseSimplifiedCommon());
  builder.AddRanges(atlas->GetGlyphRangesJapanese());
  for (const unsigned cp : extra_) builder.AddChar(static_cast<ImWchar>(cp));
  ImVector<ImWchar> built;
  builder.BuildRanges(&built);
  loaded_ = builder;
  ranges_.assign(built.begin(), built.end());
  if (path_.empty()) {
    ImFontConfig cfg;
    cfg.SizePixels = size_;
    atlas->AddFontDefault(&cfg);
  } else {
    ImFontConfig cfg;
    cfg.FontNo = 0;       // the TTC's first face (WenQuanYi Micro Hei)
    cfg.OversampleH = 1;  // keeps the CJK atlas small; text is rendered at its pixel size
    atlas->AddFontFromFileTTF(path_.c_str(), size_, &cfg, ranges_.data());
  }
  atlas->Build();
  dirty_ = false;
}

void font_set::ensure(std::string_view utf8) {
  for (std::size_t i = 0; i < utf8.size();) {
    const unsigned cp = next_codepoint(utf8, i);
    if (cp < 0x80 || cp > 0xFFFF) continue;  // ImWchar is 16 bits in Debian's build
    if (!loaded_.UsedChars.empty() && loaded_.GetBit(cp)) continue;
    if (extra_.insert(cp).second) dirty_ = true;
  }
}

bool font_set::rebuild_if_needed() {
  if (!dirty_ || path_.empty()) return false;
  load();
  return true;
}

}  // namespace lectern::ui
