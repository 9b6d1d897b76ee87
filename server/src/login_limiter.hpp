#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace lectern::server {

/// Slows down password guessing: after `max_failures` failed logins within `window` from
/// one address (or for one user name), further attempts are refused until the window has
/// passed since the first failure. Memory is bounded: at most `max_entries` keys are
/// tracked (the oldest are forgotten first). Thread-safe; the clock is a parameter.
class login_limiter {
 public:
  using clock = std::chrono::steady_clock;
  struct limits {
    int max_failures = 5;
    std::chrono::seconds window{60};
    std::size_t max_entries = 10000;
  };
  login_limiter() : login_limiter(limits{}) {}
  explicit login_limiter(limits l) : limits_(l) {}

  /// Seconds to wait before another attempt is allowed (0: go ahead).
  std::int64_t retry_after(std::string_view key, clock::time_point now);
  void failed(std::string_view key, clock::time_point now);
  void succeeded(std::string_view key);

 private:
  struct entry {
    int failures = 0;
    clock::time_point first{};
  };
  void trim(clock::time_point now);

  limits limits_;
  std::mutex mutex_;
  std::unordered_map<std::string, entry> entries_;
};

}  // namespace lectern::server
