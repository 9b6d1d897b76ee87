// The once-a-second stats line of lectern-student (student-client/README.md lists the fields).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "lectern/media/player_stats.hpp"

namespace lectern::student {

/// Turns player snapshots into stats lines; remembers the byte count for the bitrate.
class stats_reporter {
 public:
  using clock = std::chrono::steady_clock;

  /// The fields of one player at `now`.
  nlohmann::json line(const media::player_stats& s, clock::time_point now);

 private:
  std::optional<std::uint64_t> last_bytes_;
  clock::time_point last_at_{};
};

}  // namespace lectern::student
