// Byte buffers and a bounds-checked big-endian cursor used by every parser in lectern::shared.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace lectern::shared {

using bytes = std::vector<std::uint8_t>;
using byte_view = std::span<const std::uint8_t>;

/// An immutable payload shared by every subscriber of a stream (style rule 6).
using shared_bytes = std::shared_ptr<const bytes>;

inline byte_view as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_string(byte_view b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// Big-endian 32-bit load and store at a fixed position the caller has already bounds-checked
/// (handshake packets, FLV PreviousTagSize fields).
inline std::uint32_t load_u32be(const std::uint8_t* p) noexcept {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 |
         std::uint32_t{p[3]};
}
inline void store_u32be(std::uint8_t* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

/// Reads big-endian integers from a byte span; every read checks the remaining length and
/// returns false (consuming nothing) when the input is too short.
class byte_reader {
 public:
  explicit byte_reader(byte_view data) noexcept : data_(data) {}

  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  bool empty() const noexcept { return pos_ == data_.size(); }
  byte_view rest() const noexcept { return data_.subspan(pos_); }

  bool u8(std::uint8_t& v) noexcept { return read_be(v, 1); }
  bool u16(std::uint16_t& v) noexcept { return read_be(v, 2); }
  bool u24(std::uint32_t& v) noexcept { return read_be(v, 3); }
  bool u32(std::uint32_t& v) noexcept { return read_be(v, 4); }
  bool s16(std::int16_t& v) noexcept {
    std::uint16_t u = 0;
    if (!u16(u)) return false;
    v = static_cast<std::int16_t>(u);
    return true;
  }
  /// Little-endian 32-bit (the RTMP message stream id, RTMP spec 5.3.1.2.1).
  bool u32le(std::uint32_t& v) noexcept {
    if (remaining() < 4) return false;
    v = std::uint32_t(data_[pos_]) | std::uint32_t(data_[pos_ + 1]) << 8 |
        std::uint32_t(data_[pos_ + 2]) << 16 | std::uint32_t(data_[pos_ + 3]) << 24;
    pos_ += 4;
    return true;
  }
  /// IEEE-754 double, big-endian (AMF0 number, AMF3 double).
  bool f64(double& v) noexcept {
    std::uint64_t u = 0;
    if (!read_be(u, 8)) return false;
    v = std::bit_cast<double>(u);
    return true;
  }
  bool take(std::size_t n, byte_view& out) noexcept {
    if (remaining() < n) return false;
    out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool skip(std::size_t n) noexcept {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }

 private:
  template <typename T>
  bool read_be(T& v, std::size_t n) noexcept {
    if (remaining() < n) return false;
    std::uint64_t acc = 0;
    for (std::size_t i = 0; i < n; ++i) acc = (acc << 8) | data_[pos_ + i];
    v = static_cast<T>(acc);
    pos_ += n;
    return true;
  }

  byte_view data_;
  std::size_t pos_ = 0;
};

/// Appends big-endian integers to a byte vector.
class byte_writer {
 public:
  explicit byte_writer(bytes& out) noexcept : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { write_be(v, 2); }
  void u24(std::uint32_t v) { write_be(v, 3); }
  void u32(std::uint32_t v) { write_be(v, 4); }
  void u32le(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void f64(double v) { write_be(std::bit_cast<std::uint64_t>(v), 8); }
  void append(byte_view b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void append(std::string_view s) { append(as_bytes(s)); }
  bytes& buffer() noexcept { return out_; }

 private:
  void write_be(std::uint64_t v, std::size_t n) {
    for (std::size_t i = n; i-- > 0;) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }

  bytes& out_;
};

}  // namespace lectern::shared
