// Incremental FLV parser: bytes in any split, tags out (FLV spec v10.1 E.2-E.4.1). No I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <system_error>

#include "lectern/shared/bytes.hpp"
#include "lectern/shared/flv.hpp"

namespace lectern::shared::flv {

/// Limits and strictness of a reader.
struct reader_options {
  /// Hard limit on DataSize, checked on the 11-byte header before any data is buffered.
  std::uint32_t max_data_size = k_default_max_data_size;
  /// true: the input starts with the file header and PreviousTagSize0 (an .flv file, HTTP-FLV).
  /// false: the input is a bare sequence of tag + PreviousTagSize (e.g. the body of an RTMP
  /// aggregate message, RTMP spec 7.1.6).
  bool expect_file_header = true;
  /// true (default): a PreviousTagSize other than 11 + DataSize (or a PreviousTagSize0 other
  /// than 0) fails with flv_previous_size_mismatch. Strict is the default because DataSize
  /// alone frames the tags, so a wrong back-pointer is our only sign that DataSize itself is
  /// corrupt. false: tolerate muxers known to write wrong values; mismatches are counted.
  bool strict_previous_size = true;
};

/// Streaming FLV parser in the style of Beast's basic_parser: put() consumes bytes until one
/// tag is complete, and the caller feeds the rest of its buffer in the next call. Any split of
/// the input, down to one byte per call, yields the same tags.
///
/// A tag is delivered only after the PreviousTagSize that follows it has been checked, so
/// every tag handed out is verified. Its data is a view, valid until the next put():
///  - into the caller's `in` when the whole tag (header, data, PreviousTagSize) was contiguous
///    in one put() and nothing was buffered: no copy;
///  - otherwise into the reader's own buffer, which holds at most max_data_size + 4 bytes and
///    grows only as data arrives (a peer announcing a large tag and stalling costs only what
///    it actually sent).
/// After an error the reader stays failed and returns the same error.
class reader {
 public:
  explicit reader(reader_options options = {}) noexcept;

  /// Consumes bytes of `in` until a tag is complete, `in` is used up, or an error occurs;
  /// returns the number of bytes consumed. Clears the previously delivered tag.
  std::size_t put(byte_view in, std::error_code& ec);

  /// True when the last put() completed a tag; it is current() until the next put().
  bool has_tag() const noexcept { return has_tag_; }
  const tag& current() const noexcept { return tag_; }

  /// Call at end of input: success if the input ended between tags, error::truncated if it
  /// ended inside the file header or a tag, or the error the reader failed with.
  std::error_code finish() const noexcept;

  /// The file header once parsed (default values before, or without expect_file_header).
  const file_header& header() const noexcept { return header_; }
  /// Bytes consumed so far: the offset of the next input byte in the stream.
  std::uint64_t offset() const noexcept { return offset_; }
  /// PreviousTagSize values that did not match (non-strict mode only).
  std::uint64_t previous_size_mismatches() const noexcept { return mismatches_; }

 private:
  enum class state : std::uint8_t {
    file_header,
    header_skip,
    previous_size0,
    tag_header,
    tag_body,
    failed
  };

  std::size_t step(byte_view in, std::error_code& ec);
  std::size_t fill(byte_view in);
  std::size_t put_whole_tag(byte_view in, std::error_code& ec);
  void complete_unit(std::error_code& ec);
  void start_tag_body(const tag_header& h) noexcept;
  bool check_previous_size(std::uint32_t actual, std::uint32_t expected,
                           std::error_code& ec) noexcept;
  void deliver(const tag_header& h, std::uint64_t offset, byte_view data) noexcept;

  reader_options options_;
  state state_;
  std::error_code error_;
  file_header header_;
  bytes buf_;               // partial unit (file header, PreviousTagSize0, tag header or body)
  std::size_t need_ = 0;    // size of the unit being accumulated in buf_
  std::uint32_t skip_ = 0;  // DataOffset bytes beyond the 9-byte header still to skip
  tag_header pending_;      // header of the tag whose body is being accumulated
  std::uint64_t tag_offset_ = 0;
  std::uint64_t offset_ = 0;
  std::uint64_t mismatches_ = 0;
  tag tag_;
  bool has_tag_ = false;
};

}  // namespace lectern::shared::flv
