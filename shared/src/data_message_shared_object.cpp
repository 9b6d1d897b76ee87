// Shared object messages (RTMP spec 7.1.3): header and events, decoded with every declared
// length checked against the body.
#include <cassert>
#include <cstdint>

#include "lectern/shared/amf0.hpp"
#include "lectern/shared/data_message.hpp"
#include "lectern/shared/error.hpp"

namespace lectern::shared::rtmp {
namespace {

// Names, codes and levels are UTF-8 with a u16 length and no AMF marker.
bool read_name(byte_reader& r, std::string& out) {
  std::uint16_t n = 0;
  byte_view b;
  if (!r.u16(n) || !r.take(n, b)) return false;
  out.assign(as_string(b));
  return true;
}

void write_name(byte_writer& w, std::string_view s) {
  assert(s.size() <= 0xFFFF);
  s = s.substr(0, 0xFFFF);
  w.u16(static_cast<std::uint16_t>(s.size()));
  w.append(s);
}

// Collects the events of one message. Each event's AMF0 data is decoded apart (its own
// reference table), but all of them charge one budget: with a budget per event, 1024 events
// of a 311-byte reference bomb each decoded to 15 MB, 15 GB for one 327 KB message.
class event_sink {
 public:
  event_sink(std::vector<so_event>& events, const shared_object_limits& lim)
      : events_(events), lim_(lim) {}

  std::error_code push(so_event e) {
    if (events_.size() >= lim_.max_events) return error::limit_exceeded;
    events_.push_back(std::move(e));
    return {};
  }
  const amf::limits& amf() const noexcept { return lim_.amf; }
  amf::decode_budget& budget() noexcept { return budget_; }

 private:
  std::vector<so_event>& events_;
  const shared_object_limits& lim_;
  amf::decode_budget budget_;
};

// Change and Request Change carry name + AMF0 value; Red5 packs several pairs into one
// change event, so read pairs until the event data is used up.
std::error_code decode_changes(so_event_type type, byte_view data, event_sink& sink) {
  byte_reader r(data);
  if (r.empty()) return error::message_malformed;
  while (!r.empty()) {
    so_event e;
    e.type = type;
    if (!read_name(r, e.name) || r.empty()) return error::message_malformed;
    amf0::decoder d(r.rest(), sink.amf(), sink.budget());
    if (auto ec = d.next(e.value)) return ec;
    r.skip(d.position());
    if (auto ec = sink.push(std::move(e))) return ec;
  }
  return {};
}

std::error_code decode_event(std::uint8_t raw_type, byte_view data, event_sink& sink) {
  so_event e;
  e.type = static_cast<so_event_type>(raw_type);
  byte_reader r(data);
  switch (e.type) {
    case so_event_type::change:
    case so_event_type::request_change:
      return decode_changes(e.type, data, sink);
    case so_event_type::success:
      if (!r.empty() && !read_name(r, e.name)) return error::message_malformed;
      break;
    case so_event_type::remove:
    case so_event_type::request_remove:
      if (!read_name(r, e.name)) return error::message_malformed;
      break;
    case so_event_type::status:
      if (!read_name(r, e.code) || !read_name(r, e.level)) return error::message_malformed;
      break;
    case so_event_type::send_message: {
      if (auto ec = amf0::decode_all(data, e.values, sink.amf(), sink.budget())) return ec;
      if (e.values.empty() || !e.values.front().as_string()) return error::message_malformed;
      return sink.push(std::move(e));
    }
    default:  // use, release, clear, use_success, and types the spec does not define
      e.raw.assign(data.begin(), data.end());
      return sink.push(std::move(e));
  }
  // The declared length must match what the event holds.
  if (!r.empty()) return error::message_malformed;
  return sink.push(std::move(e));
}

void encode_event_data(const so_event& e, byte_writer& w) {
  switch (e.type) {
    case so_event_type::change:
    case so_event_type::request_change:
      write_name(w, e.name);
      amf0::encode(e.value, w.buffer());
      break;
    case so_event_type::success:
      if (!e.name.empty()) write_name(w, e.name);
      break;
    case so_event_type::remove:
    case so_event_type::request_remove:
      write_name(w, e.name);
      break;
    case so_event_type::status:
      write_name(w, e.code);
      write_name(w, e.level);
      break;
    case so_event_type::send_message:
      amf0::encode_all(e.values, w.buffer());
      break;
    default:
      w.append(byte_view(e.raw));
      break;
  }
}

}  // namespace

std::error_code parse_shared_object(const message& m, shared_object_message& out,
                                    const shared_object_limits& lim) {
  byte_view p(m.payload);
  if (m.kind() == message_type::shared_object_amf3) {
    // Same 0x00 format byte as an AMF3 command (RTMP spec 7.1.1), then the AMF0 layout.
    if (p.empty() || p[0] != 0x00) return error::message_malformed;
    p = p.subspan(1);
  } else if (m.kind() != message_type::shared_object_amf0) {
    return error::message_unknown_type;
  }
  byte_reader r(p);
  shared_object_message so;
  std::uint32_t flags_hi = 0;
  std::uint32_t flags_lo = 0;
  if (!read_name(r, so.name) || !r.u32(so.version) || !r.u32(flags_hi) || !r.u32(flags_lo))
    return error::message_malformed;
  so.flags = (std::uint64_t{flags_hi} << 32) | flags_lo;
  event_sink sink(so.events, lim);
  while (!r.empty()) {
    std::uint8_t type = 0;
    std::uint32_t length = 0;
    byte_view data;
    if (!r.u8(type) || !r.u32(length) || !r.take(length, data)) return error::message_malformed;
    if (auto ec = decode_event(type, data, sink)) return ec;
  }
  out = std::move(so);
  return {};
}

message make_shared_object(const shared_object_message& so, std::uint32_t stream_id, bool amf3) {
  message m;
  m.chunk_stream_id = k_csid_command;
  m.type = static_cast<std::uint8_t>(amf3 ? message_type::shared_object_amf3
                                          : message_type::shared_object_amf0);
  m.stream_id = stream_id;
  byte_writer w(m.payload);
  if (amf3) w.u8(0x00);
  write_name(w, so.name);
  w.u32(so.version);
  w.u32(static_cast<std::uint32_t>(so.flags >> 32));
  w.u32(static_cast<std::uint32_t>(so.flags));
  for (const so_event& e : so.events) {
    w.u8(static_cast<std::uint8_t>(e.type));
    const std::size_t length_at = m.payload.size();
    w.u32(0);  // patched below once the data is written
    encode_event_data(e, w);
    const auto length = static_cast<std::uint32_t>(m.payload.size() - length_at - 4);
    for (int i = 0; i < 4; ++i)
      m.payload[length_at + i] = static_cast<std::uint8_t>(length >> (24 - 8 * i));
  }
  return m;
}

}  // namespace lectern::shared::rtmp
