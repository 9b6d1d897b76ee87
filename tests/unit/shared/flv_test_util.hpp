// Helpers shared by the FLV tests: hand-built tags, reading a file through the streaming
// reader in any split, and checking the reader against the index.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "lectern/shared/bytes.hpp"
#include "lectern/shared/flv.hpp"
#include "lectern/shared/flv_index.hpp"
#include "lectern/shared/flv_reader.hpp"

namespace lectern::shared::test {

/// Appends one tag by hand (FLV spec E.4.1) with its PreviousTagSize, by default the right
/// one (11 + DataSize).
inline void append_flv_tag(bytes& out, std::uint8_t type, std::uint32_t ts, const bytes& data,
                           std::optional<std::uint32_t> previous_size = std::nullopt,
                           std::uint32_t stream_id = 0) {
  byte_writer w(out);
  w.u8(type);
  w.u24(static_cast<std::uint32_t>(data.size()));
  w.u24(ts & 0xFFFFFF);
  w.u8(static_cast<std::uint8_t>(ts >> 24));
  w.u24(stream_id);
  w.append(data);
  w.u32(previous_size.value_or(static_cast<std::uint32_t>(11 + data.size())));
}

/// A tag as the reader delivered it, with its data copied out of the reader's buffer.
struct flv_seen_tag {
  flv::tag_type type;
  std::uint32_t timestamp;
  std::uint64_t offset;
  bytes data;
  std::uint32_t stream_id = 0;
  friend bool operator==(const flv_seen_tag&, const flv_seen_tag&) = default;
};

/// Every tag a reader delivered, its outcome and its tolerated back-pointer mismatches.
struct flv_read_result {
  std::vector<flv_seen_tag> tags;
  std::error_code ec;
  std::uint64_t previous_size_mismatches = 0;
};

/// Chunk sizes cycling through `pattern`: read_flv(f, cycle({1, 12, 2})).
inline auto cycle(std::vector<std::size_t> pattern) {
  return [p = std::move(pattern), k = std::size_t(0)]() mutable { return p[k++ % p.size()]; };
}

/// Feeds `in` to a reader in chunks of the sizes `next_chunk()` returns, each chunk offered
/// until used up, as a connection would; then finish().
template <typename Chunker>
flv_read_result read_flv(byte_view in, Chunker next_chunk, flv::reader_options options = {}) {
  flv::reader r(options);
  flv_read_result res;
  std::size_t pos = 0;
  while (pos < in.size() && !res.ec) {
    byte_view piece = in.subspan(pos, std::min<std::size_t>(next_chunk(), in.size() - pos));
    pos += piece.size();
    while (!piece.empty() && !res.ec) {
      const std::size_t used = r.put(piece, res.ec);
      if (r.has_tag()) {
        const flv::tag& t = r.current();
        res.tags.push_back(
            {t.type, t.timestamp, t.offset, bytes(t.data.begin(), t.data.end()), t.stream_id});
      }
      piece = piece.subspan(used);
    }
  }
  if (!res.ec) res.ec = r.finish();
  res.previous_size_mismatches = r.previous_size_mismatches();
  return res;
}

/// The whole input in one put() at a time.
inline flv_read_result read_flv_whole(byte_view in, flv::reader_options options = {}) {
  return read_flv(
      in, [&] { return in.size(); }, options);
}

/// The streaming reader and the index, with the same strictness, must agree on every tag,
/// on the outcome and on the mismatch count.
inline ::testing::AssertionResult reader_agrees_with_index(byte_view file,
                                                           const flv_read_result& res,
                                                           bool strict) {
  flv::file_index idx;
  const std::error_code ec = build_index(file, idx, {.strict_previous_size = strict});
  if (res.ec != ec)
    return ::testing::AssertionFailure()
           << "reader: " << res.ec.message() << ", index: " << ec.message();
  if (res.tags.size() != idx.tags.size())
    return ::testing::AssertionFailure()
           << "reader: " << res.tags.size() << " tags, index: " << idx.tags.size();
  if (res.previous_size_mismatches != idx.previous_size_mismatches)
    return ::testing::AssertionFailure() << "mismatches: reader " << res.previous_size_mismatches
                                         << ", index " << idx.previous_size_mismatches;
  for (std::size_t i = 0; i < idx.tags.size(); ++i) {
    const flv_seen_tag& t = res.tags[i];
    const flv::tag_entry& e = idx.tags[i];
    const byte_view d = flv::file_index::data(e, file);
    if (t.offset != e.offset || t.timestamp != e.timestamp || t.type != e.type ||
        t.data != bytes(d.begin(), d.end()))
      return ::testing::AssertionFailure() << "tag " << i << " at " << e.offset << " differs";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace lectern::shared::test
