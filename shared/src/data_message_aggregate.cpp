// Aggregate messages (RTMP spec 7.1.6): a run of FLV-tag-shaped sub-messages in one message.
#include <cassert>
#include <cstdint>

#include "lectern/shared/data_message.hpp"
#include "lectern/shared/error.hpp"

namespace lectern::shared::rtmp {
namespace {

// Sub-message header: type u8, size u24, timestamp u24 + extension u8, stream id u24.
constexpr std::uint32_t k_sub_header_size = 11;

// Nesting an aggregate or carrying control/command messages is not something any
// encoder does; an FLV-shaped body holds media and data only.
bool valid_sub_type(std::uint8_t type) noexcept {
  switch (static_cast<message_type>(type)) {
    case message_type::audio:
    case message_type::video:
    case message_type::data_amf0:
    case message_type::data_amf3:
      return true;
    default:
      return false;
  }
}

// RTMP spec 7.1.6: the first sub-message maps to the aggregate's timestamp and the rest keep
// their offset from it. The offset is taken modulo 2^32 so a run that crosses the 32-bit
// wrap stays contiguous; a result before 0 (out-of-order audio at stream start) clamps.
std::uint64_t rebase(std::uint64_t base, std::uint32_t ts, std::uint32_t first_ts) noexcept {
  const auto delta = static_cast<std::int32_t>(ts - first_ts);
  const std::int64_t t = static_cast<std::int64_t>(base) + delta;
  return t < 0 ? 0 : static_cast<std::uint64_t>(t);
}

}  // namespace

std::error_code split_aggregate(const message& aggregate, std::vector<message>& out,
                                const aggregate_limits& lim) {
  if (aggregate.kind() != message_type::aggregate) return error::message_unknown_type;
  byte_reader r(aggregate.payload);
  std::vector<message> parts;
  std::uint32_t first_ts = 0;
  while (!r.empty()) {
    if (parts.size() >= lim.max_messages) return error::limit_exceeded;
    std::uint8_t type = 0;
    std::uint8_t ts_ext = 0;
    std::uint32_t size = 0;
    std::uint32_t ts24 = 0;
    std::uint32_t sub_stream = 0;
    std::uint32_t back_pointer = 0;
    byte_view data;
    if (!r.u8(type) || !r.u24(size) || !r.u24(ts24) || !r.u8(ts_ext) || !r.u24(sub_stream) ||
        !r.take(size, data) || !r.u32(back_pointer))
      return error::message_malformed;
    if (!valid_sub_type(type)) return error::message_malformed;
    // The back pointer (previous size with header, as in FLV) only serves backward seeks in
    // files; encoders disagree on whether it counts the header, so it is not checked.
    const std::uint32_t ts = (static_cast<std::uint32_t>(ts_ext) << 24) | ts24;
    if (parts.empty()) first_ts = ts;
    message m;
    m.chunk_stream_id = aggregate.chunk_stream_id;
    m.type = type;
    m.stream_id = aggregate.stream_id;  // RTMP spec 7.1.6: the aggregate's id overrides
    m.timestamp = rebase(aggregate.timestamp, ts, first_ts);
    m.payload.assign(data.begin(), data.end());
    parts.push_back(std::move(m));
  }
  out = std::move(parts);
  return {};
}

message make_aggregate(std::span<const message> parts, std::uint32_t stream_id) {
  message m;
  m.chunk_stream_id = k_csid_video;
  m.type = static_cast<std::uint8_t>(message_type::aggregate);
  m.stream_id = stream_id;
  m.timestamp = parts.empty() ? 0 : parts.front().timestamp;
  byte_writer w(m.payload);
  for (const message& p : parts) {
    assert(p.payload.size() <= 0xFFFFFF);
    const auto size = static_cast<std::uint32_t>(p.payload.size() & 0xFFFFFF);
    const auto ts = static_cast<std::uint32_t>(p.timestamp);  // wire timestamps are 32-bit
    w.u8(p.type);
    w.u24(size);
    w.u24(ts & 0xFFFFFF);
    w.u8(static_cast<std::uint8_t>(ts >> 24));
    w.u24(0);  // overridden by the aggregate's stream id
    w.append(byte_view(p.payload).first(size));
    w.u32(k_sub_header_size + size);
  }
  return m;
}

}  // namespace lectern::shared::rtmp
