// Helpers shared by the tests of lectern_shared: golden bytes written as hex, generated
// payloads, messages, and feeding a chunk reader the way a connection does.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "lectern/shared/amf_value.hpp"
#include "lectern/shared/bytes.hpp"
#include "lectern/shared/chunk_reader.hpp"
#include "lectern/shared/message.hpp"

namespace lectern::shared::test {

/// Golden bytes written as hex; spaces and other separators are skipped, and text between
/// single quotes is copied as ASCII: "02 00 04 'test'" is an AMF0 string (AMF0 spec 2.4).
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

/// "0a 1b ..." for failure messages.
inline std::string to_hex(byte_view b) {
  std::string s;
  char buf[4];
  for (auto x : b) {
    std::snprintf(buf, sizeof buf, "%02x ", x);
    s += buf;
  }
  return s;
}

/// `n` bytes of a recognisable pattern.
inline bytes filled(std::size_t n, std::uint8_t seed = 0) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
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

/// Feeds `data` to `reader` in pieces of the sizes `split` returns, keeping the unused tail
/// as a real connection's buffer would, and collects every message (also those completed
/// before an error).
template <typename Split>
std::vector<rtmp::message> read_split(rtmp::chunk_reader& reader, byte_view data, Split split,
                                      std::error_code& ec) {
  std::vector<rtmp::message> out;
  bytes pending;
  std::size_t off = 0;
  while (off < data.size() || !pending.empty()) {
    const std::size_t n = std::min<std::size_t>(split(), data.size() - off);
    pending.insert(pending.end(), data.begin() + off, data.begin() + off + n);
    off += n;
    const std::size_t used = reader.put(pending, ec);
    for (rtmp::message m; reader.next(m);) out.push_back(std::move(m));
    if (ec) return out;
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(used));
    if (n == 0 && used == 0) break;  // input exhausted, tail is an incomplete header
  }
  return out;
}

inline std::vector<rtmp::message> read_all(rtmp::chunk_reader& reader, byte_view data,
                                           std::error_code& ec) {
  return read_split(
      reader, data, [&] { return data.size() + 1; }, ec);
}

/// Decodes `in` with `decode` (a call of amf0::decode_all or amf3::decode_all taking a
/// budget) and a budget of our own, and checks that the budget was charged exactly
/// decoded_size() of the tree that was built, whatever the encoding and the references.
template <typename Decode>
std::error_code decode_charged_with(Decode decode, const bytes& in, std::vector<amf::value>& out,
                                    const amf::limits& lim) {
  amf::decode_budget budget;
  const auto ec = decode(in, out, lim, budget);
  if (ec) return ec;
  std::size_t size = 0;
  for (const auto& v : out) size += amf::decoded_size(v);
  EXPECT_EQ(budget.used, size) << to_hex(in);
  EXPECT_LE(size, lim.max_decoded_bytes);
  return ec;
}

}  // namespace lectern::shared::test

namespace lectern::shared::amf {
// Readable AMF values in GoogleTest failure messages. Internal linkage: one copy per test
// file, so no two definitions meet at link time.
[[maybe_unused]] static void PrintTo(const value& v, std::ostream* os) {
  *os << to_debug_string(v);
}
}  // namespace lectern::shared::amf
