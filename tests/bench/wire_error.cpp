#include "wire_error.hpp"

#include <string>

namespace lectern::bench {

namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "lectern.bench.wire"; }
  std::string message(int v) const override {
    switch (static_cast<wire_error>(v)) {
      case wire_error::bad_status_line:
        return "bad HTTP status line";
      case wire_error::bad_header_field:
        return "bad HTTP header field";
      case wire_error::head_too_large:
        return "HTTP response head too large";
      case wire_error::bad_chunk_size:
        return "bad chunk size";
      case wire_error::bad_chunk_end:
        return "chunk data not followed by CRLF";
      case wire_error::bad_trailer:
        return "trailer after the last chunk too large";
      case wire_error::ws_reserved_bits:
        return "WebSocket frame with reserved bits set";
      case wire_error::ws_masked_frame:
        return "masked WebSocket frame from the server";
      case wire_error::ws_bad_opcode:
        return "WebSocket frame with a reserved opcode";
      case wire_error::ws_text_frame:
        return "WebSocket text message in an FLV stream";
      case wire_error::ws_bad_control:
        return "fragmented or oversized WebSocket control frame";
      case wire_error::ws_bad_continuation:
        return "WebSocket continuation frame out of place";
      case wire_error::ws_frame_too_large:
        return "WebSocket frame too large";
      case wire_error::ws_bad_handshake:
        return "bad WebSocket handshake response";
    }
    return "unknown lectern.bench.wire error";
  }
};

}  // namespace

const std::error_category& wire_category() noexcept {
  static const category c;
  return c;
}

}  // namespace lectern::bench
