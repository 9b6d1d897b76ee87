// FLV container primitives (Adobe FLV spec v10.1, Annex E): the file header and the tag
// header. No I/O: bytes in, values out. The streaming reader, the seek index, the writer and
// the audio/video tag headers build on these in flv_reader.hpp, flv_index.hpp,
// flv_writer.hpp and flv_tag.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <system_error>

#include "lectern/shared/bytes.hpp"

namespace lectern::shared::flv {

/// Size of the FLV file header for version 1 (E.2).
inline constexpr std::size_t k_file_header_size = 9;
/// Size of a tag header: TagType, DataSize, Timestamp, TimestampExtended, StreamID (E.4.1).
inline constexpr std::size_t k_tag_header_size = 11;
/// Size of each PreviousTagSize field that follows the header and every tag (E.3).
inline constexpr std::size_t k_previous_size_size = 4;
/// Largest DataSize the 24-bit field can express.
inline constexpr std::uint32_t k_max_data_size_field = 0xFFFFFF;
/// Default hard limit on DataSize for readers: a classroom stream's biggest keyframe is well
/// under 1 MiB, so 8 MiB leaves room for 4K slides while bounding memory per untrusted input.
inline constexpr std::uint32_t k_default_max_data_size = 8u << 20;
/// Largest DataOffset we accept: version 1 uses 9; bigger values are reserved for future
/// headers (E.2), and bounding them keeps a hostile file from making us skip gigabytes.
inline constexpr std::uint32_t k_max_data_offset = 64u << 10;

/// The FLV file header (E.2).
struct file_header {
  bool has_audio = true;                           ///< TypeFlagsAudio
  bool has_video = true;                           ///< TypeFlagsVideo
  std::uint32_t data_offset = k_file_header_size;  ///< where the body (PreviousTagSize0) starts

  friend bool operator==(const file_header&, const file_header&) = default;
};

/// Parses the 9-byte file header at the start of `in`. Errors: truncated, flv_bad_signature
/// ("FLV" missing), flv_bad_header (version other than 1, DataOffset < 9 or > k_max_data_offset).
/// The reserved flag bits are ignored: E.2 says they are 0, but nothing depends on them.
std::error_code parse_file_header(byte_view in, file_header& out) noexcept;

/// Appends the file header (data_offset forced to 9) followed by PreviousTagSize0 = 0:
/// 13 bytes.
void encode_file_header(const file_header& h, bytes& out);

/// Tag types (E.4.1 TagType).
enum class tag_type : std::uint8_t { audio = 8, video = 9, script = 18 };

/// A parsed tag header (E.4.1).
struct tag_header {
  tag_type type = tag_type::script;
  std::uint32_t data_size = 0;  ///< bytes of tag data after the 11-byte header
  std::uint32_t timestamp = 0;  ///< ms: TimestampExtended << 24 | Timestamp
  /// 0 in files (E.4.1); the message stream id in RTMP aggregate bodies (RTMP spec 7.1.6).
  std::uint32_t stream_id = 0;

  friend bool operator==(const tag_header&, const tag_header&) = default;
};

/// Parses an 11-byte tag header at the start of `in`, checking it before anything is
/// buffered. Errors, in the order they are checked: truncated; flv_bad_tag (reserved bits
/// set); flv_encrypted (Filter bit); flv_bad_tag_type (not 8, 9 or 18); flv_bad_tag
/// (StreamID not 0, unless `any_stream_id`); flv_tag_too_large (DataSize > max_data_size).
std::error_code parse_tag_header(byte_view in, tag_header& out,
                                 std::uint32_t max_data_size = k_default_max_data_size,
                                 bool any_stream_id = false) noexcept;

/// Encodes a tag header; the upper 8 bits of the timestamp go to TimestampExtended so that
/// recordings longer than 2^24 ms (4.66 h) do not wrap. data_size and stream_id must be
/// <= 0xFFFFFF.
std::array<std::uint8_t, k_tag_header_size> encode_tag_header(const tag_header& h) noexcept;

/// Encodes a PreviousTagSize field (big-endian UI32).
std::array<std::uint8_t, k_previous_size_size> encode_previous_size(std::uint32_t v) noexcept;

/// Decodes the PreviousTagSize field at the start of `in`, which must hold 4 bytes.
std::uint32_t decode_previous_size(byte_view in) noexcept;

/// The PreviousTagSize that must follow a tag with this DataSize: 11 + DataSize (E.3).
constexpr std::uint32_t previous_size_for(std::uint32_t data_size) noexcept {
  return static_cast<std::uint32_t>(k_tag_header_size) + data_size;
}

/// The PreviousTagSize policy shared by the reader and the index (see
/// reader_options::strict_previous_size): success if `actual` is the `expected` value of E.3;
/// otherwise flv_previous_size_mismatch when `strict`, else success with the mismatch
/// counted in `mismatches`.
std::error_code check_previous_size(std::uint32_t actual, std::uint32_t expected, bool strict,
                                    std::uint64_t& mismatches) noexcept;

/// One tag as delivered by the reader and the index: header fields plus a view of its data.
struct tag {
  tag_type type = tag_type::script;
  std::uint32_t timestamp = 0;  ///< ms, 32-bit (TimestampExtended applied)
  std::uint64_t offset = 0;     ///< byte offset of the tag header in the file/stream
  byte_view data;               ///< DataSize bytes; see the producer for its lifetime
  std::uint32_t stream_id = 0;  ///< StreamID: 0 except in RTMP aggregate bodies
};

}  // namespace lectern::shared::flv
