// Helpers shared by the RTMP message tests (control, command, data message).
#pragma once

#include <cstdint>
#include <ostream>
#include <string_view>

#include "lectern/shared/amf_value.hpp"
#include "lectern/shared/bytes.hpp"
#include "lectern/shared/message.hpp"

namespace lectern::shared::msg_test {

/// Golden bytes written as hex with optional spaces, where text between single quotes is
/// copied as ASCII: "02 00 04 'test'" is an AMF0 string (AMF0 spec 2.4).
inline bytes hex(std::string_view s) {
  bytes out;
  int hi = -1;
  bool quoted = false;
  for (char c : s) {
    if (c == '\'') {
      quoted = !quoted;
      continue;
    }
    if (quoted) {
      out.push_back(static_cast<std::uint8_t>(c));
      continue;
    }
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  return out;
}

/// A message of `type` carrying `payload`, as the chunk reader would deliver it.
inline rtmp::message make_message(rtmp::message_type type, bytes payload,
                                  std::uint32_t stream_id = 0, std::uint64_t timestamp = 0) {
  rtmp::message m;
  m.type = static_cast<std::uint8_t>(type);
  m.stream_id = stream_id;
  m.timestamp = timestamp;
  m.payload = std::move(payload);
  return m;
}

}  // namespace lectern::shared::msg_test

namespace lectern::shared::amf {
// Readable AMF values in GoogleTest failure messages. Internal linkage, so another test
// header defining the same printer cannot clash with this one at link time.
[[maybe_unused]] static void PrintTo(const value& v, std::ostream* os) {
  *os << to_debug_string(v);
}
}  // namespace lectern::shared::amf
