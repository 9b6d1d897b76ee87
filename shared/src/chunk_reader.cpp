#include "lectern/shared/chunk_reader.hpp"

#include <algorithm>

#include "lectern/shared/error.hpp"

namespace lectern::shared::rtmp {
namespace {

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
  wire_header h;
  if (!read_basic_header(r, h)) return 0;
  stream_state* s = find(h.csid);
  if (!read_message_header(r, s, h, ec) || !read_extended_timestamp(r, s, h)) return 0;
  if ((ec = apply_header(s, h))) return 0;
  return r.position();
}

// RTMP spec 5.3.1.1: the format and the chunk stream id in 1, 2 or 3 bytes.
bool chunk_reader::read_basic_header(byte_reader& r, wire_header& h) noexcept {
  std::uint8_t b0 = 0;
  if (!r.u8(b0)) return false;
  h.fmt = b0 >> 6;
  h.csid = b0 & 0x3F;
  if (h.csid == 0) {  // 2-byte form, ids 64-319
    std::uint8_t b1 = 0;
    if (!r.u8(b1)) return false;
    h.csid = 64u + b1;
  } else if (h.csid == 1) {  // 3-byte form, ids 64-65599, little-endian
    std::uint8_t b1 = 0, b2 = 0;
    if (!r.u8(b1) || !r.u8(b2)) return false;
    h.csid = 64u + b1 + 256u * b2;
  }
  return true;
}

// RTMP spec 5.3.1.2: 11, 7, 3 or 0 bytes; what is absent comes from the previous header on
// the chunk stream `s`.
bool chunk_reader::read_message_header(byte_reader& r, const stream_state* s, wire_header& h,
                                       std::error_code& ec) noexcept {
  if (r.remaining() < k_message_header_size[h.fmt]) return false;
  // A new chunk stream must start with type 0 (5.3.1.2.1); type 1 carries everything but
  // the stream id, and some encoders start with it, so it is accepted with stream id 0.
  if ((s == nullptr || !s->has_header) && h.fmt >= 2) {
    ec = error::chunk_no_previous_header;
    return false;
  }
  h.length = s ? s->length : 0;
  h.type = s ? s->type : 0;
  h.stream_id = s ? s->stream_id : 0;
  if (h.fmt <= 2) r.u24(h.ts_field);
  if (h.fmt <= 1) {
    r.u24(h.length);
    r.u8(h.type);
  }
  if (h.fmt == 0) r.u32le(h.stream_id);
  h.extended = h.fmt <= 2 ? h.ts_field == k_extended_timestamp_marker : s->extended;
  return true;
}

// RTMP spec 5.3.1.3: the 32-bit timestamp or delta when the 24-bit field is 0xFFFFFF.
bool chunk_reader::read_extended_timestamp(byte_reader& r, const stream_state* s,
                                           wire_header& h) noexcept {
  if (!h.extended) return true;
  std::uint32_t ext = 0;
  if (r.remaining() < 4) return false;
  if (h.fmt <= 2) {
    r.u32(ext);
    h.ts_field = ext;
    return true;
  }
  // A type-3 chunk repeats the extended timestamp of its header. librtmp omits it, so the
  // four bytes count as the timestamp only if they repeat it.
  byte_reader peek(r.rest());
  peek.u32(ext);
  if (ext == s->extended_value) r.skip(4);
  return true;
}

// Applies a parsed header: a new message, or the next chunk of the one in progress.
std::error_code chunk_reader::apply_header(stream_state*& s, const wire_header& h) {
  std::error_code ec;
  if (s == nullptr && (s = add(h.csid, ec)) == nullptr) return ec;
  cur_ = static_cast<std::size_t>(s - streams_.data());
  if (s->in_message) {
    // A full header in the middle of a message: tolerated only if it repeats the length and
    // type (some muxers do), since anything else would corrupt the partial message.
    if (h.fmt <= 1 && (h.length != s->length || h.type != s->type))
      return error::chunk_length_changed;
  } else if ((ec = start_message(*s, h.fmt, h.ts_field, h.length, h.type, h.stream_id))) {
    return ec;
  }
  if (h.fmt <= 2) {
    s->extended = h.extended;
    s->extended_value = h.ts_field;
  }
  chunk_left_ = std::min(chunk_size_, s->length - static_cast<std::uint32_t>(s->partial.size()));
  if (s->length == 0) return finish_message(*s);
  return {};
}

std::error_code chunk_reader::start_message(stream_state& s, std::uint8_t fmt,
                                            std::uint32_t ts_field, std::uint32_t length,
                                            std::uint8_t type, std::uint32_t sid) {
  if (length > limits_.max_message_size) return error::chunk_message_too_large;
  if (s.in_message) partial_declared_ -= s.length;  // a new header replaces an unfinished one
  s.in_message = false;
  if (partial_declared_ + length > limits_.max_partial_bytes) return error::chunk_too_much_partial;
  partial_declared_ += length;
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
  auto& s = streams_[cur_];
  auto& partial = s.partial;
  // Grow by doubling as bytes arrive, but never past the message's length: the buffer
  // becomes the shared payload, and slack in it would live as long as the GOP cache does.
  if (partial.size() + n > partial.capacity())
    partial.reserve(
        std::min<std::size_t>(s.length, std::max(partial.capacity() * 2, partial.size() + n)));
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
  partial_declared_ -= s.length;
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
        if (s->in_message) partial_declared_ -= s->length;
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
