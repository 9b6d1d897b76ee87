#include "ws_stream_frames.hpp"

#include <algorithm>

namespace lectern::server::ws {

namespace {

// RFC 6455 7.4.1 and IANA's registry: the codes an endpoint may put in a close frame.
bool sendable_close_code(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF.
bool valid_utf8(const std::uint8_t* p, std::size_t n) {
  std::size_t i = 0;
  while (i < n) {
    const std::uint8_t c = p[i];
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (p[i + k] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

std::size_t frame_header(opcode op, std::uint64_t size, std::array<std::uint8_t, 10>& out) {
  out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(op));  // FIN
  if (size < 126) {
    out[1] = static_cast<std::uint8_t>(size);
    return 2;
  }
  if (size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(size >> 8);
    out[3] = static_cast<std::uint8_t>(size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(size >> (56 - 8 * i));
  return 10;
}

shared::bytes control_frame(opcode op, const std::uint8_t* payload, std::size_t size) {
  size = std::min(size, k_max_control_payload);
  std::array<std::uint8_t, 10> h{};
  const auto n = frame_header(op, size, h);
  shared::bytes out(n + size);
  std::copy_n(h.begin(), n, out.begin());
  if (size > 0) std::copy_n(payload, size, out.begin() + static_cast<std::ptrdiff_t>(n));
  return out;
}

shared::bytes close_frame(std::uint16_t code, const std::string& reason) {
  std::size_t keep = std::min(reason.size(), k_max_control_payload - 2);
  // Not in the middle of a UTF-8 sequence: back off over continuation bytes (10xxxxxx).
  if (keep < reason.size()) {
    while (keep > 0 && (static_cast<std::uint8_t>(reason[keep]) & 0xC0) == 0x80) --keep;
  }
  std::array<std::uint8_t, k_max_control_payload> payload{};
  payload[0] = static_cast<std::uint8_t>(code >> 8);
  payload[1] = static_cast<std::uint8_t>(code);
  std::copy_n(reason.begin(), keep, payload.begin() + 2);
  return control_frame(opcode::close, payload.data(), 2 + keep);
}

void peer_reader::put(const std::uint8_t* data, std::size_t size, std::vector<event>& out) {
  std::size_t at = 0;
  while (at < size && !ended_) {
    if (!in_payload_) {
      const auto take = std::min(header_need_ - header_have_, size - at);
      std::copy_n(data + at, take, header_.begin() + static_cast<std::ptrdiff_t>(header_have_));
      header_have_ += take;
      at += take;
      if (header_have_ == header_need_) header_complete(out);
      continue;
    }
    const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, size - at));
    if (static_cast<std::uint8_t>(op_) >= 0x8) {  // control: kept, unmasked
      for (std::size_t i = 0; i < take; ++i) {
        control_.push_back(data[at + i] ^ mask_[(payload_seen_ + i) % 4]);
      }
    }
    payload_seen_ += take;
    payload_left_ -= take;
    at += take;
    if (payload_left_ == 0) frame_complete(out);
  }
}

void peer_reader::header_complete(std::vector<event>& out) {
  const std::uint8_t b0 = header_[0];
  const std::uint8_t b1 = header_[1];
  if (header_need_ == 2) {  // the first two bytes tell how long the header is
    if ((b0 & 0x70) != 0) return fail(k_close_protocol_error, "reserved bits set", out);
    if ((b1 & 0x80) == 0) return fail(k_close_protocol_error, "an unmasked frame", out);
    const std::uint8_t len7 = b1 & 0x7F;
    header_need_ = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;
    if (header_have_ < header_need_) return;
  }
  fin_ = (b0 & 0x80) != 0;
  op_ = static_cast<opcode>(b0 & 0x0F);
  const std::uint8_t len7 = b1 & 0x7F;
  std::uint64_t len = len7;
  std::size_t at = 2;
  if (len7 == 126 || len7 == 127) {
    const std::size_t n = len7 == 126 ? 2 : 8;
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | header_[at + i];
    at += n;
    if (len >> 63) return fail(k_close_protocol_error, "a length with its top bit set", out);
  }
  std::copy_n(header_.begin() + static_cast<std::ptrdiff_t>(at), 4, mask_.begin());
  switch (op_) {
    case opcode::close:
    case opcode::ping:
    case opcode::pong:
      if (!fin_ || len > k_max_control_payload) {
        return fail(k_close_protocol_error, "a fragmented or oversized control frame", out);
      }
      break;
    case opcode::text:
    case opcode::binary:
      if (in_message_) return fail(k_close_protocol_error, "a new message inside a message", out);
      in_message_ = true;
      message_size_ = 0;
      break;
    case opcode::continuation:
      if (!in_message_) return fail(k_close_protocol_error, "a continuation of nothing", out);
      break;
    default:
      return fail(k_close_protocol_error, "an unknown opcode", out);
  }
  if (static_cast<std::uint8_t>(op_) < 0x8) {
    if (len > max_message_ - std::min<std::uint64_t>(message_size_, max_message_)) {
      return fail(k_close_too_big, "a message over " + std::to_string(max_message_) + " bytes",
                  out);
    }
    message_size_ += len;
  }
  header_have_ = 0;
  header_need_ = 2;
  control_.clear();
  payload_seen_ = 0;
  payload_left_ = len;
  in_payload_ = true;
  if (len == 0) frame_complete(out);
}

void peer_reader::frame_complete(std::vector<event>& out) {
  in_payload_ = false;
  switch (op_) {
    case opcode::ping:
      out.push_back({event::kind::ping, control_, 0, {}});
      break;
    case opcode::pong:
      out.push_back({event::kind::pong, {}, 0, {}});
      break;
    case opcode::close: {
      if (control_.size() == 1) return fail(k_close_protocol_error, "a 1-byte close payload", out);
      event e{event::kind::close, {}, k_close_no_status, {}};  // no code (7.1.5)
      if (control_.size() >= 2) {
        e.code = static_cast<std::uint16_t>(control_[0] << 8 | control_[1]);
        if (!sendable_close_code(e.code)) {
          return fail(k_close_protocol_error, "an invalid close code " + std::to_string(e.code),
                      out);
        }
        if (!valid_utf8(control_.data() + 2, control_.size() - 2)) {
          return fail(k_close_invalid_data, "a close reason that is not UTF-8", out);
        }
        e.text.assign(control_.begin() + 2, control_.end());
      }
      out.push_back(std::move(e));
      ended_ = true;
      break;
    }
    default:
      if (fin_) in_message_ = false;  // a message ignored (a stream's viewer has nothing to say)
      break;
  }
}

void peer_reader::fail(std::uint16_t code, std::string why, std::vector<event>& out) {
  out.push_back({event::kind::error, {}, code, std::move(why)});
  ended_ = true;
}

}  // namespace lectern::server::ws
