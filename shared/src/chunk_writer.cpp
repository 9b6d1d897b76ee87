#include "lectern/shared/chunk_writer.hpp"

#include <algorithm>

#include "lectern/shared/error.hpp"

namespace lectern::shared::rtmp {
namespace {

// RTMP spec 5.3.1.1: 1, 2 or 3 bytes depending on the chunk stream id (checked by check()).
void put_basic_header(byte_writer& w, std::uint8_t fmt, std::uint32_t csid) {
  const auto f = static_cast<std::uint8_t>(fmt << 6);
  if (csid < 64) {
    w.u8(static_cast<std::uint8_t>(f | csid));
  } else if (csid < 320) {
    w.u8(f);
    w.u8(static_cast<std::uint8_t>(csid - 64));
  } else {
    w.u8(static_cast<std::uint8_t>(f | 1));
    w.u8(static_cast<std::uint8_t>((csid - 64) & 0xFF));
    w.u8(static_cast<std::uint8_t>((csid - 64) >> 8));
  }
}

std::size_t basic_header_size(std::uint32_t csid) noexcept {
  return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

// Writes the message header of `fmt` and the payload in chunks; `ts_field` is the absolute
// timestamp (type 0) or delta (types 1, 2, 3). Continuation chunks are type 3 and repeat
// the extended timestamp, as Flash Media Server and ffmpeg expect (5.3.1.3).
void put_chunks(byte_writer& w, std::uint8_t fmt, const message_header& h, std::uint32_t ts_field,
                byte_view payload, std::uint32_t chunk_size) {
  const bool extended = ts_field >= k_extended_timestamp_marker;
  put_basic_header(w, fmt, h.chunk_stream_id);
  if (fmt <= 2) w.u24(extended ? k_extended_timestamp_marker : ts_field);
  if (fmt <= 1) {
    w.u24(static_cast<std::uint32_t>(payload.size()));
    w.u8(h.type);
  }
  if (fmt == 0) w.u32le(h.stream_id);  // the one little-endian field (5.3.1.2.1)
  if (extended) w.u32(ts_field);
  std::size_t off = 0;
  for (;;) {
    const std::size_t n = std::min<std::size_t>(chunk_size, payload.size() - off);
    w.append(payload.subspan(off, n));
    off += n;
    if (off >= payload.size()) break;
    put_basic_header(w, 3, h.chunk_stream_id);
    if (extended) w.u32(ts_field);
  }
}

std::error_code check(const message_header& h, std::size_t length, std::uint32_t chunk_size) {
  if (h.chunk_stream_id < 2 || h.chunk_stream_id > 65599) return error::chunk_bad_chunk_stream_id;
  if (length > k_max_message_length) return error::chunk_message_too_large;
  if (!chunk_writer::valid_chunk_size(chunk_size)) return error::chunk_bad_chunk_size;
  return {};
}

}  // namespace

std::error_code chunk_writer::set_chunk_size(std::uint32_t n) noexcept {
  if (!valid_chunk_size(n)) return error::chunk_bad_chunk_size;
  chunk_size_ = n;
  return {};
}

chunk_writer::stream_state& chunk_writer::state(std::uint32_t csid) {
  for (auto& s : streams_)
    if (s.csid == csid) return s;
  streams_.push_back(stream_state{});
  streams_.back().csid = csid;
  streams_.back().length = UINT32_MAX;  // force a type-0 header first (5.3.1.2.1)
  return streams_.back();
}

std::error_code chunk_writer::write(const message& m, bytes& out) {
  return write({m.chunk_stream_id, m.type, m.stream_id, m.timestamp, 0}, m.payload, out);
}

std::error_code chunk_writer::write(message_header h, byte_view payload, bytes& out) {
  if (auto ec = check(h, payload.size(), chunk_size_)) return ec;
  h.length = static_cast<std::uint32_t>(payload.size());
  stream_state& s = state(h.chunk_stream_id);
  const bool first = s.length == UINT32_MAX;
  std::uint8_t fmt = 0;
  std::uint32_t field = static_cast<std::uint32_t>(h.timestamp);  // the wire carries 32 bits
  // Type 0 at the start, on a new message stream id, or when time goes backwards or jumps
  // further than a 32-bit delta can say (5.3.1.2.1).
  if (!first && h.stream_id == s.stream_id && h.timestamp >= s.timestamp &&
      h.timestamp - s.timestamp <= UINT32_MAX) {
    const auto delta = static_cast<std::uint32_t>(h.timestamp - s.timestamp);
    if (h.length != s.length || h.type != s.type) {
      fmt = 1;
    } else if (!s.delta_valid || delta != s.delta) {
      fmt = 2;
    } else {
      fmt = 3;  // a new message with the same length, type and delta (5.3.1.2.4)
    }
    field = delta;
  }
  byte_writer w(out);
  put_chunks(w, fmt, h, field, payload, chunk_size_);
  s.timestamp = h.timestamp;
  s.length = h.length;
  s.type = h.type;
  s.stream_id = h.stream_id;
  s.delta = field;
  // After type 0 the "delta" a type-3 header would repeat is read differently by different
  // peers (ffmpeg adds the type-0 field; others add nothing), so type 3 follows only 1 or 2.
  s.delta_valid = fmt != 0;
  return {};
}

std::error_code chunk_writer::write_standalone(message_header h, byte_view payload,
                                               std::uint32_t chunk_size, bytes& out) {
  if (auto ec = check(h, payload.size(), chunk_size)) return ec;
  h.length = static_cast<std::uint32_t>(payload.size());
  byte_writer w(out);
  put_chunks(w, 0, h, static_cast<std::uint32_t>(h.timestamp), payload, chunk_size);
  return {};
}

std::size_t chunk_writer::standalone_size(const message_header& h,
                                          std::uint32_t chunk_size) noexcept {
  if (!valid_chunk_size(chunk_size)) return 0;
  const bool extended = static_cast<std::uint32_t>(h.timestamp) >= k_extended_timestamp_marker;
  const std::size_t continuation = basic_header_size(h.chunk_stream_id) + (extended ? 4 : 0);
  const std::size_t chunks = h.length == 0 ? 1 : (h.length + chunk_size - 1) / chunk_size;
  return continuation + 11 + h.length + (chunks - 1) * continuation;
}

void chunk_writer::note_sent(const message_header& h) {
  stream_state& s = state(h.chunk_stream_id);
  s.timestamp = h.timestamp;
  s.length = h.length;
  s.type = h.type;
  s.stream_id = h.stream_id;
  s.delta = static_cast<std::uint32_t>(h.timestamp);
  s.delta_valid = false;
}

}  // namespace lectern::shared::rtmp
