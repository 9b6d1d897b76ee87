// Helpers shared by the chunk stream tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lectern/shared/bytes.hpp"
#include "lectern/shared/chunk_reader.hpp"
#include "lectern/shared/error.hpp"

namespace lectern::shared::test {

/// Parses hex with optional spaces ("03 00 0a") into bytes.
inline bytes from_hex(std::string_view hex) {
  bytes out;
  int hi = -1;
  for (char c : hex) {
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

inline bytes filled(std::size_t n, std::uint8_t seed = 0) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
}

/// Feeds `data` to `reader` in pieces of the sizes `split` returns (cycling), keeping the
/// unused tail as a real connection's buffer would, and collects every message.
template <typename Split>
std::vector<rtmp::message> read_split(rtmp::chunk_reader& reader, byte_view data, Split split,
                                      std::error_code& ec) {
  std::vector<rtmp::message> out;
  bytes pending;
  std::size_t off = 0;
  while (off < data.size() || !pending.empty()) {
    const std::size_t n = std::min(split(), data.size() - off);
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
  return read_split(reader, data, [&] { return data.size() + 1; }, ec);
}

}  // namespace lectern::shared::test
