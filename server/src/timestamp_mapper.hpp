#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace lectern::server {

/// Maps a publisher's media timestamps onto a live stream's own timeline, which players
/// see: it never goes backwards on a track and it keeps going when a publisher's clock
/// jumps, resets (a teacher who reconnects starts again at 0) or wraps. RTMP timestamps
/// are DTS in milliseconds (RTMP spec 7.1.4/7.1.5); the chunk reader already unwraps the
/// 32-bit wire value onto 64 bits, so a clean 32-bit wrap arrives here as a steady step.
class timestamp_mapper {
 public:
  using clock = std::chrono::steady_clock;
  enum class track : std::uint8_t { audio = 0, video = 1, data = 2 };

  /// How far a timestamp may run ahead of the stream's newest one beyond the wall time
  /// that passed, or fall behind it, before it counts as a discontinuity. Audio and video
  /// interleave with a few hundred ms of skew at most; real encoders stay far inside this.
  static constexpr std::chrono::milliseconds k_tolerance{2000};
  /// The largest gap a discontinuity inserts, however long the publisher was away.
  static constexpr std::chrono::milliseconds k_max_gap{10000};

  /// Output timestamp for `in` on `t`, received at `now`.
  std::uint64_t map(track t, std::uint64_t in, clock::time_point now) noexcept;

  /// Timestamp for a decoder configuration (sequence header) on `t`. Encoders stamp these
  /// 0 whatever their media clock says (ffmpeg with -output_ts_offset, OBS after a
  /// reconnect), so they neither start the timeline nor count as a jump: they go out at
  /// the stream's current position.
  std::uint64_t map_config(track t) noexcept;

  /// The next publisher starts its own timeline: its first timestamp continues this one
  /// after the wall time that passed (capped at k_max_gap).
  void rebase() noexcept { rebase_ = true; }

  /// Newest output timestamp so far (0 before the first).
  std::uint64_t newest() const noexcept { return newest_; }
  /// Discontinuities seen (jumps, resets, reconnects), for stats and logs.
  std::uint64_t discontinuities() const noexcept { return discontinuities_; }

 private:
  std::int64_t offset_ = 0;  // out = in + offset_
  std::uint64_t newest_ = 0;
  std::array<std::uint64_t, 3> last_out_{};
  std::array<bool, 3> has_out_{};
  clock::time_point newest_at_{};
  bool started_ = false;
  bool rebase_ = false;
  std::uint64_t discontinuities_ = 0;
};

}  // namespace lectern::server
