// JSON lines for scripts and tests: events and stats, one object per line, from any thread.
#pragma once

#include <cstdio>
#include <mutex>

#include <nlohmann/json.hpp>

namespace lectern::teacher {

/// Writes one JSON object per line to a stream (stdout by default) and flushes, so a test
/// reading the pipe sees each event at once. A null stream discards. Thread-safe.
class event_log {
 public:
  explicit event_log(std::FILE* out) : out_(out) {}
  void emit(const nlohmann::json& line);

 private:
  std::mutex mutex_;
  std::FILE* out_;
};

}  // namespace lectern::teacher
