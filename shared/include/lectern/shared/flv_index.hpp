// Seekable FLV reading: index a complete in-memory (or mapped) file so a VOD player can seek
// to a keyframe, and resynchronise on the next valid tag after corruption. No I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <system_error>
#include <vector>

#include "lectern/shared/bytes.hpp"
#include "lectern/shared/flv.hpp"

namespace lectern::shared::flv {

/// "No such tag" for tag positions and offsets.
inline constexpr std::size_t k_npos = static_cast<std::size_t>(-1);

/// Limits and strictness of build_index().
struct index_options {
  /// Hard limit on DataSize, as for the reader.
  std::uint32_t max_data_size = k_default_max_data_size;
  /// As reader_options::strict_previous_size: tolerant (count and go on) by default.
  bool strict_previous_size = false;
  /// Hard limit on the number of tags (about 24 bytes of index each): error::limit_exceeded.
  std::size_t max_tags = std::size_t(1) << 22;
  /// false (default): stop at the first damaged unit and return its error, keeping the tags
  /// before it; the reader and the index then agree on every tag and on the error.
  /// true: salvage a damaged or cut-short recording. Only a bad file header (truncated
  /// included) and limit_exceeded are errors; everything after the header is read or skipped:
  ///  - a file that ends before or inside PreviousTagSize0 (a recording cut right after its
  ///    header) is empty: success, no tags;
  ///  - a bad tag, and a damaged or truncated tail, are skipped to the next valid tag
  ///    (find_next_tag), the bytes counted in skipped_bytes;
  ///  - a wrong PreviousTagSize, in strict mode, makes its tag (or PreviousTagSize0) damage,
  ///    skipped as above. In tolerant mode it is counted and the tag kept if it looks like a
  ///    muxer's bug: the file ends after it or a valid tag header follows, and it does not
  ///    describe a whole tag inside this tag's data. Otherwise the tag's DataSize is the
  ///    likelier culprit, and trusting it would swallow the tags after it: the tag is damage.
  bool recover = false;
};

/// One tag of an indexed file.
struct tag_entry {
  std::uint64_t offset = 0;  ///< of the tag header
  std::uint32_t timestamp = 0;
  std::uint32_t data_size = 0;
  tag_type type = tag_type::script;
  bool keyframe = false;         ///< video keyframe carrying coded frames (a seek point)
  bool sequence_header = false;  ///< audio or video decoder configuration
};

/// A seek point: a video keyframe, and the configuration a decoder needs before it.
struct keyframe_entry {
  std::uint32_t timestamp = 0;
  std::uint64_t offset = 0;           ///< of the keyframe's tag header
  std::size_t tag = 0;                ///< its position in file_index::tags
  std::size_t video_config = k_npos;  ///< latest video sequence header before it, if any
  std::size_t audio_config = k_npos;  ///< latest audio sequence header before it, if any
};

/// Where every tag of a file is, in file order.
struct file_index {
  file_header header;
  std::vector<tag_entry> tags;
  std::vector<keyframe_entry> keyframes;
  /// Offset just past the last good tag's PreviousTagSize (or PreviousTagSize0): where an
  /// appending writer or a reader resuming after truncation continues; 0 if neither was read.
  std::uint64_t end_offset = 0;
  std::uint64_t skipped_bytes = 0;             ///< recover mode: bytes skipped by resync
  std::uint64_t previous_size_mismatches = 0;  ///< tolerated ones (non-strict mode)
  std::uint32_t min_timestamp = 0;             ///< over audio and video tags; 0 if none
  std::uint32_t max_timestamp = 0;
  bool keyframes_sorted = true;  ///< keyframe timestamps never decrease

  /// The last keyframe at or before `time_ms`; the first keyframe if `time_ms` precedes
  /// them all; nullptr if the file has no video keyframes.
  const keyframe_entry* seek(std::uint32_t time_ms) const noexcept;
  /// The data of `t` inside the indexed buffer.
  static byte_view data(const tag_entry& t, byte_view file) noexcept {
    return file.subspan(static_cast<std::size_t>(t.offset) + k_tag_header_size, t.data_size);
  }
};

/// Indexes a complete FLV file held in memory. Classifies audio/video tags with
/// parse_audio_header/parse_video_header (a tag whose codec header does not parse is kept
/// but is neither keyframe nor sequence header). Errors: those of parse_file_header and
/// parse_tag_header, truncated, flv_previous_size_mismatch, limit_exceeded. On error `out`
/// holds every tag before the failure.
std::error_code build_index(byte_view file, file_index& out, const index_options& options = {});

/// Resync: the offset of the first plausible tag header at or after `from`, or k_npos. A
/// candidate must parse (known type, no reserved bits, StreamID 0, DataSize within the
/// limit), be followed by a matching PreviousTagSize, and so must the next two tags where
/// the buffer holds them (a chain of three makes a false match in media data unlikely).
/// The back-pointers must match exactly whatever strict_previous_size says: without them
/// nothing tells a tag from media data. So a file whose muxer wrote wrong back-pointers
/// throughout reads fine up to its first damage, but cannot be resynchronised after it.
std::size_t find_next_tag(byte_view buffer, std::size_t from,
                          std::uint32_t max_data_size = k_default_max_data_size) noexcept;

}  // namespace lectern::shared::flv
