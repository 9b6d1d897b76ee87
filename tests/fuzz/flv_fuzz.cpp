// Fuzz target for the FLV reader, index, resync, writer and audio/video tag headers.
//
// The input is parsed twice, by the streaming reader (fed in chunks whose sizes derive from
// the data) and by build_index on the whole buffer, with strict and with tolerant
// PreviousTagSize checks; the two implementations must agree on every tag, on the error and
// on the mismatch count, or we abort(). Every delivered tag's codec header is parsed and
// every tag is re-encoded with the writer, which must reproduce the input bytes. Recover
// mode must fail only on a bad file header and agree with the normal mode on intact files;
// bare-tag mode (RTMP aggregate bodies) must read the body of a file as the file reader does.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "lectern/shared/error.hpp"
#include "lectern/shared/flv.hpp"
#include "lectern/shared/flv_index.hpp"
#include "lectern/shared/flv_reader.hpp"
#include "lectern/shared/flv_tag.hpp"
#include "lectern/shared/flv_writer.hpp"

namespace {

using namespace lectern::shared;
using namespace lectern::shared::flv;

void check(bool ok) {
  if (!ok) std::abort();
}

// Deterministic chunk sizes derived from the input (xorshift seeded with FNV-1a).
class chunker {
 public:
  explicit chunker(byte_view data) noexcept {
    for (std::uint8_t b : data) state_ = (state_ ^ b) * 0x100000001B3ull;
    state_ |= 1;
    max_ = std::size_t(1) << (state_ % 13);  // 1 byte .. 4 KiB
  }
  std::size_t next() noexcept {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return 1 + static_cast<std::size_t>(state_ % max_);
  }

 private:
  std::uint64_t state_ = 0xCBF29CE484222325ull;
  std::size_t max_ = 1;
};

void check_video(byte_view data) {
  video_header h;
  if (parse_video_header(data, h)) return;
  check(h.header_size <= data.size());
  check(!h.is_keyframe() || h.has_frames());
  check(!(h.is_sequence_header() && h.has_frames()));
  check(h.enhanced || h.timestamp_offset_ns == 0);
}

void check_audio(byte_view data) {
  audio_header h;
  if (parse_audio_header(data, h)) return;
  check(h.header_size <= data.size());
  check(h.silence == data.empty());
}

struct streamed {
  std::vector<tag> tags;  // data views point into the input (copied tags are re-pointed)
  std::error_code ec;
  std::uint64_t mismatches = 0;
};

// Feeds the input to a reader in data-derived chunks. Each delivered tag's data must equal
// the input at the offset the tag claims; the tag is then recorded as a view of the input.
streamed stream(byte_view in, const reader_options& options) {
  reader r(options);
  chunker sizes(in);
  streamed out;
  std::size_t pos = 0;
  while (pos < in.size()) {
    byte_view piece = in.subspan(pos, std::min(sizes.next(), in.size() - pos));
    pos += piece.size();
    while (!piece.empty()) {
      std::error_code ec;
      const std::size_t used = r.put(piece, ec);
      check(used <= piece.size());
      check(used > 0 || ec);  // no progress without an error would loop forever
      if (r.has_tag()) {
        tag t = r.current();
        const std::size_t at = static_cast<std::size_t>(t.offset) + k_tag_header_size;
        check(at + t.data.size() <= in.size());
        check(t.data.empty() || std::memcmp(t.data.data(), in.data() + at, t.data.size()) == 0);
        t.data = in.subspan(at, t.data.size());
        out.tags.push_back(t);
      }
      if (ec) {
        check(r.finish() == ec);
        out.ec = ec;
        out.mismatches = r.previous_size_mismatches();
        return out;
      }
      piece = piece.subspan(used);
    }
  }
  check(r.offset() == in.size());
  out.ec = r.finish();
  out.mismatches = r.previous_size_mismatches();
  return out;
}

// Streaming and whole-buffer parsing must agree; the writer must reproduce each tag.
void cross_check(byte_view in, const reader_options& ro, const index_options& io) {
  const streamed s = stream(in, ro);
  file_index idx;
  const std::error_code ec = build_index(in, idx, io);
  check(s.ec == ec);
  check(s.mismatches == idx.previous_size_mismatches);
  check(!ro.strict_previous_size || s.mismatches == 0);
  check(s.tags.size() == idx.tags.size());
  for (std::size_t i = 0; i < s.tags.size(); ++i) {
    const tag& t = s.tags[i];
    const tag_entry& e = idx.tags[i];
    check(t.offset == e.offset && t.type == e.type && t.timestamp == e.timestamp &&
          t.stream_id == 0);
    check(t.data.size() == e.data_size);
    if (t.type == tag_type::video) check_video(t.data);
    if (t.type == tag_type::audio) check_audio(t.data);
    writer w;
    bytes out;
    check(!w.write_tag(t.type, t.timestamp, t.data, out));
    const std::size_t n = ro.strict_previous_size ? out.size() : out.size() - 4;
    check(std::memcmp(out.data(), in.data() + t.offset, n) == 0);
  }
  for (std::size_t i = 0; i < idx.keyframes.size(); ++i) {
    const keyframe_entry& k = idx.keyframes[i];
    check(k.tag < idx.tags.size() && idx.tags[k.tag].keyframe &&
          idx.tags[k.tag].offset == k.offset);
    const keyframe_entry* found = idx.seek(k.timestamp);
    check(found && found->timestamp <= k.timestamp);
  }
}

// Recover mode fails only on a bad file header, never overlaps tags, and reads an input the
// normal mode reads without error or mismatch identically.
void check_recover(byte_view in, bool strict) {
  file_index idx;
  const auto ec = build_index(in, idx, {.strict_previous_size = strict, .recover = true});
  file_header fh;
  check(ec == parse_file_header(in, fh));
  if (ec) return;
  std::uint64_t last_end = 0;
  for (const tag_entry& e : idx.tags) {
    check(e.offset >= last_end);
    tag_header h;
    check(!parse_tag_header(in.subspan(static_cast<std::size_t>(e.offset)), h));
    last_end = e.offset + k_tag_header_size + e.data_size + k_previous_size_size;
  }
  check(last_end <= in.size() && idx.end_offset <= in.size());
  check(idx.skipped_bytes <= in.size() && (!strict || idx.previous_size_mismatches == 0));
  // Tolerated mismatches may be judged differently by recover mode (a corrupt DataSize).
  file_index plain;
  if (build_index(in, plain, {.strict_previous_size = strict}) || plain.previous_size_mismatches)
    return;
  check(idx.skipped_bytes == 0 && idx.tags.size() == plain.tags.size() &&
        idx.end_offset == plain.end_offset);
  for (std::size_t i = 0; i < idx.tags.size(); ++i)
    check(idx.tags[i].offset == plain.tags[i].offset);
}

// Bare-tag mode, as for RTMP aggregate bodies: after a standard 13-byte file start it reads
// what the file reader reads; accepting any StreamID only lets it read further.
void check_bare(byte_view in, bool strict) {
  file_header fh;
  if (in.size() < 13 || parse_file_header(in, fh) || fh.data_offset != k_file_header_size ||
      decode_previous_size(in.subspan(k_file_header_size)) != 0)
    return;
  const reader_options file_mode{.strict_previous_size = strict};
  const streamed whole = stream(in, file_mode);
  const byte_view body = in.subspan(13);
  reader_options bare = file_mode;
  bare.expect_file_header = false;
  const streamed tags = stream(body, bare);
  bare.any_stream_id = true;
  const streamed aggregate = stream(body, bare);
  check(tags.ec == whole.ec && tags.tags.size() == whole.tags.size());
  check(aggregate.tags.size() >= tags.tags.size());
  check(tags.ec || (!aggregate.ec && aggregate.tags.size() == tags.tags.size()));
  for (std::size_t i = 0; i < tags.tags.size(); ++i) {
    check(tags.tags[i].offset + 13 == whole.tags[i].offset);
    check(aggregate.tags[i].offset == tags.tags[i].offset);
    check(aggregate.tags[i].stream_id == 0 &&
          aggregate.tags[i].data.size() == tags.tags[i].data.size());
  }
}

void check_resync(byte_view in) {
  chunker offsets(in);
  for (int i = 0; i < 4 && !in.empty(); ++i) {
    const std::size_t from = offsets.next() % in.size();
    const std::size_t at = find_next_tag(in, from);
    if (at == k_npos) continue;
    tag_header h;
    check(at >= from && !parse_tag_header(in.subspan(at), h));
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const byte_view in(data, size);
  // The raw input as a codec header too: reaches the parsers without a valid container.
  check_video(in);
  check_audio(in);
  // A small limit derived from the data exercises flv_tag_too_large.
  const std::uint32_t limit = size > 9 && (data[size - 1] & 1) ? std::uint32_t(data[size - 1]) * 16
                                                               : k_default_max_data_size;
  for (bool strict : {true, false}) {
    cross_check(in, {.max_data_size = limit, .strict_previous_size = strict},
                {.max_data_size = limit, .strict_previous_size = strict});
  }
  for (bool strict : {true, false}) {
    check_recover(in, strict);
    check_bare(in, strict);
  }
  check_resync(in);
  return 0;
}
