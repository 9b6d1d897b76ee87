// FLV file header (FLV spec v10.1 E.2), tag header (E.4.1) and PreviousTagSize (E.3).
#include "lectern/shared/error.hpp"
#include "lectern/shared/flv.hpp"

namespace lectern::shared::flv {
namespace {

constexpr std::uint8_t k_version = 1;
constexpr std::uint8_t k_flag_audio = 0x04;         // TypeFlagsAudio, bit 2 (E.2)
constexpr std::uint8_t k_flag_video = 0x01;         // TypeFlagsVideo, bit 0
constexpr std::uint8_t k_tag_reserved_mask = 0xC0;  // UB[2] "reserved for FMS, should be 0"
constexpr std::uint8_t k_tag_filter_bit = 0x20;     // UB[1] Filter: encrypted/pre-processed
constexpr std::uint8_t k_tag_type_mask = 0x1F;      // UB[5] TagType

}  // namespace

std::error_code parse_file_header(byte_view in, file_header& out) noexcept {
  byte_reader r(in);
  byte_view signature;
  std::uint8_t version = 0;
  std::uint8_t flags = 0;
  std::uint32_t data_offset = 0;
  if (!r.take(3, signature)) return error::truncated;
  if (as_string(signature) != "FLV") return error::flv_bad_signature;
  if (!r.u8(version) || !r.u8(flags) || !r.u32(data_offset)) return error::truncated;
  if (version != k_version) return error::flv_bad_header;
  // DataOffset is the header's own length: 9 for version 1, larger only for future headers.
  if (data_offset < k_file_header_size || data_offset > k_max_data_offset)
    return error::flv_bad_header;
  out.has_audio = (flags & k_flag_audio) != 0;
  out.has_video = (flags & k_flag_video) != 0;
  out.data_offset = data_offset;
  return {};
}

void encode_file_header(const file_header& h, bytes& out) {
  byte_writer w(out);
  w.append(std::string_view("FLV"));
  w.u8(k_version);
  w.u8(static_cast<std::uint8_t>((h.has_audio ? k_flag_audio : 0) |
                                 (h.has_video ? k_flag_video : 0)));
  w.u32(static_cast<std::uint32_t>(k_file_header_size));
  w.u32(0);  // PreviousTagSize0 is always 0 (E.3)
}

std::error_code parse_tag_header(byte_view in, tag_header& out, std::uint32_t max_data_size,
                                 bool any_stream_id) noexcept {
  byte_reader r(in);
  std::uint8_t type = 0;
  std::uint32_t data_size = 0;
  std::uint32_t timestamp = 0;
  std::uint8_t timestamp_ext = 0;
  std::uint32_t stream_id = 0;
  if (!r.u8(type) || !r.u24(data_size) || !r.u24(timestamp) || !r.u8(timestamp_ext) ||
      !r.u24(stream_id))
    return error::truncated;
  if (type & k_tag_reserved_mask) return error::flv_bad_tag;
  if (type & k_tag_filter_bit) return error::flv_encrypted;
  const auto t = static_cast<tag_type>(type & k_tag_type_mask);
  if (t != tag_type::audio && t != tag_type::video && t != tag_type::script)
    return error::flv_bad_tag_type;
  // "StreamID: always 0" (E.4.1), but an RTMP aggregate's sub-messages carry the message
  // stream id there (RTMP spec 7.1.6).
  if (stream_id != 0 && !any_stream_id) return error::flv_bad_tag;
  if (data_size > max_data_size) return error::flv_tag_too_large;
  out.type = t;
  out.data_size = data_size;
  out.stream_id = stream_id;
  // TimestampExtended holds the upper 8 bits of a 32-bit millisecond time (E.4.1).
  out.timestamp = std::uint32_t(timestamp_ext) << 24 | timestamp;
  return {};
}

std::array<std::uint8_t, k_tag_header_size> encode_tag_header(const tag_header& h) noexcept {
  std::array<std::uint8_t, k_tag_header_size> out{};
  const auto put24 = [&out](std::size_t at, std::uint32_t v) {
    out[at] = static_cast<std::uint8_t>(v >> 16);
    out[at + 1] = static_cast<std::uint8_t>(v >> 8);
    out[at + 2] = static_cast<std::uint8_t>(v);
  };
  out[0] = static_cast<std::uint8_t>(h.type);
  put24(1, h.data_size & k_max_data_size_field);
  put24(4, h.timestamp);                                  // Timestamp: lower 24 bits
  out[7] = static_cast<std::uint8_t>(h.timestamp >> 24);  // TimestampExtended: upper 8 bits
  put24(8, h.stream_id);
  return out;
}

std::array<std::uint8_t, k_previous_size_size> encode_previous_size(std::uint32_t v) noexcept {
  std::array<std::uint8_t, k_previous_size_size> out;
  store_u32be(out.data(), v);
  return out;
}

std::uint32_t decode_previous_size(byte_view in) noexcept {
  return load_u32be(in.data());
}

std::error_code check_previous_size(std::uint32_t actual, std::uint32_t expected, bool strict,
                                    std::uint64_t& mismatches) noexcept {
  if (actual == expected) return {};
  if (strict) return error::flv_previous_size_mismatch;
  ++mismatches;  // tolerated: DataSize, not the back-pointer, frames the tags
  return {};
}

}  // namespace lectern::shared::flv
