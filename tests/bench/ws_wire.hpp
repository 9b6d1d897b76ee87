// The client side of the WebSocket protocol as a WS-FLV player needs it (RFC 6455): the
// handshake's key and accept values, the server's frames in, and masked control frames out.
// No I/O: bytes in, events out, with hard limits.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "lectern/shared/bytes.hpp"

namespace lectern::bench {

/// Frame opcodes (RFC 6455 5.2).
enum class ws_opcode : std::uint8_t {
  continuation = 0,
  text = 1,
  binary = 2,
  close = 8,
  ping = 9,
  pong = 10,
};

/// A Sec-WebSocket-Key: the 16 bytes of `nonce` in base64 (RFC 6455 4.1).
std::string ws_key(const std::array<std::uint8_t, 16>& nonce);
/// The Sec-WebSocket-Accept a server must answer `key` with: base64(SHA-1(key + GUID)) (4.2.2).
std::string ws_accept(std::string_view key);

/// Appends one final client frame: FIN, `op`, the MASK bit and `mask`, and `payload`
/// masked (5.3). For the pongs and the close a player sends.
void encode_client_frame(ws_opcode op, shared::byte_view payload,
                         const std::array<std::uint8_t, 4>& mask, shared::bytes& out);

/// "1000: reason" of a close frame's payload (5.5.1); "no status" when it is empty.
std::string describe_close(shared::byte_view payload);

/// What one put() of ws_frame_reader found.
struct ws_event {
  enum class kind : std::uint8_t { none, data, ping, pong, close };
  kind what = kind::none;
  /// data: payload bytes of a binary message (a view into put()'s input). ping, pong, close:
  /// the whole control payload (a view into the reader, valid until the next put()).
  shared::byte_view payload;
};

/// Reads the frames a server sends, in any split of the input. Binary messages, fragmented
/// or not, come out as a stream of data events (WS-FLV's message boundaries mean nothing:
/// the FLV tags run across them); control frames come out whole, also between the fragments
/// of a message. After a close frame the rest of the input is not read.
class ws_frame_reader {
 public:
  /// A data frame may not announce more than this: a server writes a few tags per frame,
  /// and a length past it is a corrupt stream rather than a big picture.
  static constexpr std::uint64_t k_max_frame = 64u << 20;

  /// Consumes bytes of `in` until an event or the end of `in`; returns how many. After an
  /// error the reader stays failed.
  std::size_t put(shared::byte_view in, ws_event& ev, std::error_code& ec);
  bool closed() const noexcept { return closed_; }

 private:
  std::size_t put_header(shared::byte_view in, std::error_code& ec);
  std::error_code start_frame();
  std::error_code fail(std::error_code ec) {
    failed_ = true;
    return error_ = ec;
  }

  std::array<std::uint8_t, 14> header_{};  // the frame header being read (at most 14 bytes)
  std::size_t have_ = 0;                   // bytes of it so far
  bool in_header_ = true;
  ws_opcode op_ = ws_opcode::binary;  // of the frame being read
  bool in_message_ = false;           // a binary message's fragments are being read
  std::uint64_t remaining_ = 0;       // payload bytes of the frame still to come
  shared::bytes control_;             // a control frame's payload (<= 125 bytes)
  std::error_code error_;
  bool failed_ = false;
  bool closed_ = false;
};

}  // namespace lectern::bench
