// The once-a-second stats line (fields documented in teacher-client/README.md): rates
// from the difference of two pipeline snapshots.
#pragma once

#include <chrono>
#include <optional>

#include <nlohmann/json.hpp>

#include "lectern/media/publish_pipeline.hpp"

namespace lectern::teacher {

/// Turns cumulative pipeline counters into per-second rates. One per pipeline.
class stats_report {
 public:
  /// The JSON object for the interval since the previous call (rates 0 at the first).
  nlohmann::json take(media::publish_pipeline& pipeline);

 private:
  std::optional<media::pipeline_stats> last_;
  std::chrono::steady_clock::time_point last_time_{};
};

}  // namespace lectern::teacher
