#include "log.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <ostream>
#include <system_error>
#include <utility>

namespace lectern::server {
namespace {

// Width the level and component columns are padded to, so messages line up for a reader.
constexpr std::size_t k_level_width = 5;
constexpr std::size_t k_component_width = 5;

void append_escaped_byte(std::string& out, unsigned char b) {
  constexpr std::string_view k_hex = "0123456789abcdef";
  out += "\\x";
  out += k_hex[b >> 4];
  out += k_hex[b & 0x0f];
}

bool is_continuation(unsigned char b) noexcept {
  return (b & 0xc0) == 0x80;
}

// Length of the valid UTF-8 sequence starting at text[i] (RFC 3629 table 3.7), or 0 when
// the bytes there are not one: overlong forms, surrogates and code points past U+10FFFF are
// invalid.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char b = at(0);
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) {
    length = 2;
  } else if (b >= 0xe0 && b <= 0xef) {
    length = 3;
    if (b == 0xe0) low = 0xa0;   // overlong
    if (b == 0xed) high = 0x9f;  // UTF-16 surrogates
  } else if (b >= 0xf0 && b <= 0xf4) {
    length = 4;
    if (b == 0xf0) low = 0x90;   // overlong
    if (b == 0xf4) high = 0x8f;  // past U+10FFFF
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  if (at(1) < low || at(1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (!is_continuation(at(k))) return 0;
  }
  return length;
}

// C1 controls (U+0080-U+009F, some terminals act on U+009B as an escape) and the Unicode line
// and paragraph separators (U+2028, U+2029, which some viewers break lines on).
bool is_unsafe_sequence(std::string_view seq) noexcept {
  const auto b0 = static_cast<unsigned char>(seq[0]);
  const auto b1 = static_cast<unsigned char>(seq[1]);
  if (seq.size() == 2) return b0 == 0xc2 && b1 <= 0x9f;
  if (seq.size() == 3) {
    const auto b2 = static_cast<unsigned char>(seq[2]);
    return b0 == 0xe2 && b1 == 0x80 && (b2 == 0xa8 || b2 == 0xa9);
  }
  return false;
}

std::string_view level_name(log_level level) noexcept {
  switch (level) {
    case log_level::debug:
      return "DEBUG";
    case log_level::info:
      return "INFO";
    case log_level::warn:
      return "WARN";
    case log_level::error:
      return "ERROR";
  }
  return "?";
}

void append_padded(std::string& out, std::string_view text, std::size_t width) {
  out += text;
  if (text.size() < width) out.append(width - text.size(), ' ');
}

// 2026-11-22T05:47:01.123Z
void append_timestamp(std::string& out, std::chrono::system_clock::time_point when) {
  using namespace std::chrono;
  const auto seconds = floor<std::chrono::seconds>(when);
  const auto millis = duration_cast<milliseconds>(when - seconds).count();
  const std::time_t t = system_clock::to_time_t(seconds);
  std::tm utc{};
  if (gmtime_r(&t, &utc) == nullptr) {
    out += "0000-00-00T00:00:00.000Z";  // unrepresentable time; keeps the column layout
    return;
  }
  std::array<char, 40> buffer{};
  const int n = std::snprintf(buffer.data(), buffer.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                              utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                              utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  if (n > 0) out.append(buffer.data(), static_cast<std::size_t>(n));
}

}  // namespace

std::optional<log_level> parse_log_level(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (lower == "debug") return log_level::debug;
  if (lower == "info") return log_level::info;
  if (lower == "warn") return log_level::warn;
  if (lower == "error") return log_level::error;
  return std::nullopt;
}

std::string_view to_string(log_level level) noexcept {
  switch (level) {
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warn:
      return "warn";
    case log_level::error:
      return "error";
  }
  return "?";
}

std::string sanitize_log_text(std::string_view text, std::size_t max_bytes) {
  const std::size_t cut = text.size() > max_bytes ? text.size() - max_bytes : 0;
  const std::string_view kept = text.substr(0, text.size() - cut);
  std::string out;
  out.reserve(kept.size());
  std::size_t i = 0;
  while (i < kept.size()) {
    const auto b = static_cast<unsigned char>(kept[i]);
    if (b < 0x80) {
      if (b < 0x20 || b == 0x7f) {
        append_escaped_byte(out, b);
      } else if (b == '\\') {
        out += "\\\\";  // so a literal "\x0a" in the input cannot pass for an escaped newline
      } else {
        out += static_cast<char>(b);
      }
      ++i;
      continue;
    }
    const std::size_t length = utf8_sequence_length(kept, i);
    if (length == 0) {
      append_escaped_byte(out, b);
      ++i;
      continue;
    }
    const std::string_view seq = kept.substr(i, length);
    if (is_unsafe_sequence(seq)) {
      for (char c : seq) append_escaped_byte(out, static_cast<unsigned char>(c));
    } else {
      out += seq;
    }
    i += length;
  }
  if (cut > 0) {
    out += "...[";
    out += std::to_string(cut);
    out += " more bytes]";
  }
  return out;
}

logger::logger(log_level min, std::ostream& out)
    : logger(min, out, [] { return std::chrono::system_clock::now(); }) {}

logger::logger(log_level min, std::ostream& out, clock_function now)
    : min_(min), now_(std::move(now)), out_(out) {}

std::string logger::format_line(std::chrono::system_clock::time_point when, log_level level,
                                std::string_view component, std::string_view message) {
  std::string line;
  line.reserve(40 + component.size() + message.size());
  append_timestamp(line, when);
  line += ' ';
  append_padded(line, level_name(level), k_level_width);
  line += ' ';
  append_padded(line, sanitize_log_text(component, 64), k_component_width);
  line += ' ';
  line += sanitize_log_text(message);
  return line;
}

void logger::write(log_level level, std::string_view component, std::string_view message) noexcept {
  if (!enabled(level)) return;
  try {
    std::string line = format_line(now_(), level, component, message);
    line += '\n';
    const std::lock_guard lock(mutex_);
    // Flushed per line: a crash or kill must not lose the lines that explain it.
    out_.write(line.data(), static_cast<std::streamsize>(line.size()));
    out_.flush();
    if (file_.is_open()) {
      file_.write(line.data(), static_cast<std::streamsize>(line.size()));
      file_.flush();
    }
  } catch (...) {
    // Logging must never take the server down (out of memory, a stream set to throw):
    // the line is dropped.
  }
}

bool logger::open_file(const std::filesystem::path& path, std::string& error_text) {
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      error_text = "cannot create directory " + path.parent_path().string() + ": " + ec.message();
      return false;
    }
  }
  errno = 0;
  std::ofstream file(path, std::ios::out | std::ios::app | std::ios::binary);
  if (!file.is_open()) {
    const int why = errno;
    error_text = "cannot open log file " + path.string() + " for appending";
    if (why != 0) error_text += ": " + std::generic_category().message(why);
    return false;
  }
  const std::lock_guard lock(mutex_);
  file_ = std::move(file);
  return true;
}

}  // namespace lectern::server
