// json_log: one mutex, one fputs and one fflush per line.
#include "json_log.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace lectern::student {

json_log::json_log(const std::string& stats_file) : stats_(stdout) {
  if (stats_file.empty()) return;
  stats_ = std::fopen(stats_file.c_str(), "w");
  if (stats_ == nullptr) {
    throw std::runtime_error("cannot write the stats file " + stats_file + ": " +
                             std::strerror(errno));
  }
}

json_log::~json_log() {
  if (stats_ != stdout) std::fclose(stats_);
}

void json_log::event(const std::string& name, nlohmann::json fields) {
  nlohmann::json j = {{"type", "event"}, {"event", name}};
  j.update(fields);
  write(stdout, j);
}

void json_log::stats(nlohmann::json fields) {
  nlohmann::json j = {{"type", "stats"}};
  j.update(fields);
  write(stats_, j);
}

void json_log::write(std::FILE* f, const nlohmann::json& j) {
  // Names and chat text come from other people: replace invalid UTF-8, never throw.
  const auto line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mutex_);
  std::fputs(line.c_str(), f);
  std::fflush(f);
}

}  // namespace lectern::student
