// Protocol control messages (RTMP spec 5.4, types 1-6) and User Control events (RTMP spec
// 6.2 and 7.1.7, type 4): typed values, builders and parsers. No AMF, no I/O.
#pragma once

#include <cstdint>
#include <system_error>
#include <variant>

#include "lectern/shared/bytes.hpp"
#include "lectern/shared/message.hpp"

namespace lectern::shared::rtmp {

/// Set Chunk Size (type 1, RTMP spec 5.4.1): the sender's new maximum chunk size.
struct set_chunk_size_msg {
  std::uint32_t size = 128;
  bool operator==(const set_chunk_size_msg&) const = default;
};

/// Abort Message (type 2, RTMP spec 5.4.2): discard the partial message on a chunk stream.
struct abort_msg {
  std::uint32_t chunk_stream_id = 0;
  bool operator==(const abort_msg&) const = default;
};

/// Acknowledgement (type 3, RTMP spec 5.4.3): bytes received so far (wraps at 2^32).
struct acknowledgement_msg {
  std::uint32_t sequence_number = 0;
  bool operator==(const acknowledgement_msg&) const = default;
};

/// Window Acknowledgement Size (type 5, RTMP spec 5.4.4).
struct window_ack_size_msg {
  std::uint32_t size = 0;
  bool operator==(const window_ack_size_msg&) const = default;
};

/// Limit type of Set Peer Bandwidth (RTMP spec 5.4.5).
enum class peer_bandwidth_limit : std::uint8_t { hard = 0, soft = 1, dynamic = 2 };

/// Set Peer Bandwidth (type 6, RTMP spec 5.4.5): limits the peer's output bandwidth.
struct set_peer_bandwidth_msg {
  std::uint32_t size = 0;
  peer_bandwidth_limit limit = peer_bandwidth_limit::dynamic;
  bool operator==(const set_peer_bandwidth_msg&) const = default;
};

// ---- User Control events (RTMP spec 7.1.7) ----

/// Event type ids of User Control messages. 26/27 are Flash's SWF verification, which the
/// spec does not document; they (and every other id) parse as unknown_user_control.
enum class user_control_type : std::uint16_t {
  stream_begin = 0,
  stream_eof = 1,
  stream_dry = 2,
  set_buffer_length = 3,
  stream_is_recorded = 4,
  ping_request = 6,
  ping_response = 7,
  swf_verify_request = 26,
  swf_verify_response = 27,
};

/// Stream Begin (0): the stream became functional.
struct stream_begin {
  static constexpr user_control_type id = user_control_type::stream_begin;
  std::uint32_t stream_id = 0;
  bool operator==(const stream_begin&) const = default;
};
/// Stream EOF (1): playback of the stream is over.
struct stream_eof {
  static constexpr user_control_type id = user_control_type::stream_eof;
  std::uint32_t stream_id = 0;
  bool operator==(const stream_eof&) const = default;
};
/// Stream Dry (2): no more data on the stream for now.
struct stream_dry {
  static constexpr user_control_type id = user_control_type::stream_dry;
  std::uint32_t stream_id = 0;
  bool operator==(const stream_dry&) const = default;
};
/// SetBuffer Length (3): the client's buffer for a stream, in milliseconds.
struct set_buffer_length {
  static constexpr user_control_type id = user_control_type::set_buffer_length;
  std::uint32_t stream_id = 0;
  std::uint32_t buffer_ms = 0;
  bool operator==(const set_buffer_length&) const = default;
};
/// StreamIs Recorded (4): the stream is a recorded one.
struct stream_is_recorded {
  static constexpr user_control_type id = user_control_type::stream_is_recorded;
  std::uint32_t stream_id = 0;
  bool operator==(const stream_is_recorded&) const = default;
};
/// PingRequest (6): the sender's local time; the peer answers with a PingResponse.
struct ping_request {
  static constexpr user_control_type id = user_control_type::ping_request;
  std::uint32_t timestamp = 0;
  bool operator==(const ping_request&) const = default;
};
/// PingResponse (7): echoes the PingRequest timestamp.
struct ping_response {
  static constexpr user_control_type id = user_control_type::ping_response;
  std::uint32_t timestamp = 0;
  bool operator==(const ping_response&) const = default;
};
/// Any other event (SWF verification 26/27, Red5/FMS buffer events 31/32, …) kept raw so
/// that a session can ignore it instead of closing the connection.
struct unknown_user_control {
  std::uint16_t event_type = 0;
  bytes data;
  bool operator==(const unknown_user_control&) const = default;
};

/// One User Control event.
using user_control_event =
    std::variant<stream_begin, stream_eof, stream_dry, set_buffer_length, stream_is_recorded,
                 ping_request, ping_response, unknown_user_control>;

/// Any message of types 1-6.
using control_message =
    std::variant<set_chunk_size_msg, abort_msg, acknowledgement_msg, user_control_event,
                 window_ack_size_msg, set_peer_bandwidth_msg>;

// ---- builders: every message is on chunk stream 2, message stream 0 (RTMP spec 5.4, 6.2) ----

/// `size` must be in 1..k_max_set_chunk_size; the top bit is always written as 0.
message make_set_chunk_size(std::uint32_t size);
message make_abort(std::uint32_t chunk_stream_id);
message make_acknowledgement(std::uint32_t sequence_number);
message make_window_ack_size(std::uint32_t size);
message make_set_peer_bandwidth(std::uint32_t size, peer_bandwidth_limit limit);
message make_user_control(const user_control_event& event);
message make_control(const control_message& m);

// ---- parsers: payloads shorter than the fixed layout are error::message_malformed;
// bytes after the layout are ignored (they carry no meaning and harm nothing) ----

std::error_code parse_set_chunk_size(byte_view payload, set_chunk_size_msg& out);
std::error_code parse_abort(byte_view payload, abort_msg& out);
std::error_code parse_acknowledgement(byte_view payload, acknowledgement_msg& out);
std::error_code parse_window_ack_size(byte_view payload, window_ack_size_msg& out);
std::error_code parse_set_peer_bandwidth(byte_view payload, set_peer_bandwidth_msg& out);
/// Unknown event types are not errors (see unknown_user_control).
std::error_code parse_user_control(byte_view payload, user_control_event& out);

/// Parses a message of type 1-6 by its type; any other type is error::message_unknown_type.
std::error_code parse_control(const message& m, control_message& out);

/// True for the protocol control types 1-6 (type 7, edge/origin, is not supported).
bool is_control_type(std::uint8_t type) noexcept;

}  // namespace lectern::shared::rtmp
