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
  /// false: the input is a bare sequence of tag + PreviousTagSize; with any_stream_id, the
  /// body of an RTMP aggregate message (RTMP spec 7.1.6).
  bool expect_file_header = true;
  /// false (default): a StreamID other than 0 fails with flv_bad_tag ("always 0", E.4.1).
  /// true: any StreamID is accepted and delivered in tag::stream_id, for RTMP aggregate
  /// bodies, whose sub-message headers carry the message stream id (1 for a publisher's first
  /// stream). Timestamps are delivered as written; the caller renormalises them by adding
  /// the aggregate's timestamp minus the first sub-message's (7.1.6).
  bool any_stream_id = false;
  /// What a PreviousTagSize other than 11 + DataSize (or a PreviousTagSize0 other than 0)
  /// does.
  /// false (default): it is counted in previous_size_mismatches() and otherwise ignored.
  /// DataSize alone frames the tags (the back-pointer exists for reading backwards, E.3), and
  /// a server that plays uploaded and recorded files must play what FFmpeg plays. FFmpeg's
  /// libavformat/flvdec.c only warns about a non-zero PreviousTagSize0 and, per tag, accepts
  /// 11 + DataSize, 10 + DataSize, DataSize (non-zero), the running total of all tag sizes so
  /// far, any value at end of file, and any value at all once onMetaData names OBS v0.1 to
  /// v0.655 or metadatacreator "MEGA": muxers that wrote such values. It also has an option,
  /// flv_ignore_prevtag, to ignore the field. The price: a corrupt DataSize is not caught at
  /// its own tag but usually at the next tag header, which then fails to parse; to salvage a
  /// damaged recording use build_index's recover mode, which still weighs the back-pointers.
  /// true: the value must match exactly, else flv_previous_size_mismatch. For validating
  /// our own recordings (the writer always writes 11 + DataSize) and the fuzz cross-check.
  bool strict_previous_size = false;
};

/// Streaming FLV parser in the style of Beast's basic_parser: put() consumes bytes until one
/// tag is complete, and the caller feeds the rest of its buffer in the next call. Any split of
/// the input, down to one byte per call, yields the same tags.
///
/// A tag is delivered only after the PreviousTagSize that follows it has been read and
/// checked as strict_previous_size says. Its data is a view, valid until the next put():
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
  /// PreviousTagSize values (PreviousTagSize0 included) that did not match and were
  /// tolerated (non-strict mode only).
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
  std::error_code check_back_pointer(std::uint32_t actual, std::uint32_t expected) noexcept {
    return check_previous_size(actual, expected, options_.strict_previous_size, mismatches_);
  }
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
