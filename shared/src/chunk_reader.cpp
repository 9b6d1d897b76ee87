#include "lectern/shared/chunk_reader.hpp"

#include <algorithm>

#include "lectern/shared/error.hpp"

namespace lectern::shared::rtmp {
namespace {

constexpr std::uint32_t k_extended_marker = 0xFFFFFF;  // RTMP spec 5.3.1.3
constexpr std::size_t k_message_header_size[4] = {11, 7, 3, 0};  // RTMP spec 5.3.1.2
constexpr std::size_t k_initial_reserve = 64 * 1024;

/// Places a new 32-bit wire timestamp on the 64-bit timeline of the previous one: a step of
/// less than 2^31 either way is taken as it is, so 32-bit wrap-around after 49.7 days (and
/// the 24-bit field's move to extended timestamps at 4.66 hours) never jumps backwards.
std::uint64_t unwrap(std::uint64_t prev64, std::uint32_t prev32, std::uint32_t new32) {
  const auto diff = static_cast<std::int32_t>(new32 - prev32);
  if (diff < 0 && static_cast<std::uint64_t>(-static_cast<std::int64_t>(diff)) > prev64)
    return new32;
  return prev64 + static_cast<std::int64_t>(diff);
}

}  // namespace

chunk_reader::chunk_reader(const chunk_limits& lim) : limits_(lim) {}

std::size_t chunk_reader::put(byte_view in, std::error_code& ec) {
  ec.clear();
  std::size_t used = 0;
  while (used < in.size() && ready_.size() < limits_.max_pending_messages) {
    std::size_t n = 0;
    if (chunk_left_ == 0) {
      n = parse_header(in.subspan(used), ec);
    } else {
      n = read_payload(in.subspan(used));
      if (chunk_left_ == 0 && streams_[cur_].partial.size() == streams_[cur_].length)
        ec = finish_message(streams_[cur_]);
    }
    used += n;
    if (ec || n == 0) break;
  }
  bytes_received_ += used;
  return used;
}

bool chunk_reader::next(message& out) {
  if (ready_.empty()) return false;
  out = std::move(ready_.front());
  ready_.pop_front();
  return true;
}

std::optional<std::uint32_t> chunk_reader::take_ack() noexcept {
  if (ack_window_ == 0 || bytes_received_ - acked_ < ack_window_) return std::nullopt;
  acked_ = bytes_received_;
  return static_cast<std::uint32_t>(bytes_received_);  // sequence number wraps (5.4.3)
}

chunk_reader::stream_state* chunk_reader::find(std::uint32_t csid) noexcept {
  for (auto& s : streams_)
    if (s.csid == csid) return &s;
  return nullptr;
}

chunk_reader::stream_state* chunk_reader::add(std::uint32_t csid, std::error_code& ec) {
  if (streams_.size() >= limits_.max_chunk_streams) {
    ec = error::chunk_too_many_streams;
    return nullptr;
  }
  streams_.push_back(stream_state{});
  streams_.back().csid = csid;
  return &streams_.back();
}

// Parses one complete chunk header (basic header, message header, extended timestamp) or
// returns 0 when `in` does not hold all of it yet.
std::size_t chunk_reader::parse_header(byte_view in, std::error_code& ec) {
  byte_reader r(in);
  std::uint8_t b0 = 0;
  if (!r.u8(b0)) return 0;
  const std::uint8_t fmt = b0 >> 6;
  std::uint32_t csid = b0 & 0x3F;
  if (csid == 0) {  // RTMP spec 5.3.1.1: 2-byte form, ids 64-319
    std::uint8_t b1 = 0;
    if (!r.u8(b1)) return 0;
    csid = 64u + b1;
  } else if (csid == 1) {  // 3-byte form, ids 64-65599, little-endian
    std::uint8_t b1 = 0, b2 = 0;
    if (!r.u8(b1) || !r.u8(b2)) return 0;
    csid = 64u + b1 + 256u * b2;
  }
  if (r.remaining() < k_message_header_size[fmt]) return 0;

  stream_state* s = find(csid);
  const bool fresh = s == nullptr || !s->has_header;
  // A new chunk stream must start with type 0 (5.3.1.2.1); type 1 carries everything but
  // the stream id, and some encoders start with it, so it is accepted with stream id 0.
  if (fresh && fmt >= 2) {
    ec = error::chunk_no_previous_header;
    return 0;
  }
  std::uint32_t ts_field = 0, length = s ? s->length : 0, sid = s ? s->stream_id : 0;
  std::uint8_t type = s ? s->type : 0;
  if (fmt <= 2) r.u24(ts_field);
  if (fmt <= 1) {
    r.u24(length);
    r.u8(type);
  }
  if (fmt == 0) r.u32le(sid);

  bool extended = fmt <= 2 ? ts_field == k_extended_marker : s->extended;
  if (extended) {
    std::uint32_t ext = 0;
    if (r.remaining() < 4) return 0;
    if (fmt <= 2) {
      r.u32(ext);
      ts_field = ext;
    } else {
      // 5.3.1.3: a type-3 chunk repeats the extended timestamp of its header. librtmp
      // omits it, so the four bytes count as the timestamp only if they repeat it.
      byte_reader peek(r.rest());
      peek.u32(ext);
      if (ext == s->extended_value) r.skip(4);
    }
  }

  if (s == nullptr && (s = add(csid, ec)) == nullptr) return 0;
  cur_ = static_cast<std::size_t>(s - streams_.data());
  if (s->in_message) {
    // A full header in the middle of a message: tolerated only if it repeats the length and
    // type (some muxers do), since anything else would corrupt the partial message.
    if (fmt <= 1 && (length != s->length || type != s->type)) {
      ec = error::chunk_length_changed;
      return 0;
    }
  } else if ((ec = start_message(*s, fmt, ts_field, length, type, sid))) {
    return 0;
  }
  if (fmt <= 2) {
    s->extended = extended;
    s->extended_value = ts_field;
  }
  chunk_left_ = std::min(chunk_size_, s->length - static_cast<std::uint32_t>(s->partial.size()));
  if (s->length == 0 && (ec = finish_message(*s))) return 0;
  return r.position();
}

std::error_code chunk_reader::start_message(stream_state& s, std::uint8_t fmt,
                                            std::uint32_t ts_field, std::uint32_t length,
                                            std::uint8_t type, std::uint32_t sid) {
  if (length > limits_.max_message_size) return error::chunk_message_too_large;
  if (fmt == 0) {
    s.timestamp = s.has_header ? unwrap(s.timestamp, s.wire_timestamp, ts_field) : ts_field;
    s.wire_timestamp = ts_field;
    // A type-3 chunk that starts a new message after a type-0 header adds the type-0
    // timestamp field again: ffmpeg and SRS read it so, and so do we.
    s.delta = ts_field;
  } else {
    if (fmt <= 2) s.delta = ts_field;
    s.timestamp += s.delta;  // deltas are unsigned (5.3.1.2.2): the 64-bit sum never wraps
    s.wire_timestamp += s.delta;
  }
  s.length = length;
  s.type = type;
  s.stream_id = sid;
  s.has_header = true;
  s.in_message = true;
  s.partial.clear();
  // Never reserve what an untrusted header merely claims; grow as bytes really arrive.
  s.partial.reserve(std::min<std::size_t>(length, k_initial_reserve));
  return {};
}

std::size_t chunk_reader::read_payload(byte_view in) {
  const std::size_t n = std::min<std::size_t>(in.size(), chunk_left_);
  auto& partial = streams_[cur_].partial;
  partial.insert(partial.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n));
  chunk_left_ -= static_cast<std::uint32_t>(n);
  return n;
}

std::error_code chunk_reader::finish_message(stream_state& s) {
  message m;
  m.chunk_stream_id = s.csid;
  m.type = s.type;
  m.stream_id = s.stream_id;
  m.timestamp = s.timestamp;
  m.payload = std::move(s.partial);
  s.partial = bytes{};
  s.in_message = false;
  chunk_left_ = 0;
  std::error_code ec;
  if (m.stream_id == 0 && m.type >= 1 && m.type <= 6) ec = apply_control(m);
  if (!ec) ready_.push_back(std::move(m));
  return ec;
}

// Protocol control messages travel on message stream 0 (RTMP spec 5.4).
std::error_code chunk_reader::apply_control(const message& m) {
  byte_reader r(m.payload);
  std::uint32_t v = 0;
  switch (m.kind()) {
    case message_type::set_chunk_size:  // 5.4.1: 31 bits, 1 to 2147483647
      if (!r.u32(v)) return error::message_malformed;
      if (v == 0 || v > 0x7FFFFFFFu) return error::chunk_bad_chunk_size;
      chunk_size_ = v;
      return {};
    case message_type::abort:  // 5.4.2: drop the partial message on that chunk stream
      if (!r.u32(v)) return error::message_malformed;
      if (stream_state* s = find(v)) {
        s->in_message = false;
        s->partial = bytes{};
      }
      return {};
    case message_type::window_ack_size:  // 5.4.4
      if (!r.u32(v)) return error::message_malformed;
      ack_window_ = v;
      return {};
    default:
      return {};
  }
}

}  // namespace lectern::shared::rtmp
