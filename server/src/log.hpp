// A small thread-safe line logger, passed by reference to whoever logs (no global instance).
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace lectern::server {

/// Severity of a log line, least to most severe.
enum class log_level { debug, info, warn, error };

/// "debug", "info", "warn" or "error" (any letter case); nullopt for anything else.
std::optional<log_level> parse_log_level(std::string_view text);

/// The lowercase name parse_log_level() accepts: "debug", "info", "warn", "error".
std::string_view to_string(log_level level) noexcept;

/// Makes untrusted text safe to put in one log line: control characters (newlines included),
/// bytes that are not valid UTF-8, C1 controls and U+2028/U+2029 become \xNN per byte and a
/// backslash becomes \\, so a peer-supplied stream name cannot forge or split log lines or
/// send terminal escapes. Input past max_bytes is cut and "...[N more bytes]" appended.
std::string sanitize_log_text(std::string_view text, std::size_t max_bytes = 4096);

/// Writes lines like `2026-11-22T05:47:01.123Z INFO  rtmp  message` (UTC, millisecond
/// precision, level and component padded) to a stream and optionally appends them to a file.
/// Each line is built first and written whole under a mutex, so lines from different threads
/// never interleave. Logging never throws: a line that cannot be built or written is dropped.
class logger {
 public:
  using clock_function = std::function<std::chrono::system_clock::time_point()>;

  /// Logs lines at `min` and above to `out` (std::cerr in production), which must outlive
  /// the logger.
  explicit logger(log_level min, std::ostream& out);
  /// As above with an injected clock (tests use a fixed time).
  logger(log_level min, std::ostream& out, clock_function now);

  logger(const logger&) = delete;
  logger& operator=(const logger&) = delete;

  /// Whether a line at `level` would be written; check it before building an expensive message.
  bool enabled(log_level level) const noexcept {
    return level >= min_.load(std::memory_order_relaxed);
  }
  log_level level() const noexcept { return min_.load(std::memory_order_relaxed); }
  void set_level(log_level level) noexcept { min_.store(level, std::memory_order_relaxed); }

  /// Writes one line if `level` is enabled. `component` and `message` are sanitized
  /// (sanitize_log_text), so they may contain peer-supplied text.
  void write(log_level level, std::string_view component, std::string_view message) noexcept;

  void debug(std::string_view component, std::string_view message) noexcept {
    write(log_level::debug, component, message);
  }
  void info(std::string_view component, std::string_view message) noexcept {
    write(log_level::info, component, message);
  }
  void warn(std::string_view component, std::string_view message) noexcept {
    write(log_level::warn, component, message);
  }
  void error(std::string_view component, std::string_view message) noexcept {
    write(log_level::error, component, message);
  }

  /// Also appends every line to `path` (e.g. DATA_DIR/logs/lectern-server.log), creating
  /// its parent directories. Replaces a file opened before. On failure returns false, sets
  /// `error_text` to a readable reason and keeps logging to the stream only.
  bool open_file(const std::filesystem::path& path, std::string& error_text);

  /// Formats one line without its trailing newline (what write() emits); exposed for tests.
  static std::string format_line(std::chrono::system_clock::time_point when, log_level level,
                                 std::string_view component, std::string_view message);

 private:
  std::atomic<log_level> min_;
  clock_function now_;
  std::mutex mutex_;  // guards out_ and file_
  std::ostream& out_;
  std::ofstream file_;
};

}  // namespace lectern::server
