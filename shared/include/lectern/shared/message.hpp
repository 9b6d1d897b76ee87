// An RTMP message as the chunk stream delivers it (RTMP spec 6.1) and the type ids.
#pragma once

#include <cstdint>

#include "lectern/shared/bytes.hpp"

namespace lectern::shared::rtmp {

/// RTMP message type ids (RTMP spec 5.4 and 7.1).
enum class message_type : std::uint8_t {
  set_chunk_size = 1,
  abort = 2,
  acknowledgement = 3,
  user_control = 4,
  window_ack_size = 5,
  set_peer_bandwidth = 6,
  audio = 8,
  video = 9,
  data_amf3 = 15,
  shared_object_amf3 = 16,
  command_amf3 = 17,
  data_amf0 = 18,
  shared_object_amf0 = 19,
  command_amf0 = 20,
  aggregate = 22,
};

/// Conventional chunk stream ids: 2 is reserved for protocol control (RTMP spec 5.4);
/// the rest are what Flash Media Server and ffmpeg use, and what we send on.
inline constexpr std::uint32_t k_csid_control = 2;
inline constexpr std::uint32_t k_csid_command = 3;
inline constexpr std::uint32_t k_csid_audio = 4;
inline constexpr std::uint32_t k_csid_video = 6;
inline constexpr std::uint32_t k_csid_data = 5;

/// A 24-bit timestamp field of 0xFFFFFF means "read the extended timestamp" (5.3.1.3).
inline constexpr std::uint32_t k_extended_timestamp_marker = 0xFFFFFF;
/// Largest message length a chunk header can carry (24 bits, 5.3.1.2.1).
inline constexpr std::uint32_t k_max_message_length = 0xFFFFFF;
/// Largest chunk size Set Chunk Size can announce (31 bits, 5.4.1).
inline constexpr std::uint32_t k_max_set_chunk_size = 0x7FFFFFFF;

/// One complete RTMP message. The timestamp is 64-bit and already unwrapped from the
/// 32-bit wire value, so a stream does not break after 2^32 ms (49.7 days).
struct message {
  std::uint32_t chunk_stream_id = k_csid_command;
  std::uint8_t type = 0;
  std::uint32_t stream_id = 0;
  std::uint64_t timestamp = 0;
  bytes payload;

  message_type kind() const noexcept { return static_cast<message_type>(type); }
};

}  // namespace lectern::shared::rtmp
