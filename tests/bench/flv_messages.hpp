// The FLV stream of an HTTP-FLV or WS-FLV player as messages: the file header, then each tag
// (FLV spec v10.1 E.2-E.4.1) as the shared::rtmp::message an RTMP player would have received,
// so that one player logic measures every transport. No I/O.
#pragma once

#include <cstdint>
#include <system_error>
#include <vector>

#include "lectern/shared/bytes.hpp"
#include "lectern/shared/flv_reader.hpp"
#include "lectern/shared/message.hpp"

namespace lectern::bench {

/// Turns FLV bytes, in any split, into messages: type 8 audio, 9 video, 18 data; the tag's
/// timestamp (TimestampExtended applied) unwrapped to 64 bits like the RTMP chunk reader's;
/// the tag data as the payload. The tags are checked by shared::flv::reader (signature,
/// version, reserved bits, tag types) with DataSize bounded by k_max_tag.
class flv_messages {
 public:
  /// The largest tag accepted: shared::flv's bound for untrusted input (a classroom's
  /// biggest keyframe is well under 1 MiB).
  static constexpr std::uint32_t k_max_tag = shared::flv::k_default_max_data_size;

  flv_messages();

  /// Appends every message completed by `in` to `out`. On error the messages before it
  /// are in `out`, and the reader stays failed.
  std::error_code put(shared::byte_view in, std::vector<shared::rtmp::message>& out);
  /// Bytes consumed so far (where an error was found).
  std::uint64_t offset() const noexcept { return reader_.offset(); }
  /// Whether the stream ended between tags (or before anything arrived).
  bool at_boundary() const noexcept { return offset() == 0 || !reader_.finish(); }

 private:
  shared::flv::reader reader_;
  std::uint64_t epoch_ = 0;  // 2^32 ms wraps so far
  std::uint32_t last_ = 0;
  bool any_ = false;
};

}  // namespace lectern::bench
