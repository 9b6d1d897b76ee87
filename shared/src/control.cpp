// Protocol control messages and User Control events: fixed big-endian layouts on chunk
// stream 2, message stream 0.
#include "lectern/shared/control.hpp"

#include <cassert>
#include <type_traits>

#include "lectern/shared/error.hpp"

namespace lectern::shared::rtmp {
namespace {

message control_message_of(message_type type, bytes payload) {
  message m;
  m.chunk_stream_id = k_csid_control;  // RTMP spec 5.4: csid 2, message stream 0
  m.type = static_cast<std::uint8_t>(type);
  m.stream_id = 0;
  m.timestamp = 0;
  m.payload = std::move(payload);
  return m;
}

message u32_message(message_type type, std::uint32_t v) {
  bytes out;
  byte_writer w(out);
  w.u32(v);
  return control_message_of(type, std::move(out));
}

std::error_code parse_u32(byte_view payload, std::uint32_t& v) {
  byte_reader r(payload);
  if (!r.u32(v)) return error::message_malformed;
  return {};
}

// Layout of an event's data after the 16-bit event type (RTMP spec 7.1.7).
void write_event_data(byte_writer& w, const user_control_event& event) {
  std::visit(
      [&w](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, ping_request> || std::is_same_v<T, ping_response>) {
          w.u32(e.timestamp);
        } else if constexpr (std::is_same_v<T, set_buffer_length>) {
          w.u32(e.stream_id);
          w.u32(e.buffer_ms);
        } else if constexpr (std::is_same_v<T, unknown_user_control>) {
          w.append(byte_view(e.data));
        } else {
          w.u32(e.stream_id);
        }
      },
      event);
}

std::uint16_t event_type_of(const user_control_event& event) {
  return std::visit(
      [](const auto& e) -> std::uint16_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(e)>, unknown_user_control>) {
          return e.event_type;
        } else {
          return static_cast<std::uint16_t>(std::decay_t<decltype(e)>::id);
        }
      },
      event);
}

// Reads an event whose data is one u32 (a stream id or a timestamp) into a T.
template <typename T>
std::error_code read_u32_event(byte_reader& r, user_control_event& out) {
  std::uint32_t v = 0;
  if (!r.u32(v)) return error::message_malformed;
  out = T{v};
  return {};
}

// Parses into a T and stores it in `out` only on success, so `out` is untouched on error.
template <typename T>
std::error_code parse_into(byte_view p, control_message& out,
                           std::error_code (*parse)(byte_view, T&)) {
  T v;
  std::error_code ec = parse(p, v);
  if (!ec) out = std::move(v);
  return ec;
}

}  // namespace

message make_set_chunk_size(std::uint32_t size) {
  assert(size >= 1 && size <= k_max_set_chunk_size);
  // RTMP spec 5.4.1: bit 0 (the most significant bit) MUST be zero.
  return u32_message(message_type::set_chunk_size, size & k_max_set_chunk_size);
}

message make_abort(std::uint32_t chunk_stream_id) {
  return u32_message(message_type::abort, chunk_stream_id);
}

message make_acknowledgement(std::uint32_t sequence_number) {
  return u32_message(message_type::acknowledgement, sequence_number);
}

message make_window_ack_size(std::uint32_t size) {
  return u32_message(message_type::window_ack_size, size);
}

message make_set_peer_bandwidth(std::uint32_t size, peer_bandwidth_limit limit) {
  bytes out;
  byte_writer w(out);
  w.u32(size);
  w.u8(static_cast<std::uint8_t>(limit));
  return control_message_of(message_type::set_peer_bandwidth, std::move(out));
}

message make_user_control(const user_control_event& event) {
  bytes out;
  byte_writer w(out);
  w.u16(event_type_of(event));
  write_event_data(w, event);
  return control_message_of(message_type::user_control, std::move(out));
}

message make_control(const control_message& m) {
  return std::visit(
      [](const auto& c) -> message {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, set_chunk_size_msg>) return make_set_chunk_size(c.size);
        if constexpr (std::is_same_v<T, abort_msg>) return make_abort(c.chunk_stream_id);
        if constexpr (std::is_same_v<T, acknowledgement_msg>)
          return make_acknowledgement(c.sequence_number);
        if constexpr (std::is_same_v<T, user_control_event>) return make_user_control(c);
        if constexpr (std::is_same_v<T, window_ack_size_msg>) return make_window_ack_size(c.size);
        if constexpr (std::is_same_v<T, set_peer_bandwidth_msg>)
          return make_set_peer_bandwidth(c.size, c.limit);
      },
      m);
}

std::error_code parse_set_chunk_size(byte_view payload, set_chunk_size_msg& out) {
  std::uint32_t v = 0;
  if (auto ec = parse_u32(payload, v)) return ec;
  // RTMP spec 5.4.1: the top bit MUST be zero and valid sizes are 1..0x7FFFFFFF. A zero
  // size would make the chunk reader loop forever on empty chunks.
  if (v == 0 || v > k_max_set_chunk_size) return error::chunk_bad_chunk_size;
  out.size = v;
  return {};
}

std::error_code parse_abort(byte_view payload, abort_msg& out) {
  return parse_u32(payload, out.chunk_stream_id);
}

std::error_code parse_acknowledgement(byte_view payload, acknowledgement_msg& out) {
  return parse_u32(payload, out.sequence_number);
}

std::error_code parse_window_ack_size(byte_view payload, window_ack_size_msg& out) {
  return parse_u32(payload, out.size);
}

std::error_code parse_set_peer_bandwidth(byte_view payload, set_peer_bandwidth_msg& out) {
  byte_reader r(payload);
  std::uint32_t size = 0;
  std::uint8_t limit = 0;
  if (!r.u32(size) || !r.u8(limit)) return error::message_malformed;
  // RTMP spec 5.4.5 defines only 0 (hard), 1 (soft) and 2 (dynamic).
  if (limit > static_cast<std::uint8_t>(peer_bandwidth_limit::dynamic))
    return error::message_malformed;
  out.size = size;
  out.limit = static_cast<peer_bandwidth_limit>(limit);
  return {};
}

std::error_code parse_user_control(byte_view payload, user_control_event& out) {
  byte_reader r(payload);
  std::uint16_t type = 0;
  if (!r.u16(type)) return error::message_malformed;
  switch (static_cast<user_control_type>(type)) {
    case user_control_type::stream_begin:
      return read_u32_event<stream_begin>(r, out);
    case user_control_type::stream_eof:
      return read_u32_event<stream_eof>(r, out);
    case user_control_type::stream_dry:
      return read_u32_event<stream_dry>(r, out);
    case user_control_type::stream_is_recorded:
      return read_u32_event<stream_is_recorded>(r, out);
    case user_control_type::ping_request:
      return read_u32_event<ping_request>(r, out);
    case user_control_type::ping_response:
      return read_u32_event<ping_response>(r, out);
    case user_control_type::set_buffer_length: {
      std::uint32_t stream_id = 0;
      std::uint32_t buffer_ms = 0;
      if (!r.u32(stream_id) || !r.u32(buffer_ms)) return error::message_malformed;
      out = set_buffer_length{stream_id, buffer_ms};
      return {};
    }
    default:
      // Unknown ids are not errors: Flash's SWF verification (26/27) and server-specific
      // events must not close a session that otherwise works.
      out = unknown_user_control{type, bytes(r.rest().begin(), r.rest().end())};
      return {};
  }
}

std::error_code parse_control(const message& m, control_message& out) {
  const byte_view p(m.payload);
  switch (m.kind()) {
    case message_type::set_chunk_size:
      return parse_into<set_chunk_size_msg>(p, out, parse_set_chunk_size);
    case message_type::abort:
      return parse_into<abort_msg>(p, out, parse_abort);
    case message_type::acknowledgement:
      return parse_into<acknowledgement_msg>(p, out, parse_acknowledgement);
    case message_type::user_control:
      return parse_into<user_control_event>(p, out, parse_user_control);
    case message_type::window_ack_size:
      return parse_into<window_ack_size_msg>(p, out, parse_window_ack_size);
    case message_type::set_peer_bandwidth:
      return parse_into<set_peer_bandwidth_msg>(p, out, parse_set_peer_bandwidth);
    default:
      return error::message_unknown_type;
  }
}

bool is_control_type(std::uint8_t type) noexcept {
  return type >= 1 && type <= 6;
}

}  // namespace lectern::shared::rtmp
