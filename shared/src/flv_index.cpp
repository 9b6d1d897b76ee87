// Whole-buffer FLV indexing and resync (FLV spec v10.1 E.3, E.4.1).
#include "lectern/shared/flv_index.hpp"

#include <algorithm>

#include "lectern/shared/error.hpp"
#include "lectern/shared/flv_tag.hpp"

namespace lectern::shared::flv {
namespace {

// Tags that must chain (header, data, matching PreviousTagSize) before resync trusts a match.
constexpr int k_resync_chain = 3;

std::uint32_t load_be32(byte_view b, std::size_t pos) noexcept {
  return std::uint32_t(b[pos]) << 24 | std::uint32_t(b[pos + 1]) << 16 |
         std::uint32_t(b[pos + 2]) << 8 | std::uint32_t(b[pos + 3]);
}

void classify(tag_entry& e, byte_view data) noexcept {
  if (e.type == tag_type::video) {
    video_header v;
    if (!parse_video_header(data, v)) {
      e.keyframe = v.is_keyframe();
      e.sequence_header = v.is_sequence_header();
    }
  } else if (e.type == tag_type::audio) {
    audio_header a;
    if (!parse_audio_header(data, a)) e.sequence_header = a.is_sequence_header();
  }
}

// Builds a file_index one tag at a time; `pos` is the offset of the next tag header.
class indexer {
 public:
  indexer(byte_view file, file_index& out, const index_options& options) noexcept
      : file_(file), out_(out), options_(options) {}

  std::error_code run() {
    if (auto ec = parse_file_header(file_, out_.header)) return ec;
    std::size_t pos = out_.header.data_offset;
    if (file_.size() < pos + k_previous_size_size) return error::truncated;
    if (auto ec = check_previous_size(load_be32(file_, pos), 0)) return ec;  // E.3
    pos += k_previous_size_size;
    out_.end_offset = pos;
    while (pos < file_.size()) {
      const auto ec = add_tag(pos);
      if (!ec) continue;
      if (!options_.recover || ec == error::limit_exceeded) return ec;
      const std::size_t next = find_next_tag(file_, pos + 1, options_.max_data_size);
      const std::size_t resume = next == k_npos ? file_.size() : next;
      out_.skipped_bytes += resume - pos;
      pos = resume;
    }
    return {};
  }

 private:
  std::error_code add_tag(std::size_t& pos) {
    tag_header h;
    if (auto ec = parse_tag_header(file_.subspan(pos), h, options_.max_data_size)) return ec;
    const std::size_t end = pos + k_tag_header_size + h.data_size;
    if (file_.size() < end + k_previous_size_size) return error::truncated;
    if (auto ec = check_previous_size(load_be32(file_, end), previous_size_for(h.data_size)))
      return ec;
    if (out_.tags.size() >= options_.max_tags) return error::limit_exceeded;
    tag_entry e;
    e.offset = pos;
    e.timestamp = h.timestamp;
    e.data_size = h.data_size;
    e.type = h.type;
    classify(e, file_.subspan(pos + k_tag_header_size, h.data_size));
    record(e);
    pos = end + k_previous_size_size;
    out_.end_offset = pos;
    return {};
  }

  void record(const tag_entry& e) {
    const std::size_t i = out_.tags.size();
    out_.tags.push_back(e);
    if (e.type == tag_type::script) return;
    if (!seen_media_) out_.min_timestamp = out_.max_timestamp = e.timestamp;
    seen_media_ = true;
    out_.min_timestamp = std::min(out_.min_timestamp, e.timestamp);
    out_.max_timestamp = std::max(out_.max_timestamp, e.timestamp);
    if (e.sequence_header) (e.type == tag_type::video ? video_config_ : audio_config_) = i;
    if (!e.keyframe) return;
    if (!out_.keyframes.empty() && e.timestamp < out_.keyframes.back().timestamp)
      out_.keyframes_sorted = false;
    out_.keyframes.push_back({e.timestamp, e.offset, i, video_config_, audio_config_});
  }

  std::error_code check_previous_size(std::uint32_t actual, std::uint32_t expected) noexcept {
    if (actual == expected) return {};
    if (options_.strict_previous_size) return error::flv_previous_size_mismatch;
    ++out_.previous_size_mismatches;
    return {};
  }

  byte_view file_;
  file_index& out_;
  const index_options& options_;
  std::size_t video_config_ = k_npos;
  std::size_t audio_config_ = k_npos;
  bool seen_media_ = false;
};

// True if a tag starts at `pos` and chains with the tags after it (see find_next_tag).
bool plausible_chain(byte_view buf, std::size_t pos, std::uint32_t max_data_size) noexcept {
  for (int i = 0; i < k_resync_chain; ++i) {
    if (pos == buf.size()) return i > 0;  // the chain ends exactly at the end of the data
    tag_header h;
    if (const auto ec = parse_tag_header(buf.subspan(pos), h, max_data_size))
      return i > 0 && ec == error::truncated;  // too little left to judge a later link
    const std::size_t end = pos + k_tag_header_size + h.data_size;
    if (end + k_previous_size_size > buf.size()) return i > 0;
    if (load_be32(buf, end) != previous_size_for(h.data_size)) return false;
    pos = end + k_previous_size_size;
  }
  return true;
}

}  // namespace

const keyframe_entry* file_index::seek(std::uint32_t time_ms) const noexcept {
  if (keyframes.empty()) return nullptr;
  const keyframe_entry* best = nullptr;
  if (keyframes_sorted) {
    auto it =
        std::upper_bound(keyframes.begin(), keyframes.end(), time_ms,
                         [](std::uint32_t t, const keyframe_entry& k) { return t < k.timestamp; });
    if (it != keyframes.begin()) best = &*(it - 1);
  } else {
    // Timestamps went backwards (a publisher restarted): take the latest time <= time_ms.
    for (const auto& k : keyframes)
      if (k.timestamp <= time_ms && (!best || k.timestamp > best->timestamp)) best = &k;
  }
  return best ? best : &keyframes.front();
}

std::error_code build_index(byte_view file, file_index& out, const index_options& options) {
  out = {};
  return indexer(file, out, options).run();
}

std::size_t find_next_tag(byte_view buffer, std::size_t from,
                          std::uint32_t max_data_size) noexcept {
  for (std::size_t pos = from; pos < buffer.size(); ++pos)
    if (plausible_chain(buffer, pos, max_data_size)) return pos;
  return k_npos;
}

}  // namespace lectern::shared::flv
