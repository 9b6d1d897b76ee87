// VOD reading of recordings (FLV spec v10.1 E.3-E.4); docs/recording.md.
#include "vod_source.hpp"

#include <utility>

#include "lectern/shared/data_message.hpp"
#include "lectern/shared/message.hpp"

namespace lectern::server {
namespace {

namespace flv = shared::flv;

// The onMetaData object of a script tag body (E.4.4.1), if that is what it carries.
std::optional<shared::amf::value> on_metadata_of(shared::byte_view body) {
  shared::rtmp::message m;
  m.type = static_cast<std::uint8_t>(shared::rtmp::message_type::data_amf0);
  m.payload.assign(body.begin(), body.end());
  shared::rtmp::data_message d;
  if (shared::rtmp::parse_data(m, d) || d.handler != shared::rtmp::k_on_metadata ||
      d.values.empty())
    return std::nullopt;
  return std::move(d.values.front());
}

}  // namespace

std::shared_ptr<const vod_index> vod_index::build(shared::byte_view file, std::error_code& ec) {
  auto out = std::make_shared<vod_index>();
  flv::index_options io;
  io.recover = true;
  if ((ec = flv::build_index(file, out->tags, io))) return nullptr;
  for (const auto& t : out->tags.tags) {
    if (t.type != flv::tag_type::script) break;  // metadata counts only before the frames
    if ((out->metadata = on_metadata_of(flv::file_index::data(t, file)))) break;
  }
  return out;
}

std::size_t vod_index::footprint() const noexcept {
  return sizeof(*this) + tags.tags.capacity() * sizeof(flv::tag_entry) +
         tags.keyframes.capacity() * sizeof(flv::keyframe_entry);
}

vod_source::vod_source(mapped_file map, std::shared_ptr<const vod_index> index)
    : map_(std::move(map)), shared_(std::move(index)), index_(shared_->tags) {}

std::unique_ptr<vod_source> vod_source::open(const std::filesystem::path& file,
                                             std::error_code& ec) {
  auto map = mapped_file::open(file, ec);
  if (ec) return nullptr;
  auto index = vod_index::build(map.data(), ec);
  if (!index) return nullptr;
  return std::make_unique<vod_source>(std::move(map), std::move(index));
}

std::uint32_t vod_source::seek(std::uint32_t ms) {
  next_config_ = configs_.size();
  if (ms > duration_ms()) {
    position_ = index_.tags.size();
    return duration_ms();
  }
  const auto* k = index_.seek(ms);
  if (k == nullptr) {
    seek_without_keyframes(ms);
  } else {
    position_ = k->tag;
    configs_ = {k->video_config, k->audio_config};
  }
  if (position_ < index_.tags.size()) {
    config_timestamp_ = index_.tags[position_].timestamp;
    next_config_ = 0;
  }
  return position_ < index_.tags.size() ? config_timestamp_ : duration_ms();
}

// Audio only (or a codec without keyframes): the first frame with the latest timestamp at or
// before `ms`, else the first frame; and the sequence headers seen before it.
void vod_source::seek_without_keyframes(std::uint32_t ms) {
  const auto& tags = index_.tags;
  std::size_t best = flv::k_npos, first = flv::k_npos;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const auto& t = tags[i];
    if (t.type == flv::tag_type::script || t.sequence_header) continue;
    if (first == flv::k_npos) first = i;
    if (t.timestamp <= ms && (best == flv::k_npos || t.timestamp > tags[best].timestamp)) best = i;
  }
  position_ = best != flv::k_npos ? best : first;
  configs_ = {flv::k_npos, flv::k_npos};
  if (position_ == flv::k_npos) {
    position_ = tags.size();
    return;
  }
  for (std::size_t i = 0; i < position_; ++i) {
    if (!tags[i].sequence_header) continue;
    configs_[tags[i].type == flv::tag_type::video ? 0 : 1] = i;
  }
}

bool vod_source::next(vod_item& out) {
  while (next_config_ < configs_.size()) {
    const std::size_t c = configs_[next_config_++];
    if (c == flv::k_npos) continue;
    fill(index_.tags[c], config_timestamp_, out);
    return true;
  }
  if (position_ >= index_.tags.size()) return false;
  const auto& t = index_.tags[position_++];
  fill(t, t.timestamp, out);
  return true;
}

void vod_source::fill(const flv::tag_entry& t, std::uint32_t timestamp, vod_item& out) const {
  const auto data = flv::file_index::data(t, map_.data());
  out = vod_item{};
  out.timestamp = timestamp;
  if (t.type == flv::tag_type::script) {
    out.is_data = true;
    out.data.assign(data.begin(), data.end());
    return;
  }
  shared::rtmp::message m;
  m.type = static_cast<std::uint8_t>(t.type);  // FLV TagType 8/9 == RTMP message type 8/9
  m.timestamp = timestamp;
  m.payload.assign(data.begin(), data.end());
  // A tag whose codec header does not parse still plays as a plain frame (from_message says
  // so), as the index kept it.
  (void)shared::media_message::from_message(std::move(m), out.media);
}

}  // namespace lectern::server
