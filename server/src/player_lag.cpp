#include "player_lag.hpp"

#include "text.hpp"

namespace lectern::server {

std::optional<lag_watch::too_slow> lag_watch::check(std::uint64_t severe_drops,
                                                    clock::time_point oldest_unsent,
                                                    clock::time_point now) {
  if (severe_drops != severe_drops_seen_) {
    severe_drops_seen_ = severe_drops;
    if (!severe_drops_since_) severe_drops_since_ = now;
  } else if (severe_drops_since_ && now - *severe_drops_since_ > std::chrono::seconds(1)) {
    // A second without such drops: the link recovered.
    severe_drops_since_.reset();
  }
  const bool stuck = now - oldest_unsent > max_lag_;
  const bool starving = severe_drops_since_ && now - *severe_drops_since_ > max_lag_;
  if (!stuck && !starving) return std::nullopt;
  too_slow out;
  out.stuck = stuck;
  out.why = stuck ? "nothing could be sent for " +
                        duration_text(std::chrono::duration_cast<std::chrono::milliseconds>(
                            now - oldest_unsent))
                  : "even audio and keyframes were dropped for " + duration_text(max_lag_);
  return out;
}

}  // namespace lectern::server
