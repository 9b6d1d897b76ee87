#include "lectern/shared/media_message.hpp"

#include <memory>

#include "lectern/shared/error.hpp"
#include "lectern/shared/flv_tag.hpp"

namespace lectern::shared {

drop_priority media_message::priority() const noexcept {
  if (sequence_header || no_picture || !(is_audio() || is_video())) return drop_priority::never;
  if (is_audio() || keyframe) return drop_priority::key_or_audio;
  return disposable ? drop_priority::disposable : drop_priority::inter;
}

std::error_code media_message::from_message(rtmp::message&& m, media_message& out) {
  out = media_message{};
  out.type = m.kind();
  out.timestamp = m.timestamp;
  out.stream_id = m.stream_id;
  std::error_code ec;
  // RTMP audio/video message payloads are FLV AUDIODATA/VIDEODATA (RTMP spec 7.1.4/7.1.5).
  if (out.is_video()) {
    flv::video_header h;
    ec = flv::parse_video_header(m.payload, h);
    if (!ec) {
      out.keyframe = h.is_keyframe();
      out.sequence_header = h.is_sequence_header();
      out.disposable = h.is_disposable();
      out.no_picture = !h.has_frames() && !out.sequence_header;
    }
  } else if (out.is_audio()) {
    flv::audio_header h;
    ec = flv::parse_audio_header(m.payload, h);
    if (!ec) out.sequence_header = h.is_sequence_header();
  } else if (out.type != rtmp::message_type::data_amf0 &&
             out.type != rtmp::message_type::data_amf3) {
    ec = error::message_unknown_type;
  }
  out.payload = std::make_shared<const bytes>(std::move(m.payload));
  return ec;
}

rtmp::message media_message::to_message(std::uint32_t chunk_stream_id) const {
  rtmp::message m;
  m.chunk_stream_id = chunk_stream_id;
  m.type = static_cast<std::uint8_t>(type);
  m.stream_id = stream_id;
  m.timestamp = timestamp;
  if (payload) m.payload = *payload;
  return m;
}

}  // namespace lectern::shared
