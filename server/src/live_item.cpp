#include "live_item.hpp"

#include <algorithm>

#include "lectern/shared/flv_writer.hpp"

namespace lectern::server {

namespace rtmp = shared::rtmp;
namespace flv = shared::flv;

shared::shared_bytes live_item::flv_tag() const {
  std::call_once(flv_once_, [this] {
    if (!media.payload) return;
    flv::tag_type type = flv::tag_type::script;
    if (media.is_audio()) {
      type = flv::tag_type::audio;
    } else if (media.is_video()) {
      type = flv::tag_type::video;
    } else if (media.type != rtmp::message_type::data_amf0) {
      return;  // FLV script tags are AMF0 (FLV spec E.4.4)
    }
    auto out = std::make_shared<shared::bytes>();
    out->reserve(flv::script_tag_footprint(static_cast<std::uint32_t>(media.size())));
    flv::writer w;
    // 32-bit FLV timestamps (TimestampExtended) wrap after 49.7 days of one stream.
    const auto ts = static_cast<std::uint32_t>(media.timestamp);
    if (!w.write_tag(type, ts, *media.payload, *out)) flv_ = std::move(out);
  });
  return flv_;
}

outbound_queue::entry live_queue_entry(const live_item& item, shared::shared_bytes wire,
                                       std::uint32_t stream_id, bool burst,
                                       std::chrono::steady_clock::time_point now) {
  const auto& m = item.media;
  outbound_queue::entry e;
  e.wire = std::move(wire);
  e.timestamp = m.timestamp;
  switch (item.what) {
    case live_item::kind::metadata:
      e.priority = shared::drop_priority::key_or_audio;
      break;
    case live_item::kind::data:
      e.priority = shared::drop_priority::disposable;
      break;
    default:
      e.priority = m.priority();
      e.video = m.is_video();
      e.keyframe = m.is_video() && m.keyframe && !m.sequence_header;
      break;
  }
  e.stream_id = stream_id;
  e.burst = burst;
  e.queued_at = now;
  return e;
}

bool has_keyframe(const std::vector<live_item_ptr>& items) {
  return std::any_of(items.begin(), items.end(), [](const live_item_ptr& i) {
    return i->media.is_video() && i->media.keyframe && !i->media.sequence_header;
  });
}

}  // namespace lectern::server
