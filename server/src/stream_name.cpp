#include "stream_name.hpp"

#include "lectern/shared/command.hpp"

namespace lectern::server {

bool valid_name_component(std::string_view s) noexcept {
  if (s.empty() || s.size() > 128 || s.front() == '.') return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

stream_name parse_stream_name(std::string_view s) {
  const auto parts = shared::rtmp::split_query(s);
  stream_name out;
  out.name = std::string(parts.name);
  out.query = std::string(parts.query);
  // ffmpeg may send "mp4:name" or "flv:name" prefixes for recorded content (FMS style).
  if (out.name.starts_with("flv:")) out.name.erase(0, 4);
  out.valid = valid_name_component(out.name);
  return out;
}

std::string invalid_name_text(std::string_view name) {
  std::string text = "The stream name '";
  text += name;
  text += "' is not valid: use 1 to 128 letters, digits, '-', '_' or '.'.";
  return text;
}

}  // namespace lectern::server
