#include "timestamp_mapper.hpp"

#include <algorithm>

namespace lectern::server {

std::uint64_t timestamp_mapper::map(track t, std::uint64_t in, clock::time_point now) noexcept {
  const auto i = static_cast<std::size_t>(t);
  const auto in_signed = static_cast<std::int64_t>(in);
  if (!started_) {
    // The first publisher's timeline is kept as it is: players and recordings see the
    // publisher's own timestamps (including any offset past the 24-bit boundary).
    started_ = true;
    offset_ = 0;
  } else {
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - newest_at_).count();
    const auto gap = std::clamp<std::int64_t>(elapsed, 1, k_max_gap.count());
    const auto expected = in_signed + offset_;
    const auto newest = static_cast<std::int64_t>(newest_);
    const bool jumped =
        expected < newest - k_tolerance.count() ||
        expected > newest + std::max<std::int64_t>(elapsed, 0) + k_tolerance.count();
    if (rebase_ || jumped) {
      // Continue after the newest timestamp by the wall time that passed, so that a
      // player's clock and the media clock stay together across the break.
      offset_ = newest + gap - in_signed;
      ++discontinuities_;
    }
  }
  rebase_ = false;
  auto out = static_cast<std::uint64_t>(std::max<std::int64_t>(in_signed + offset_, 0));
  // Within one track DTS never decreases (FLV muxers and decoders reject it).
  if (has_out_[i]) out = std::max(out, last_out_[i]);
  has_out_[i] = true;
  last_out_[i] = out;
  if (out >= newest_) {
    newest_ = out;
    newest_at_ = now;
  }
  return out;
}

std::uint64_t timestamp_mapper::map_config(track t) noexcept {
  const auto i = static_cast<std::size_t>(t);
  auto out = newest_;
  if (has_out_[i]) out = std::max(out, last_out_[i]);
  has_out_[i] = true;
  last_out_[i] = out;
  return out;
}

}  // namespace lectern::server
