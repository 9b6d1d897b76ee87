// When a live player is too slow to keep: shared by RTMP and HTTP-FLV/WS-FLV players.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace lectern::server {

/// Watches one live player (docs/server.md, "Too slow"): it must go when its oldest unsent
/// message has waited max_lag (the socket takes nothing), or when it has been losing even
/// audio and keyframes for max_lag on end (the link cannot carry the stream). Call check()
/// every few hundred milliseconds on the player's thread.
class lag_watch {
 public:
  using clock = std::chrono::steady_clock;

  explicit lag_watch(std::chrono::milliseconds max_lag) : max_lag_(max_lag) {}

  /// The verdict when the player must go.
  struct too_slow {
    bool stuck = false;  ///< nothing could be sent: a notice to the player cannot go either
    std::string why;     ///< "nothing could be sent for 15 s", for the player and the log
  };
  /// `severe_drops`: the queue's dropped_keyframes_or_audio so far; `oldest_unsent`: when the
  /// oldest message not yet written (or being written) was queued.
  std::optional<too_slow> check(std::uint64_t severe_drops, clock::time_point oldest_unsent,
                                clock::time_point now);

 private:
  const std::chrono::milliseconds max_lag_;
  std::optional<clock::time_point> severe_drops_since_;
  std::uint64_t severe_drops_seen_ = 0;
};

}  // namespace lectern::server
