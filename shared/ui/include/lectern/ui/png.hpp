// Writing RGB pixels as a PNG file with FFmpeg's PNG encoder (screenshots).
#pragma once

#include <cstdint>
#include <string>

namespace lectern::ui {

/// Writes `width`×`height` RGB24 pixels (`pitch` bytes per row) to `path`; false with
/// `error` on failure.
bool write_png(const std::string& path, const std::uint8_t* rgb, int width, int height, int pitch,
               std::string& error);

}  // namespace lectern::ui
