// FLV output: file header and tags for HTTP-FLV and recordings, plus the numbers a seekable
// recording's onMetaData needs (serialised elsewhere with AMF0). No I/O.
#pragma once

#include <array>
#include <cstdint>
#include <system_error>
#include <vector>

#include "lectern/shared/bytes.hpp"
#include "lectern/shared/flv.hpp"

namespace lectern::shared::flv {

/// The bytes around one tag's data, for scatter/gather output without copying the payload:
/// write `header`, then the data, then `trailer` (its PreviousTagSize).
struct tag_framing {
  std::array<std::uint8_t, k_tag_header_size> header{};
  std::array<std::uint8_t, k_previous_size_size> trailer{};
};

/// Where a player can start decoding in a recording.
struct keyframe_position {
  std::uint32_t timestamp = 0;  ///< ms
  std::uint64_t offset = 0;     ///< of the keyframe's tag header
};

/// What onMetaData of a seekable recording carries (the de-facto "keyframes" object with
/// "times" and "filepositions", plus "duration", "filesize", "canSeekToEnd"). Times are ms;
/// the serialiser converts to the seconds onMetaData uses.
struct recording_summary {
  std::uint32_t first_timestamp = 0;  ///< of the first audio/video tag written
  /// The largest audio/video timestamp written (muxers interleave streams, so the last tag
  /// written is not always the latest).
  std::uint32_t max_timestamp = 0;
  std::uint32_t duration_ms = 0;  ///< max_timestamp - first_timestamp
  std::uint64_t file_size = 0;
  std::uint64_t audio_data_size = 0;  ///< sum of audio DataSize
  std::uint64_t video_data_size = 0;  ///< sum of video DataSize
  bool last_is_keyframe = false;      ///< canSeekToEnd
  std::vector<keyframe_position> keyframes;
};

/// How far inserting a script tag with a `body_size`-byte body shifts everything after it.
/// A recorder writes onMetaData last: serialise it once with placeholder numbers (AMF0
/// numbers are fixed-size), call summary(script_tag_footprint(size)), serialise for real,
/// then emit header, metadata tag, and the recorded tags.
constexpr std::uint64_t script_tag_footprint(std::uint32_t body_size) noexcept {
  return k_tag_header_size + std::uint64_t(body_size) + k_previous_size_size;
}

/// Produces FLV bytes and keeps the keyframe index of what it produced. Timestamps are
/// 32-bit ms; values >= 2^24 use TimestampExtended, so long recordings do not wrap.
class writer {
 public:
  explicit writer(file_header header = {}) noexcept : header_(header) {}

  /// Appends the file header and PreviousTagSize0 (13 bytes). Call once, before any tag.
  void write_file_header(bytes& out);

  /// Accounts for one tag and fills its framing; the caller writes header, data, trailer.
  /// Error: flv_tag_too_large if data is longer than 0xFFFFFF bytes.
  std::error_code frame_tag(tag_type type, std::uint32_t timestamp, byte_view data,
                            tag_framing& out);

  /// Appends one whole tag (header, data, PreviousTagSize) to `out`.
  std::error_code write_tag(tag_type type, std::uint32_t timestamp, byte_view data, bytes& out);

  /// Bytes produced so far (the offset of the next tag).
  std::uint64_t bytes_written() const noexcept { return offset_; }

  /// The onMetaData numbers so far, with every file position (and the size) moved by
  /// `shift` bytes, e.g. script_tag_footprint() of a metadata tag inserted after the header.
  recording_summary summary(std::uint64_t shift = 0) const;

 private:
  file_header header_;
  std::uint64_t offset_ = 0;
  recording_summary stats_;
  bool seen_media_ = false;
};

}  // namespace lectern::shared::flv
