// The impairment model of lectern-impair-proxy, without sockets: given when a chunk of bytes
// arrived, when it may leave. Delay plus jitter (never reordering: it is TCP), a rate limit,
// periodic holds ("bursts": the link holds data, then releases it at once) and outages.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace lectern::impair {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// One direction's impairment.
struct impairment {
  milliseconds delay{0};
  milliseconds jitter{0};         ///< ± uniformly around delay
  std::int64_t rate_kbps = 0;     ///< 0: unlimited
  milliseconds burst_every{0};    ///< 0: no bursts
  milliseconds burst_hold{0};     ///< held this long, then released together
  milliseconds outage_every{0};   ///< 0: no outages
  milliseconds outage_length{0};  ///< nothing passes this long
  std::string describe() const;
};

/// A named profile ("jitter300", "bursty", …); nullopt for an unknown name.
std::optional<impairment> profile(std::string_view name);
/// The names and one line each, for --help.
std::string profile_help();

/// Computes departure times for one direction. Deterministic for a seed.
class shaper {
 public:
  shaper(impairment imp, clock::time_point epoch, unsigned seed);
  /// When `bytes` that arrived at `arrival` may be sent; never earlier than the previous one.
  clock::time_point departure(clock::time_point arrival, std::size_t bytes);

 private:
  clock::time_point after_holds(clock::time_point t) const;
  static clock::time_point hold_end(clock::time_point t, clock::time_point epoch,
                                    milliseconds every, milliseconds length);

  impairment imp_;
  clock::time_point epoch_;
  std::mt19937 rng_;
  clock::time_point last_{};
  clock::time_point rate_free_{};
};

}  // namespace lectern::impair
