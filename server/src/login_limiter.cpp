#include "login_limiter.hpp"

namespace lectern::server {

std::int64_t login_limiter::retry_after(std::string_view key, clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(std::string(key));
  if (it == entries_.end() || it->second.failures < limits_.max_failures) return 0;
  const auto until = it->second.first + limits_.window;
  if (now >= until) {
    entries_.erase(it);
    return 0;
  }
  return std::chrono::ceil<std::chrono::seconds>(until - now).count();
}

void login_limiter::failed(std::string_view key, clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= limits_.max_entries) trim(now);
  auto& e = entries_[std::string(key)];
  if (e.failures == 0 || now - e.first >= limits_.window) e = entry{0, now};
  ++e.failures;
}

void login_limiter::succeeded(std::string_view key) {
  std::lock_guard lock(mutex_);
  entries_.erase(std::string(key));
}

void login_limiter::trim(clock::time_point now) {
  std::erase_if(entries_, [&](const auto& e) { return now - e.second.first >= limits_.window; });
  // Still full (an attack from many addresses): forget everything rather than grow.
  if (entries_.size() >= limits_.max_entries) entries_.clear();
}

}  // namespace lectern::server
