// Fonts for text in any language a class speaks: a Latin base plus CJK from a system font
// package (Debian fonts-wqy-microhei), with glyphs added as new text appears.
#pragma once

#include <imgui.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace lectern::ui {

/// The first CJK-capable font file found on this system, or "" (then only Latin renders).
std::string find_cjk_font();

/// The ImGui font atlas's glyph set. ensure() notes characters of new text (chat lines,
/// what the user types); rebuild_if_needed() rebuilds the atlas between frames.
class font_set {
 public:
  font_set(std::string cjk_path, float size) : path_(std::move(cjk_path)), size_(size) {}

  /// Loads the fonts into ImGui's atlas (call before the renderer backend makes its texture).
  void load();
  /// Notes the characters of `utf8` that the atlas lacks.
  void ensure(std::string_view utf8);
  /// True when the atlas was rebuilt (the caller must recreate the font texture).
  bool rebuild_if_needed();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  float size_;
  std::set<unsigned> extra_;  ///< characters beyond the base ranges, seen in text
  bool dirty_ = false;
  std::vector<ImWchar> ranges_;      ///< must outlive the atlas build
  ImFontGlyphRangesBuilder loaded_;  ///< which characters the atlas has (a bit per char)
};

}  // namespace lectern::ui
