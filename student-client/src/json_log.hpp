// JSON lines out of lectern-student: events (stdout) and one stats line per second (stdout
// or --stats FILE), each written whole and flushed, from any thread.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace lectern::student {

/// Line-at-a-time JSON writer shared by the threads of the client.
class json_log {
 public:
  /// `stats_file` empty: stats go to stdout with the events. Throws std::runtime_error when
  /// the file cannot be opened.
  explicit json_log(const std::string& stats_file);
  ~json_log();
  json_log(const json_log&) = delete;
  json_log& operator=(const json_log&) = delete;

  /// {"type":"event","event":name, …fields}
  void event(const std::string& name, nlohmann::json fields = nlohmann::json::object());
  /// {"type":"stats", …fields}
  void stats(nlohmann::json fields);

 private:
  void write(std::FILE* f, const nlohmann::json& j);

  std::mutex mutex_;
  std::FILE* stats_ = nullptr;  // owned when not stdout
};

}  // namespace lectern::student
