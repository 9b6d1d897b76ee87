// Capture timestamps that travel inside H.264 video: how a student measures the true
// glass-to-glass latency of what it shows.
//
// The teacher client stamps each encoded frame with the wall-clock time its picture was
// captured, as an SEI "user data unregistered" message (ITU-T H.264 D.1.7 / D.2.7): a
// 16-byte UUID, then the time. The message lives inside the video payload, so the relay,
// recordings and any player carry it untouched, and decoders that do not know the UUID
// ignore it. A student reads it from the frame it renders and subtracts it from its own
// clock; across machines that needs synchronized clocks (NTP), on one machine it is exact.
//
// Contract (docs/protocol.md "Capture timestamps"): UUID k_capture_time_uuid, payload of
// 8 bytes, big-endian signed microseconds since the Unix epoch (system clock).
//
// No I/O; parsing reads only inside the given span and never allocates more than one
// SEI NAL unit's size.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace lectern::shared {

/// The UUID that marks a Lectern capture timestamp ("lectern-capture1" in ASCII).
inline constexpr std::array<std::uint8_t, 16> k_capture_time_uuid = {
    'l', 'e', 'c', 't', 'e', 'r', 'n', '-', 'c', 'a', 'p', 't', 'u', 'r', 'e', '1'};

/// How the NAL units of a payload are framed.
enum class nal_framing : std::uint8_t {
  annex_b,  ///< 00 00 01 / 00 00 00 01 start codes (what encoders emit)
  avcc4,    ///< 4-byte big-endian lengths (FLV/RTMP and MP4 with lengthSizeMinusOne = 3)
};

/// One SEI NAL unit (header byte included, no start code or length) holding `unix_us`.
/// Emulation prevention bytes are inserted as H.264 7.4.1 requires.
std::vector<std::uint8_t> make_capture_time_sei(std::int64_t unix_us);

/// `frame` (one encoded access unit) with `sei` inserted before its first slice NAL unit
/// (types 1..5), where H.264 7.4.1.2.3 allows SEI; appended in front when no slice is found.
std::vector<std::uint8_t> insert_sei(std::span<const std::uint8_t> frame,
                                     std::span<const std::uint8_t> sei, nal_framing framing);

/// insert_sei's result written to `out`, which must hold exactly inserted_size(frame, sei)
/// bytes: for an encoder that fills its own packet buffer with one copy of the frame.
void insert_sei_into(std::span<const std::uint8_t> frame, std::span<const std::uint8_t> sei,
                     nal_framing framing, std::span<std::uint8_t> out);

/// The size of `frame` with `sei` inserted: the SEI and its 4-byte start code or length.
inline std::size_t inserted_size(std::span<const std::uint8_t> frame,
                                 std::span<const std::uint8_t> sei) {
  return frame.size() + 4 + sei.size();
}

/// The capture time carried by `frame`, if one of its SEI NAL units holds a Lectern
/// capture timestamp. Malformed or truncated NAL units and SEI messages are skipped.
std::optional<std::int64_t> find_capture_time(std::span<const std::uint8_t> frame,
                                              nal_framing framing);

}  // namespace lectern::shared
