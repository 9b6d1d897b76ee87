#include "live_item.hpp"

#include <algorithm>

#include "lectern/shared/chunk_writer.hpp"
#include "lectern/shared/flv_writer.hpp"

namespace lectern::server {

namespace rtmp = shared::rtmp;
namespace flv = shared::flv;

shared::shared_bytes encode_live_wire(const shared::media_message& m, std::uint32_t stream_id,
                                      std::uint32_t chunk_size, std::uint64_t timestamp) {
  if (!m.payload) return nullptr;
  rtmp::message_header h;
  h.chunk_stream_id = m.is_audio()   ? rtmp::k_csid_audio
                      : m.is_video() ? rtmp::k_csid_video
                                     : rtmp::k_csid_data;
  h.type = static_cast<std::uint8_t>(m.type);
  h.stream_id = stream_id;
  h.timestamp = timestamp;
  h.length = static_cast<std::uint32_t>(m.size());
  auto wire = std::make_shared<shared::bytes>();
  wire->reserve(rtmp::chunk_writer::standalone_size(h, chunk_size));
  // The payload size was checked by the chunk reader (max message size < 16 MiB), so
  // encoding cannot fail; an empty wire would only make players skip the item.
  (void)rtmp::chunk_writer::write_standalone(h, *m.payload, chunk_size, *wire);
  return wire;
}

shared::shared_bytes live_item::wire_for(std::uint32_t stream_id, std::uint64_t timestamp) const {
  if (!wire || (stream_id == k_common_play_stream_id && timestamp == media.timestamp)) return wire;
  const auto find = [&]() -> shared::shared_bytes {
    for (std::size_t i = 0; i < alternates_used_; ++i) {
      const auto& a = (*alternates_)[i];
      if (a.stream_id == stream_id && a.timestamp == timestamp) return a.wire;
    }
    return nullptr;
  };
  bool full = false;
  {
    std::lock_guard lock(alternates_mutex_);
    if (auto w = find()) return w;
    full = alternates_used_ == k_max_alternate_wires;
  }
  // Encoded outside the lock: a keyframe is a large copy, and the other worker threads'
  // players of this item must not wait for it.
  auto mine = encode_live_wire(media, stream_id, chunk_size, timestamp);
  if (full) return mine;  // nothing more is kept: this player's own copy
  std::lock_guard lock(alternates_mutex_);
  if (auto w = find()) return w;  // another thread's player was first: share its bytes
  if (alternates_used_ == k_max_alternate_wires) return mine;
  if (!alternates_) alternates_ = std::make_unique<alternate_wires>();
  (*alternates_)[alternates_used_++] = {stream_id, timestamp, mine};
  return mine;
}

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
