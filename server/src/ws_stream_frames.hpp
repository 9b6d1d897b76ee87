// The WebSocket framing of a one-way stream (WS-FLV): the server's frames, and what a
// client sends back (pings, pongs, its close, anything else ignored), RFC 6455 section 5.
// The server writes its frames itself, in its players' write rounds, so that a browser
// student costs what an RTMP student costs; Beast only does the opening handshake.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lectern/shared/bytes.hpp"

namespace lectern::server::ws {

enum class opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// RFC 6455 7.4.1 status codes the server sends.
inline constexpr std::uint16_t k_close_normal = 1000;
inline constexpr std::uint16_t k_close_protocol_error = 1002;
inline constexpr std::uint16_t k_close_no_status = 1005;  ///< received: a close without a code
inline constexpr std::uint16_t k_close_invalid_data = 1007;
inline constexpr std::uint16_t k_close_too_big = 1009;

/// A control frame's payload is at most 125 bytes (RFC 6455 5.5).
inline constexpr std::size_t k_max_control_payload = 125;

/// The header of one unmasked, final server frame of `size` payload bytes: 2, 4 or 10 bytes
/// of `out`; returns how many.
std::size_t frame_header(opcode op, std::uint64_t size, std::array<std::uint8_t, 10>& out);

/// A whole control frame (ping, pong, close) from the server; `payload` is cut to 125 bytes.
shared::bytes control_frame(opcode op, const std::uint8_t* payload, std::size_t size);

/// A close frame with a status code and a reason (cut to fit 125 bytes, on a UTF-8
/// character boundary).
shared::bytes close_frame(std::uint16_t code, const std::string& reason);

/// Reads what a client sends on a stream it only watches. Frames must be masked (5.3);
/// pings are to be answered with pongs, pongs are noted, text and binary messages are
/// discarded (bounded by `max_message`; the text of a discarded message is not checked
/// for UTF-8), a close ends the reading (its code must be one a peer may send, its reason
/// UTF-8). Anything else is a protocol error, which ends it too.
class peer_reader {
 public:
  struct event {
    enum class kind : std::uint8_t { ping, pong, close, error } what;
    shared::bytes payload;   ///< a ping's payload (to echo)
    std::uint16_t code = 0;  ///< close: the peer's code (1005: none); error: ours to send
    std::string text;        ///< close: the peer's reason; error: what was wrong
  };

  explicit peer_reader(std::size_t max_message) : max_message_(max_message) {}

  /// Consumes `size` bytes and appends what they complete to `out`. After a close or an
  /// error, everything else is ignored.
  void put(const std::uint8_t* data, std::size_t size, std::vector<event>& out);
  bool ended() const noexcept { return ended_; }

 private:
  void header_complete(std::vector<event>& out);
  void frame_complete(std::vector<event>& out);
  void fail(std::uint16_t code, std::string why, std::vector<event>& out);

  const std::size_t max_message_;
  std::array<std::uint8_t, 14> header_{};
  std::size_t header_have_ = 0;
  std::size_t header_need_ = 2;
  bool in_payload_ = false;
  opcode op_ = opcode::continuation;
  bool fin_ = false;
  std::array<std::uint8_t, 4> mask_{};
  std::uint64_t payload_left_ = 0;
  std::uint64_t payload_seen_ = 0;
  shared::bytes control_;           // a control frame's payload, unmasked
  std::uint64_t message_size_ = 0;  // of the text/binary message being discarded
  bool in_message_ = false;         // a fragmented message has begun
  bool ended_ = false;
};

}  // namespace lectern::server::ws
