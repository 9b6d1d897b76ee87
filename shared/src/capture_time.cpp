// Capture timestamps in H.264 SEI (see capture_time.hpp for the contract).
#include "lectern/shared/capture_time.hpp"

#include <algorithm>
#include <cstddef>

namespace lectern::shared {
namespace {

constexpr std::uint8_t k_nal_type_sei = 6;
constexpr std::uint8_t k_sei_user_data_unregistered = 5;  // H.264 D.1.7
constexpr std::size_t k_payload_size = 16 + 8;            // UUID + timestamp

/// One NAL unit of a frame: where its framing (start code or length) begins and its bytes.
struct nal_view {
  std::size_t framing_offset;
  std::span<const std::uint8_t> bytes;
};

std::uint8_t nal_type(std::span<const std::uint8_t> nal) {
  return nal.empty() ? 0 : nal[0] & 0x1f;
}

/// Calls f(nal_view) for each NAL unit until f returns true; returns whether it did.
template <typename F>
bool for_each_nal(std::span<const std::uint8_t> frame, nal_framing framing, F&& f) {
  if (framing == nal_framing::avcc4) {
    std::size_t pos = 0;
    while (frame.size() - pos >= 4) {
      const std::size_t len = std::size_t(frame[pos]) << 24 | std::size_t(frame[pos + 1]) << 16 |
                              std::size_t(frame[pos + 2]) << 8 | frame[pos + 3];
      if (len > frame.size() - pos - 4) return false;  // truncated: stop, trust nothing after
      if (f(nal_view{pos, frame.subspan(pos + 4, len)})) return true;
      pos += 4 + len;
    }
    return false;
  }
  // Annex B (H.264 B.1): a NAL unit starts after 00 00 01 and ends where the next start code
  // (or a zero byte leading a 4-byte one) begins.
  auto next_start = [&](std::size_t from) {
    for (std::size_t i = from; i + 3 <= frame.size(); ++i) {
      if (frame[i] == 0 && frame[i + 1] == 0 && frame[i + 2] == 1) return i;
    }
    return frame.size();
  };
  std::size_t sc = next_start(0);
  while (sc < frame.size()) {
    const std::size_t framing_offset = sc > 0 && frame[sc - 1] == 0 ? sc - 1 : sc;
    const std::size_t begin = sc + 3;
    const std::size_t next = next_start(begin);
    std::size_t end = next;
    while (end > begin && frame[end - 1] == 0) --end;  // trailing_zero_8bits / next 4-byte code
    if (f(nal_view{framing_offset, frame.subspan(begin, end - begin)})) return true;
    sc = next;
  }
  return false;
}

/// RBSP of a NAL unit payload: emulation_prevention_three_byte removed (H.264 7.4.1).
std::vector<std::uint8_t> unescape(std::span<const std::uint8_t> ebsp) {
  std::vector<std::uint8_t> out;
  out.reserve(ebsp.size());
  int zeros = 0;
  for (std::uint8_t b : ebsp) {
    if (zeros >= 2 && b == 3) {
      zeros = 0;
      continue;
    }
    zeros = b == 0 ? zeros + 1 : 0;
    out.push_back(b);
  }
  return out;
}

/// Reads an SEI payloadType or payloadSize (H.264 7.3.2.3.1: 0xFF bytes add 255 each).
std::optional<std::size_t> read_sei_number(std::span<const std::uint8_t> rbsp, std::size_t& pos) {
  std::size_t value = 0;
  while (pos < rbsp.size()) {
    const std::uint8_t b = rbsp[pos++];
    value += b;
    if (b != 0xff) return value;
    if (value > (1u << 20)) return std::nullopt;  // no real SEI is this large
  }
  return std::nullopt;
}

std::optional<std::int64_t> capture_time_in_sei(std::span<const std::uint8_t> nal) {
  const std::vector<std::uint8_t> rbsp = unescape(nal.subspan(1));
  std::size_t pos = 0;
  // Each sei_message; the last byte is rbsp_trailing_bits (0x80).
  while (rbsp.size() - pos > 1) {
    const auto type = read_sei_number(rbsp, pos);
    const auto size = type ? read_sei_number(rbsp, pos) : std::nullopt;
    if (!size || *size > rbsp.size() - pos) return std::nullopt;
    if (*type == k_sei_user_data_unregistered && *size >= k_payload_size &&
        std::equal(k_capture_time_uuid.begin(), k_capture_time_uuid.end(),
                   rbsp.begin() + std::ptrdiff_t(pos))) {
      std::uint64_t v = 0;
      for (std::size_t i = 0; i < 8; ++i) v = v << 8 | rbsp[pos + 16 + i];
      return static_cast<std::int64_t>(v);
    }
    pos += *size;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::uint8_t> make_capture_time_sei(std::int64_t unix_us) {
  std::vector<std::uint8_t> rbsp;
  rbsp.reserve(2 + k_payload_size + 1);
  rbsp.push_back(k_sei_user_data_unregistered);
  rbsp.push_back(std::uint8_t(k_payload_size));
  rbsp.insert(rbsp.end(), k_capture_time_uuid.begin(), k_capture_time_uuid.end());
  const auto v = static_cast<std::uint64_t>(unix_us);
  for (int shift = 56; shift >= 0; shift -= 8) rbsp.push_back(std::uint8_t(v >> shift));
  rbsp.push_back(0x80);  // rbsp_stop_one_bit and alignment

  std::vector<std::uint8_t> nal;
  nal.reserve(rbsp.size() + 8);
  nal.push_back(k_nal_type_sei);  // forbidden_zero_bit 0, nal_ref_idc 0, type 6
  int zeros = 0;
  for (std::uint8_t b : rbsp) {
    if (zeros >= 2 && b <= 3) {  // 7.4.1: 00 00 0x (x <= 3) must not appear in a NAL unit
      nal.push_back(3);
      zeros = 0;
    }
    zeros = b == 0 ? zeros + 1 : 0;
    nal.push_back(b);
  }
  return nal;
}

void insert_sei_into(std::span<const std::uint8_t> frame, std::span<const std::uint8_t> sei,
                     nal_framing framing, std::span<std::uint8_t> out) {
  std::size_t at = 0;
  for_each_nal(frame, framing, [&](const nal_view& n) {
    const std::uint8_t t = nal_type(n.bytes);
    if (t >= 1 && t <= 5) {
      at = n.framing_offset;
      return true;
    }
    return false;
  });
  const auto n = static_cast<std::uint32_t>(sei.size());
  const std::array<std::uint8_t, 4> prefix =
      framing == nal_framing::avcc4
          ? std::array<std::uint8_t, 4>{std::uint8_t(n >> 24), std::uint8_t(n >> 16),
                                        std::uint8_t(n >> 8), std::uint8_t(n)}
          : std::array<std::uint8_t, 4>{0, 0, 0, 1};
  auto it = std::copy(frame.begin(), frame.begin() + std::ptrdiff_t(at), out.begin());
  it = std::copy(prefix.begin(), prefix.end(), it);
  it = std::copy(sei.begin(), sei.end(), it);
  std::copy(frame.begin() + std::ptrdiff_t(at), frame.end(), it);
}

std::vector<std::uint8_t> insert_sei(std::span<const std::uint8_t> frame,
                                     std::span<const std::uint8_t> sei, nal_framing framing) {
  std::vector<std::uint8_t> out(inserted_size(frame, sei));
  insert_sei_into(frame, sei, framing, out);
  return out;
}

std::optional<std::int64_t> find_capture_time(std::span<const std::uint8_t> frame,
                                              nal_framing framing) {
  std::optional<std::int64_t> found;
  for_each_nal(frame, framing, [&](const nal_view& n) {
    if (nal_type(n.bytes) != k_nal_type_sei) return false;
    found = capture_time_in_sei(n.bytes);
    return found.has_value();
  });
  return found;
}

}  // namespace lectern::shared
