// FLV output (FLV spec v10.1 E.2-E.4.1) and the seekable-recording summary.
#include "lectern/shared/flv_writer.hpp"

#include <algorithm>

#include "lectern/shared/error.hpp"
#include "lectern/shared/flv_tag.hpp"

namespace lectern::shared::flv {

void writer::write_file_header(bytes& out) {
  encode_file_header(header_, out);
  offset_ += k_file_header_size + k_previous_size_size;
}

std::error_code writer::frame_tag(tag_type type, std::uint32_t timestamp, byte_view data,
                                  tag_framing& out) {
  if (data.size() > k_max_data_size_field) return error::flv_tag_too_large;
  const auto size = static_cast<std::uint32_t>(data.size());
  out.header = encode_tag_header({type, size, timestamp});
  out.trailer = encode_previous_size(previous_size_for(size));

  if (type != tag_type::script) {
    if (!seen_media_) stats_.first_timestamp = stats_.max_timestamp = timestamp;
    seen_media_ = true;
    stats_.max_timestamp = std::max(stats_.max_timestamp, timestamp);
  }
  if (type == tag_type::audio) stats_.audio_data_size += size;
  if (type == tag_type::video) {
    stats_.video_data_size += size;
    video_header v;
    if (!parse_video_header(data, v) && v.has_frames()) {
      if (v.is_keyframe()) stats_.keyframes.push_back({timestamp, offset_});
      // canSeekToEnd: the last picture is a keyframe; configuration tags do not count.
      stats_.last_is_keyframe = v.is_keyframe();
    }
  }
  offset_ += script_tag_footprint(size);
  return {};
}

std::error_code writer::write_tag(tag_type type, std::uint32_t timestamp, byte_view data,
                                  bytes& out) {
  tag_framing framing;
  if (auto ec = frame_tag(type, timestamp, data, framing)) return ec;
  byte_writer w(out);
  w.append(framing.header);
  w.append(data);
  w.append(framing.trailer);
  return {};
}

recording_summary writer::summary(std::uint64_t shift) const {
  recording_summary s = stats_;
  // The first tag need not be the earliest (a publisher may reconnect with smaller
  // timestamps): never report a wrapped duration.
  s.duration_ms = s.max_timestamp >= s.first_timestamp ? s.max_timestamp - s.first_timestamp : 0;
  s.file_size = offset_ + shift;
  for (auto& k : s.keyframes) k.offset += shift;
  return s;
}

}  // namespace lectern::shared::flv
