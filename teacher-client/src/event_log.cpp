#include "event_log.hpp"

namespace lectern::teacher {

void event_log::emit(const nlohmann::json& line) {
  if (out_ == nullptr) return;
  // Invalid UTF-8 from a peer is replaced, never a reason to stop printing.
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard lock(mutex_);
  std::fputs(text.c_str(), out_);
  std::fputc('\n', out_);
  std::fflush(out_);
}

}  // namespace lectern::teacher
