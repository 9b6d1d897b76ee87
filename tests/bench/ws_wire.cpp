#include "ws_wire.hpp"

#include <openssl/evp.h>

#include <algorithm>

#include "http_wire.hpp"
#include "wire_error.hpp"

namespace lectern::bench {

namespace {

std::string base64(const std::uint8_t* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');  // EVP_EncodeBlock adds a NUL
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool is_control(ws_opcode op) noexcept {
  return static_cast<std::uint8_t>(op) >= 8;
}

}  // namespace

std::string ws_key(const std::array<std::uint8_t, 16>& nonce) {
  return base64(nonce.data(), nonce.size());
}

std::string ws_accept(std::string_view key) {
  const std::string text = std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), digest, &n, EVP_sha1(), nullptr);
  return base64(digest, n);
}

void encode_client_frame(ws_opcode op, shared::byte_view payload,
                         const std::array<std::uint8_t, 4>& mask, shared::bytes& out) {
  out.push_back(static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(op)));
  const std::uint64_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<std::uint8_t>(0x80 | n));
  } else if (n <= 0xFFFF) {
    out.insert(out.end(),
               {0x80 | 126, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
  } else {
    out.push_back(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(static_cast<std::uint8_t>(n >> shift));
  }
  out.insert(out.end(), mask.begin(), mask.end());
  for (std::size_t i = 0; i < payload.size(); ++i) out.push_back(payload[i] ^ mask[i % 4]);
}

std::string describe_close(shared::byte_view payload) {
  if (payload.empty()) return "no status";
  if (payload.size() < 2) return "a 1-byte close payload";
  std::string out = std::to_string(payload[0] << 8 | payload[1]);
  if (payload.size() > 2) out += ": " + printable(shared::as_string(payload.subspan(2)), 123);
  return out;
}

std::size_t ws_frame_reader::put(shared::byte_view in, ws_event& ev, std::error_code& ec) {
  ev = {};
  ec.clear();
  if (failed_) {
    ec = error_;
    return 0;
  }
  if (closed_) return in.size();  // nothing may follow a close (5.5.1): not read
  std::size_t used = 0;
  while (used < in.size() && ev.what == ws_event::kind::none) {
    if (in_header_) {
      used += put_header(in.subspan(used), ec);
      if (ec) return used;
      if (in_header_ || remaining_ > 0) continue;
    } else {
      const auto n =
          static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size() - used));
      const auto part = in.subspan(used, n);
      if (is_control(op_)) {
        control_.insert(control_.end(), part.begin(), part.end());
      } else {
        ev.what = ws_event::kind::data;
        ev.payload = part;
      }
      remaining_ -= n;
      used += n;
      if (remaining_ > 0) continue;
    }
    // The frame is complete: hand out a control frame whole.
    in_header_ = true;
    if (op_ == ws_opcode::ping) ev.what = ws_event::kind::ping;
    if (op_ == ws_opcode::pong) ev.what = ws_event::kind::pong;
    if (op_ == ws_opcode::close) ev.what = ws_event::kind::close, closed_ = true;
    if (is_control(op_)) ev.payload = control_;
  }
  return used;
}

std::size_t ws_frame_reader::put_header(shared::byte_view in, std::error_code& ec) {
  std::size_t used = 0;
  while (used < in.size()) {
    header_[have_++] = in[used++];
    if (have_ < 2) continue;
    const std::uint8_t len7 = header_[1] & 0x7F;
    const std::size_t need = 2 +
                             (len7 == 126   ? 2
                              : len7 == 127 ? 8
                                            : 0) +
                             ((header_[1] & 0x80) ? 4 : 0);
    if (have_ == need) {
      ec = start_frame();
      break;
    }
  }
  return used;
}

// The header is complete: check it against RFC 6455 5.2-5.5 and set up the payload.
std::error_code ws_frame_reader::start_frame() {
  const bool fin = (header_[0] & 0x80) != 0;
  have_ = 0;
  if (header_[0] & 0x70) return fail(wire_error::ws_reserved_bits);
  if (header_[1] & 0x80) return fail(wire_error::ws_masked_frame);
  std::uint64_t len = header_[1] & 0x7F;
  const std::size_t ext = len == 126 ? 2 : len == 127 ? 8 : 0;
  if (ext > 0) len = 0;
  for (std::size_t i = 0; i < ext; ++i) len = len << 8 | header_[2 + i];
  if (len > k_max_frame) return fail(wire_error::ws_frame_too_large);  // a top bit too
  op_ = static_cast<ws_opcode>(header_[0] & 0x0F);
  switch (op_) {
    case ws_opcode::continuation:
      if (!in_message_) return fail(wire_error::ws_bad_continuation);
      in_message_ = !fin;
      break;
    case ws_opcode::binary:
      if (in_message_) return fail(wire_error::ws_bad_continuation);
      in_message_ = !fin;
      break;
    case ws_opcode::text:
      return fail(wire_error::ws_text_frame);
    case ws_opcode::close:
    case ws_opcode::ping:
    case ws_opcode::pong:
      if (!fin || len > 125) return fail(wire_error::ws_bad_control);
      control_.clear();
      break;
    default:
      return fail(wire_error::ws_bad_opcode);
  }
  remaining_ = len;
  in_header_ = false;
  return {};
}

}  // namespace lectern::bench
