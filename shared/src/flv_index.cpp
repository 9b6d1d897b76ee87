// Whole-buffer FLV indexing and resync (FLV spec v10.1 E.3, E.4.1).
#include "lectern/shared/flv_index.hpp"

#include <algorithm>

#include "lectern/shared/error.hpp"
#include "lectern/shared/flv_tag.hpp"

namespace lectern::shared::flv {
namespace {

// Tags that must chain (header, data, matching PreviousTagSize) before resync trusts a match.
constexpr int k_resync_chain = 3;

tag_entry make_entry(const tag_header& h, std::size_t offset, byte_view data) noexcept {
  tag_entry e;
  e.offset = offset;
  e.timestamp = h.timestamp;
  e.data_size = h.data_size;
  e.type = h.type;
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
  return e;
}

// Appends tags to a file_index, keeping its timestamp range and keyframe table.
class tag_recorder {
 public:
  explicit tag_recorder(file_index& out) noexcept : out_(out) {}

  void add(const tag_entry& e) {
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

 private:
  file_index& out_;
  std::size_t video_config_ = k_npos;  // latest sequence headers: a keyframe's configuration
  std::size_t audio_config_ = k_npos;
  bool seen_media_ = false;
};

// Recover mode: whether the wrong PreviousTagSize at `at` is a muxer's bug rather than a sign
// that DataSize of the tag at `tag` (k_npos: none, it is PreviousTagSize0) is corrupt. It is
// if the file ends after it or a valid tag header (possibly cut short) follows, and it does
// not describe a whole tag inside this tag's data, which a corrupt DataSize would swallow.
bool muxer_bug_likely(byte_view file, std::size_t tag, std::size_t at,
                      std::uint32_t max_data_size) noexcept {
  tag_header h;
  const auto next = parse_tag_header(file.subspan(at + k_previous_size_size), h, max_data_size);
  if (next && next != error::truncated) return false;
  if (tag == k_npos) return true;
  const std::uint32_t actual = decode_previous_size(file.subspan(at));
  const std::size_t data_size = at - tag - k_tag_header_size;
  if (actual < k_tag_header_size || actual > data_size) return true;
  const auto inner = parse_tag_header(file.subspan(at - actual), h, max_data_size);
  return inner || previous_size_for(h.data_size) != actual;
}

// The PreviousTagSize at `at`, after the tag at `tag` (k_npos for PreviousTagSize0), under
// index_options::strict_previous_size and ::recover; tolerated mismatches counted in `out`.
std::error_code check_back_pointer(byte_view file, std::size_t tag, std::size_t at,
                                   std::uint32_t expected, const index_options& options,
                                   file_index& out) noexcept {
  const std::uint32_t actual = decode_previous_size(file.subspan(at));
  const bool strict = options.strict_previous_size;
  if (actual != expected && !strict && options.recover &&
      !muxer_bug_likely(file, tag, at, options.max_data_size))
    return error::flv_previous_size_mismatch;  // DataSize is the likelier culprit
  return check_previous_size(actual, expected, strict, out.previous_size_mismatches);
}

// Walks a file one unit at a time; `pos_` is the offset of the next unit. In recover mode
// each damaged unit is skipped to the next plausible tag.
class indexer {
 public:
  indexer(byte_view file, file_index& out, const index_options& options) noexcept
      : file_(file), out_(out), options_(options), recorder_(out) {}

  std::error_code run() {
    if (auto ec = parse_file_header(file_, out_.header)) return ec;
    if (auto ec = read_previous_size0()) {
      if (!options_.recover) return ec;
      skip_damage();
    }
    while (pos_ < file_.size()) {
      const auto ec = add_tag();
      if (!ec) continue;
      if (!options_.recover || ec == error::limit_exceeded) return ec;
      skip_damage();
    }
    return {};
  }

 private:
  std::error_code read_previous_size0() {  // E.3: always 0
    pos_ = std::min<std::size_t>(out_.header.data_offset, file_.size());
    if (file_.size() - pos_ < k_previous_size_size) return error::truncated;
    if (auto ec = check_back_pointer(file_, k_npos, pos_, 0, options_, out_)) return ec;
    pos_ += k_previous_size_size;
    out_.end_offset = pos_;
    return {};
  }

  std::error_code add_tag() {
    tag_header h;
    if (auto ec = parse_tag_header(file_.subspan(pos_), h, options_.max_data_size)) return ec;
    const std::size_t back = pos_ + k_tag_header_size + h.data_size;  // its PreviousTagSize
    if (file_.size() < back + k_previous_size_size) return error::truncated;
    const std::uint32_t expected = previous_size_for(h.data_size);
    if (auto ec = check_back_pointer(file_, pos_, back, expected, options_, out_)) return ec;
    if (out_.tags.size() >= options_.max_tags) return error::limit_exceeded;
    recorder_.add(make_entry(h, pos_, file_.subspan(pos_ + k_tag_header_size, h.data_size)));
    pos_ = back + k_previous_size_size;
    out_.end_offset = pos_;
    return {};
  }

  void skip_damage() {
    const std::size_t next = find_next_tag(file_, pos_ + 1, options_.max_data_size);
    const std::size_t resume = next == k_npos ? file_.size() : next;
    out_.skipped_bytes += resume - pos_;
    pos_ = resume;
  }

  byte_view file_;
  file_index& out_;
  const index_options& options_;
  tag_recorder recorder_;
  std::size_t pos_ = 0;
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
    if (decode_previous_size(buf.subspan(end)) != previous_size_for(h.data_size)) return false;
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
