// Errors of lectern-bench's HTTP-FLV and WS-FLV parsers (http_wire.hpp, ws_wire.hpp): what is
// wrong with the bytes a server sent. FLV errors are shared::error's (flv_bad_signature, ...).
#pragma once

#include <system_error>

namespace lectern::bench {

/// Why a server's HTTP response or WebSocket frame could not be parsed.
enum class wire_error {
  bad_status_line = 1,  ///< not "HTTP/1.x NNN reason"
  bad_header_field,     ///< a header line without "name:", or a bad Content-Length
  head_too_large,       ///< no end of the head within http_head_parser::k_max_head bytes
  bad_chunk_size,       ///< a chunk-size line that is not hex, too long, or over the bound
  bad_chunk_end,        ///< chunk data not followed by CRLF
  bad_trailer,          ///< the trailer after the last chunk is too long
  ws_reserved_bits,     ///< RSV1-3 set without a negotiated extension (RFC 6455 5.2)
  ws_masked_frame,      ///< a server frame with the MASK bit (RFC 6455 5.1)
  ws_bad_opcode,        ///< a reserved opcode
  ws_text_frame,        ///< a text message where WS-FLV sends binary ones
  ws_bad_control,       ///< a control frame fragmented or longer than 125 bytes (5.5)
  ws_bad_continuation,  ///< a continuation without a message, or a message inside one (5.4)
  ws_frame_too_large,   ///< a 64-bit length with the top bit set, or over the bound
  ws_bad_handshake,     ///< a 101 without Upgrade: websocket or the right Sec-WebSocket-Accept
};

/// The category of wire_error ("lectern.bench.wire").
const std::error_category& wire_category() noexcept;

inline std::error_code make_error_code(wire_error e) noexcept {
  return {static_cast<int>(e), wire_category()};
}

}  // namespace lectern::bench

template <>
struct std::is_error_code_enum<lectern::bench::wire_error> : std::true_type {};
