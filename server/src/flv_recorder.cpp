// FLV recording (FLV spec v10.1 E.2-E.4) of a live stream; docs/recording.md.
#include "flv_recorder.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <limits>
#include <string_view>
#include <utility>

#include "lectern/shared/data_message.hpp"
#include "lectern/shared/error.hpp"
#include "lectern/shared/flv_index.hpp"
#include "mapped_file.hpp"
#include "recording_error.hpp"

namespace lectern::server {
namespace {

namespace flv = shared::flv;
using shared::media_message;

// Audio held back while we cannot tell an audio-only stream from one whose first keyframe is
// late: at most this much audio timeline, or this many frames (about 1.5 s of 44.1 kHz AAC).
constexpr std::uint64_t k_audio_only_wait_ms = 1000;
constexpr std::size_t k_max_pending_audio = 64;

// Fields of the publisher's onMetaData that describe its source rather than our file;
// players believe them (ffprobe shows "duration"), so a growing recording leaves them out.
constexpr std::array<std::string_view, 2> k_source_fields = {"duration", "filesize"};

bool is_source_field(std::string_view name) {
  return std::find(k_source_fields.begin(), k_source_fields.end(), name) != k_source_fields.end();
}

// The onMetaData body to write for `metadata`, without the source fields.
std::error_code metadata_body(const shared::amf::value& metadata, shared::bytes& out) {
  const auto* props = metadata.properties();
  if (props == nullptr) return recording_error::bad_metadata;
  std::vector<shared::amf::property> kept;
  for (const auto& p : *props)
    if (!is_source_field(p.name)) kept.push_back(p);
  shared::amf::value v = metadata;
  if (auto* o = v.get_if<shared::amf::object>()) {
    o->properties = std::move(kept);
  } else {
    v.get_if<shared::amf::ecma_array>()->properties = std::move(kept);  // properties() said so
  }
  out = shared::rtmp::make_on_metadata(v, 0).payload;
  return {};
}

bool same_payload(const shared::shared_bytes& a, const shared::shared_bytes& b) {
  if (a == b) return true;
  return a && b && *a == *b;
}

flv::tag_type tag_type_of(const media_message& m) {
  return m.is_video() ? flv::tag_type::video : flv::tag_type::audio;
}

shared::byte_view payload_of(const media_message& m) {
  return m.payload ? shared::byte_view(*m.payload) : shared::byte_view{};
}

}  // namespace

flv_recorder::flv_recorder(std::filesystem::path file, unique_fd fd, const options& o)
    : path_(std::move(file)), fd_(std::move(fd)), options_(o) {
  buffer_.reserve(options_.flush_bytes + (64 << 10));
}

flv_recorder::~flv_recorder() {
  close();
}

std::unique_ptr<flv_recorder> flv_recorder::open(const std::filesystem::path& file, mode m,
                                                 const options& o, std::error_code& ec) {
  if (file.has_parent_path()) {
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) return nullptr;
  }
  std::unique_ptr<flv_recorder> r(new flv_recorder(file, unique_fd{}, o));
  ec = m == mode::record ? r->open_record() : r->open_append();
  if (ec) {
    r->closed_ = true;  // nothing to flush
    return nullptr;
  }
  return r;
}

// Replaces the file by unlinking it rather than truncating it: VOD players map recordings,
// and shrinking a mapped file makes their reads fault (SIGBUS). The old file's lock is held
// across the unlink so that a finalizer still rewriting it is not overtaken.
std::error_code flv_recorder::open_record() {
  std::error_code ec;
  unique_fd old = open_locked(path_, O_RDONLY, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) return ec;
  if (old && ::unlink(path_.c_str()) != 0 && errno != ENOENT) return last_system_error();
  fd_ = open_locked(path_, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, ec);
  if (ec) return ec;
  writer_.write_file_header(buffer_);
  return {};
}

// Continues after the last complete tag: a tail torn by a crash is cut off (recover mode
// finds the last tag whose PreviousTagSize is intact). The header is kept.
std::error_code flv_recorder::open_append() {
  std::error_code ec;
  fd_ = open_locked(path_, O_RDWR | O_CREAT | O_APPEND, ec);
  if (ec) return ec;
  flv::file_index index;
  std::uint64_t size = 0;
  {
    const mapped_file map = mapped_file::map(fd_.get(), ec);
    if (ec) return ec;
    size = map.size();
    const auto data = map.data();
    flv::index_options io;
    io.recover = true;
    ec = size == 0 ? std::error_code(shared::error::truncated) : flv::build_index(data, index, io);
    // A file cut inside its first 13 bytes is one we created and crashed on: start over. A
    // wrong signature or version is someone else's file: leave it alone.
    if (ec == shared::error::truncated) {
      static constexpr std::array<std::uint8_t, 3> k_signature = {'F', 'L', 'V'};
      const auto n = std::min<std::size_t>(data.size(), k_signature.size());
      if (!std::equal(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n),
                      k_signature.begin()))
        return shared::error::flv_bad_signature;
      index = {};
      ec.clear();
    }
    if (ec) return ec;
  }                             // unmapped before the file may shrink
  if (index.end_offset == 0) {  // no complete header + PreviousTagSize0: rewrite them
    if (size != 0 && ::ftruncate(fd_.get(), 0) != 0) return last_system_error();
    writer_.write_file_header(buffer_);
    return {};
  }
  if (size > index.end_offset && ::ftruncate(fd_.get(), static_cast<off_t>(index.end_offset)) != 0)
    return last_system_error();
  base_size_ = index.end_offset;
  const bool has_media = std::any_of(index.tags.begin(), index.tags.end(),
                                     [](const auto& t) { return t.type != flv::tag_type::script; });
  if (has_media) {
    // 1 ms after the last frame: the new part must not go back in time for any track.
    if (index.max_timestamp == std::numeric_limits<std::uint32_t>::max())
      return recording_error::timestamp_overflow;
    timestamp_offset_ = index.max_timestamp + 1;
    max_timestamp_ = index.max_timestamp;
  }
  return {};
}

std::error_code flv_recorder::write_metadata(const shared::amf::value& metadata) {
  if (closed_ || error_) return error_ ? error_ : recording_error::closed;
  shared::bytes body;
  if (auto ec = metadata_body(metadata, body)) return ec;
  shared::rtmp::stream_metadata md;
  if (!shared::rtmp::parse_metadata_value(metadata, md)) {
    const bool video =
        md.video_codec_id.number || !md.video_codec_id.fourcc.empty() || md.width || md.height;
    const bool audio = md.audio_codec_id.number || !md.audio_codec_id.fourcc.empty();
    expect_video_ = video   ? video_expectation::yes
                    : audio ? video_expectation::no
                            : video_expectation::unknown;
  }
  if (!started_) {
    pending_metadata_ = std::move(body);
    return {};
  }
  if (auto ec = emit_tag(flv::tag_type::script, max_timestamp_, body)) return ec;
  return after_write();
}

std::error_code flv_recorder::write(const media_message& m) {
  if (closed_ || error_) return error_ ? error_ : recording_error::closed;
  if (!m.is_audio() && !m.is_video()) return recording_error::not_media;
  if (m.size() == 0) return {};  // E-RTMP audio silence / empty message: nothing to store
  // What our readers (vod_source, append, the finalizer) accept; a bigger tag would make
  // the rest of the file unreadable to them.
  if (m.size() > flv::k_default_max_data_size) return shared::error::flv_tag_too_large;
  std::error_code ec;
  if (m.sequence_header) {
    ec = write_sequence_header(m);
  } else if (m.is_video()) {
    ec = write_video(m);
  } else {
    ec = write_audio(m);
  }
  if (ec) return ec;
  return after_write();
}

std::error_code flv_recorder::write_sequence_header(const media_message& m) {
  auto& latest = m.is_video() ? video_config_ : audio_config_;
  auto& written = m.is_video() ? written_video_config_ : written_audio_config_;
  latest = m;
  if (m.is_video()) seen_video_ = true;
  // Before the start (and, for video, before its first keyframe) it is only cached: it goes
  // out just ahead of the first frame that needs it.
  if (!started_ || (m.is_video() && !video_synced_)) return {};
  if (same_payload(written, m.payload)) return {};  // publishers resend it unchanged
  written = m.payload;
  return emit_media(m, m.timestamp);
}

std::error_code flv_recorder::write_video(const media_message& m) {
  seen_video_ = true;
  if (!started_) {
    pending_audio_.clear();  // a video stream starts at its keyframe, audio included
    if (!m.keyframe) {
      ++dropped_;
      return {};
    }
    if (auto ec = start(m.timestamp)) return ec;  // metadata and cached headers first
    return emit_media(m, m.timestamp);
  }
  if (!video_synced_) {  // video appeared in a stream that started audio-only
    if (!m.keyframe || m.no_picture) {
      ++dropped_;
      return {};
    }
    video_synced_ = true;
    if (video_config_.payload) {
      written_video_config_ = video_config_.payload;
      if (auto ec = emit_media(video_config_, m.timestamp)) return ec;
    }
  }
  return emit_media(m, m.timestamp);
}

std::error_code flv_recorder::write_audio(const media_message& m) {
  if (started_) return emit_media(m, m.timestamp);
  if (seen_video_ || expect_video_ == video_expectation::yes) {
    ++dropped_;  // before the first keyframe
    return {};
  }
  pending_audio_.push_back(m);
  const auto span = m.timestamp - std::min(m.timestamp, pending_audio_.front().timestamp);
  if (expect_video_ == video_expectation::no || span >= k_audio_only_wait_ms ||
      pending_audio_.size() >= k_max_pending_audio)
    return start_audio_only();
  return {};
}

// Starts the file at a keyframe: metadata, the cached sequence headers, then the keyframe.
std::error_code flv_recorder::start(std::uint64_t live_timestamp) {
  started_ = true;
  video_synced_ = true;
  live_base_ = live_timestamp;
  if (auto ec = emit_pending_metadata()) return ec;
  // Both headers take the keyframe's timestamp: an older one would put the file's first tag
  // before its start.
  if (video_config_.payload) {
    written_video_config_ = video_config_.payload;
    if (auto ec = emit_media(video_config_, live_timestamp)) return ec;
  }
  if (audio_config_.payload) {
    written_audio_config_ = audio_config_.payload;
    if (auto ec = emit_media(audio_config_, live_timestamp)) return ec;
  }
  return {};
}

std::error_code flv_recorder::start_audio_only() {
  started_ = true;
  live_base_ = pending_audio_.front().timestamp;
  if (auto ec = emit_pending_metadata()) return ec;
  if (audio_config_.payload) {
    written_audio_config_ = audio_config_.payload;
    if (auto ec = emit_media(audio_config_, live_base_)) return ec;
  }
  std::error_code first_error;
  for (const auto& a : pending_audio_) {
    const auto ec = emit_media(a, a.timestamp);
    if (!first_error) first_error = ec;
  }
  pending_audio_.clear();
  return first_error;
}

std::error_code flv_recorder::emit_pending_metadata() {
  if (!pending_metadata_) return {};
  const auto body = std::move(*pending_metadata_);
  pending_metadata_.reset();
  return emit_tag(flv::tag_type::script, timestamp_offset_, body);
}

std::error_code flv_recorder::emit_media(const media_message& m, std::uint64_t live_timestamp) {
  std::uint32_t ts = 0;
  if (auto ec = file_timestamp(live_timestamp, ts)) return ec;
  if (auto ec = emit_tag(tag_type_of(m), ts, payload_of(m))) return ec;
  max_timestamp_ = std::max(max_timestamp_, ts);
  return {};
}

std::error_code flv_recorder::emit_tag(flv::tag_type type, std::uint32_t timestamp,
                                       shared::byte_view data) {
  return writer_.write_tag(type, timestamp, data, buffer_);
}

// Live timestamps are 64-bit; a file holds 32 bits of ms (TimestampExtended, E.4.1). A live
// timestamp below the base (audio a few ms ahead of the first keyframe) is clamped to it.
std::error_code flv_recorder::file_timestamp(std::uint64_t live, std::uint32_t& out) const {
  const std::uint64_t rel = live > live_base_ ? live - live_base_ : 0;
  const std::uint64_t ts = std::uint64_t{timestamp_offset_} + rel;
  if (ts > std::numeric_limits<std::uint32_t>::max()) return recording_error::timestamp_overflow;
  out = static_cast<std::uint32_t>(ts);
  return {};
}

std::error_code flv_recorder::after_write() {
  if (buffer_.size() >= options_.flush_bytes) return flush();
  return {};
}

void flv_recorder::tick(std::chrono::steady_clock::time_point now) {
  if (!last_flush_) {
    last_flush_ = now;
    return;
  }
  if (now - *last_flush_ < options_.flush_interval) return;
  last_flush_ = now;
  flush();  // an error is sticky in error_
}

std::error_code flv_recorder::flush() {
  if (error_) return error_;
  if (!fd_ || buffer_.empty()) return {};
  const auto ec = write_all(fd_.get(), buffer_);
  // The buffer holds whole tags; after a failed (possibly partial) write there is no safe
  // place to resume, so the recording stops here and the reader's recover mode will cut off
  // any torn tag.
  base_size_ += buffer_.size();
  buffer_.clear();
  writer_ = flv::writer{};  // keyframe statistics are not needed here; keep memory flat
  if (ec) error_ = ec;
  return ec;
}

std::error_code flv_recorder::close() {
  if (closed_) return error_;
  std::error_code ec;
  if (!error_ && !started_ && !pending_audio_.empty()) ec = start_audio_only();
  if (!error_ && !started_) ec = emit_pending_metadata();
  const auto flushed = flush();
  if (!ec) ec = flushed;
  const auto closed = fd_.close_checked();
  if (!ec) ec = closed;
  if (!error_) error_ = ec;
  closed_ = true;
  return error_;
}

}  // namespace lectern::server
