// The unit the server fans out: a small per-copy header over one immutable shared payload.
#pragma once

#include <cstdint>
#include <system_error>

#include "lectern/shared/bytes.hpp"
#include "lectern/shared/message.hpp"

namespace lectern::shared {

/// How much a subscriber loses if this message is dropped under back-pressure, lowest
/// first: disposable frames go first, then inter frames; keyframes and audio last; sequence
/// headers and metadata are never dropped (a decoder cannot start without them).
enum class drop_priority : std::uint8_t {
  disposable = 0,
  inter = 1,
  key_or_audio = 2,
  never = 3,
};

/// An audio, video or data message of a live stream. Copying one copies a shared_ptr and a
/// few fields; the payload bytes are shared by every subscriber and never change.
struct media_message {
  rtmp::message_type type = rtmp::message_type::video;
  std::uint64_t timestamp = 0;
  std::uint32_t stream_id = 0;
  bool keyframe = false;         ///< video picture a decoder can start from (GOP start)
  bool sequence_header = false;  ///< AVC/HEVC/AV1 configuration or AAC AudioSpecificConfig
  bool disposable = false;       ///< video frame nothing references
  /// Video that carries no picture: Enhanced RTMP metadata (e.g. HDR colorInfo), end of
  /// sequence, a command frame. Small, and a decoder needs it, so it is never dropped.
  bool no_picture = false;
  shared_bytes payload;

  std::size_t size() const noexcept { return payload ? payload->size() : 0; }
  bool is_video() const noexcept { return type == rtmp::message_type::video; }
  bool is_audio() const noexcept { return type == rtmp::message_type::audio; }
  drop_priority priority() const noexcept;

  /// Classifies an RTMP message (audio, video or data) and takes its payload without
  /// copying it. A media header that does not parse still yields a usable message (an
  /// inter frame, or plain audio) together with the error, so the caller may forward it
  /// and log why it could not be classified.
  static std::error_code from_message(rtmp::message&& m, media_message& out);

  /// The RTMP message to send: same type, timestamp and stream id, a copy of the payload.
  rtmp::message to_message(std::uint32_t chunk_stream_id) const;
};

}  // namespace lectern::shared
