// Background rewrite of closed recordings with a seekable onMetaData; docs/recording.md.
#include "recording_finalizer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lectern/shared/amf0.hpp"
#include "lectern/shared/data_message.hpp"
#include "lectern/shared/flv_index.hpp"
#include "lectern/shared/flv_tag.hpp"
#include "lectern/shared/flv_writer.hpp"
#include "mapped_file.hpp"
#include "recording_error.hpp"
#include "recording_io.hpp"

namespace lectern::server {
namespace {

namespace flv = shared::flv;
namespace amf = shared::amf;
using shared::byte_view;
using shared::bytes;

// Output is written in blocks of this size: few system calls, bounded memory.
constexpr std::size_t k_write_block = 1 << 20;

// Fields this rewrite computes; stale copies in the original metadata (an appended file
// finalized before) are dropped.
constexpr std::array<std::string_view, 13> k_computed_fields = {"hasVideo",
                                                                "hasAudio",
                                                                "hasMetadata",
                                                                "hasKeyframes",
                                                                "canSeekToEnd",
                                                                "lasttimestamp",
                                                                "lastkeyframetimestamp",
                                                                "lastkeyframelocation",
                                                                "videosize",
                                                                "audiosize",
                                                                "datasize",
                                                                "metadatacreator",
                                                                "keyframes"};

// What the rewrite keeps of the original: every tag except the onMetaData tags that precede
// the first frame (the first of them supplies the stream's fields; the rest are older copies).
struct plan {
  flv::file_header header;
  std::vector<std::size_t> kept;  // positions in file_index::tags
  shared::rtmp::stream_metadata metadata;
  shared::rtmp::codec_id video_codec, audio_codec;  // from the first frames, when known
};

// The onMetaData object of a script tag, if it is one (E.4.4.1: name, then value).
std::optional<amf::value> on_metadata_of(byte_view data) {
  shared::amf0::decoder d(data);
  amf::value name, value;
  if (d.next(name) || name.as_string() != shared::rtmp::k_on_metadata || d.next(value))
    return std::nullopt;
  return value;
}

shared::rtmp::codec_id codec_of(std::uint32_t fourcc, std::optional<double> legacy) {
  shared::rtmp::codec_id c;
  if (legacy) {
    c.number = legacy;
  } else if (fourcc != 0) {
    for (int shift = 24; shift >= 0; shift -= 8) c.fourcc.push_back(char(fourcc >> shift));
  }
  return c;
}

bool is_set(const shared::rtmp::codec_id& c) {
  return c.number || !c.fourcc.empty();
}

void note_codec(const flv::tag_entry& t, byte_view data, plan& p) {
  if (t.sequence_header) return;  // frames carry the same ids; take the first frame's
  if (t.type == flv::tag_type::video && !is_set(p.video_codec)) {
    flv::video_header v;
    if (!flv::parse_video_header(data, v) && v.has_frames())
      p.video_codec =
          codec_of(v.fourcc, v.enhanced ? std::nullopt : std::optional<double>(v.codec_id));
  } else if (t.type == flv::tag_type::audio && !is_set(p.audio_codec)) {
    flv::audio_header a;
    if (!flv::parse_audio_header(data, a) && !a.silence)
      p.audio_codec =
          codec_of(a.fourcc, a.enhanced ? std::nullopt : std::optional<double>(a.sound_format));
  }
}

plan make_plan(byte_view file, const flv::file_index& index) {
  plan p;
  p.header.has_audio = p.header.has_video = false;  // set by the tags found (E.2 TypeFlags)
  bool seen_media = false, have_metadata = false;
  for (std::size_t i = 0; i < index.tags.size(); ++i) {
    const auto& t = index.tags[i];
    const auto data = flv::file_index::data(t, file);
    if (t.type == flv::tag_type::script && !seen_media) {
      if (auto v = on_metadata_of(data)) {
        if (!have_metadata) have_metadata = !parse_metadata_value(*v, p.metadata);
        continue;
      }
    }
    if (t.type != flv::tag_type::script) seen_media = true;
    if (t.type == flv::tag_type::audio) p.header.has_audio = true;
    if (t.type == flv::tag_type::video) p.header.has_video = true;
    note_codec(t, data, p);
    p.kept.push_back(i);
  }
  return p;
}

double seconds(std::uint32_t ms) {
  return ms / 1000.0;
}

// kbit/s over the recording, as encoders report videodatarate/audiodatarate.
std::optional<double> rate(std::uint64_t data_bytes, std::uint32_t duration_ms) {
  if (duration_ms == 0 || data_bytes == 0) return std::nullopt;
  return double(data_bytes) * 8.0 / double(duration_ms);
}

amf::value keyframes_object(const flv::recording_summary& s) {
  amf::strict_array times, positions;
  for (const auto& k : s.keyframes) {
    times.items.emplace_back(seconds(k.timestamp));
    positions.items.emplace_back(double(k.offset));
  }
  amf::object o;
  o.set("times", std::move(times));
  o.set("filepositions", std::move(positions));
  return o;
}

// The complete onMetaData: the publisher's fields, then what the file itself says. Only
// numbers depend on `s`, so its size is the same for every summary of one plan.
amf::value build_metadata(const plan& p, const flv::recording_summary& s) {
  auto md = p.metadata;
  md.duration = seconds(s.duration_ms);
  md.file_size = double(s.file_size);
  if (!is_set(md.video_codec_id)) md.video_codec_id = p.video_codec;
  if (!is_set(md.audio_codec_id)) md.audio_codec_id = p.audio_codec;
  if (!md.video_data_rate && p.header.has_video)
    md.video_data_rate = rate(s.video_data_size, s.duration_ms);
  if (!md.audio_data_rate && p.header.has_audio)
    md.audio_data_rate = rate(s.audio_data_size, s.duration_ms);
  std::erase_if(md.extra, [](const amf::property& prop) {
    return std::find(k_computed_fields.begin(), k_computed_fields.end(), prop.name) !=
           k_computed_fields.end();
  });
  auto v = shared::rtmp::to_amf(md);
  auto& props = v.get_if<amf::ecma_array>()->properties;
  const auto add = [&props](const char* name, amf::value x) {
    props.push_back({name, std::move(x)});
  };
  add("hasVideo", p.header.has_video);
  add("hasAudio", p.header.has_audio);
  add("hasMetadata", true);
  add("hasKeyframes", !s.keyframes.empty());
  add("canSeekToEnd", s.last_is_keyframe);
  add("lasttimestamp", seconds(s.max_timestamp));
  const auto last_key = s.keyframes.empty() ? flv::keyframe_position{} : s.keyframes.back();
  add("lastkeyframetimestamp", seconds(last_key.timestamp));
  add("lastkeyframelocation", double(last_key.offset));
  add("videosize", double(s.video_data_size));
  add("audiosize", double(s.audio_data_size));
  add("metadatacreator", "Lectern");
  add("keyframes", keyframes_object(s));
  return v;
}

bytes metadata_body(const plan& p, const flv::recording_summary& s) {
  return shared::rtmp::make_on_metadata(build_metadata(p, s), 0).payload;
}

// Frames the kept tags once to learn where each lands, then serialises the metadata with
// positions shifted by the metadata tag itself (flv_writer.hpp, script_tag_footprint).
std::error_code plan_metadata(byte_view file, const flv::file_index& index, const plan& p,
                              bytes& body, flv::recording_summary& summary) {
  flv::writer w(p.header);
  bytes header;
  w.write_file_header(header);
  flv::tag_framing f;
  for (const auto i : p.kept) {
    const auto& t = index.tags[i];
    if (auto ec = w.frame_tag(t.type, t.timestamp, flv::file_index::data(t, file), f)) return ec;
  }
  const auto draft = metadata_body(p, w.summary());
  const auto shift = flv::script_tag_footprint(static_cast<std::uint32_t>(draft.size()));
  summary = w.summary(shift);
  body = metadata_body(p, summary);
  // AMF0 numbers are fixed-size, so this holds; if it did not, every position would be off.
  if (body.size() != draft.size()) return std::make_error_code(std::errc::state_not_recoverable);
  return {};
}

std::error_code write_rewrite(int fd, byte_view file, const flv::file_index& index, const plan& p,
                              byte_view body, std::uint64_t expected_size) {
  flv::writer w(p.header);
  bytes out;
  out.reserve(k_write_block + (64 << 10));
  w.write_file_header(out);
  if (auto ec = w.write_tag(flv::tag_type::script, 0, body, out)) return ec;
  flv::tag_framing f;
  for (const auto i : p.kept) {
    const auto& t = index.tags[i];
    const auto data = flv::file_index::data(t, file);
    if (auto ec = w.frame_tag(t.type, t.timestamp, data, f)) return ec;
    out.insert(out.end(), f.header.begin(), f.header.end());
    out.insert(out.end(), data.begin(), data.end());
    out.insert(out.end(), f.trailer.begin(), f.trailer.end());
    if (out.size() >= k_write_block) {
      if (auto ec = write_all(fd, out)) return ec;
      out.clear();
    }
  }
  if (auto ec = write_all(fd, out)) return ec;
  if (w.bytes_written() != expected_size)
    return std::make_error_code(std::errc::state_not_recoverable);
  return {};
}

std::filesystem::path tmp_path_of(const std::filesystem::path& file) {
  auto tmp = file;
  tmp += ".tmp";
  return tmp;
}

// Writes the rewrite to `<file>.tmp`, makes it durable, and renames it over `file` while
// `locked` (the original, locked) is still what `file` names.
std::error_code replace(const std::filesystem::path& file, int locked, byte_view data,
                        const flv::file_index& index, const plan& p, byte_view body,
                        std::uint64_t size) {
  const auto tmp = tmp_path_of(file);
  unique_fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!out) return last_system_error();
  std::error_code ec = write_rewrite(out.get(), data, index, p, body, size);
  // fsync before rename: otherwise a power cut can leave the new name on empty data.
  if (!ec && ::fsync(out.get()) != 0) ec = last_system_error();
  if (const auto closed = out.close_checked(); !ec) ec = closed;
  if (!ec && !names_same_file(locked, file)) ec = recording_error::file_replaced;
  if (!ec && ::rename(tmp.c_str(), file.c_str()) != 0) ec = last_system_error();
  if (ec) {
    ::unlink(tmp.c_str());
    return ec;
  }
  return sync_directory(file.parent_path());
}

}  // namespace

recording_finalizer::result recording_finalizer::finalize(const std::filesystem::path& file) {
  result r;
  r.file = file;
  const unique_fd fd = open_locked(file, O_RDONLY, r.ec);
  if (r.ec) return r;
  const mapped_file map = mapped_file::map(fd.get(), r.ec);
  if (r.ec) return r;
  flv::file_index index;
  flv::index_options io;
  io.recover = true;  // a recording cut by a crash is finished up to its last whole tag
  if ((r.ec = flv::build_index(map.data(), index, io))) return r;
  const plan p = make_plan(map.data(), index);
  bytes body;
  flv::recording_summary summary;
  if ((r.ec = plan_metadata(map.data(), index, p, body, summary))) return r;
  r.ec = replace(file, fd.get(), map.data(), index, p, body, summary.file_size);
  if (r.ec) return r;
  r.duration_ms = summary.duration_ms;
  r.file_size = summary.file_size;
  r.skipped_bytes = index.skipped_bytes;
  return r;
}

std::error_code recording_finalizer::cleanup(const std::filesystem::path& dir,
                                             std::size_t* removed) {
  namespace fs = std::filesystem;
  std::size_t count = 0;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec == std::errc::no_such_file_or_directory) ec.clear();
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto name = it->path().filename().string();
    constexpr std::string_view k_suffix = ".flv.tmp";
    if (name.size() <= k_suffix.size() || !name.ends_with(k_suffix)) continue;
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    if (fs::remove(it->path(), ec)) ++count;
  }
  if (removed) *removed = count;
  return ec;
}

recording_finalizer::recording_finalizer() : recording_finalizer(options{}) {}

recording_finalizer::recording_finalizer(options o)
    : options_(std::move(o)), thread_([this] { run(); }) {}

recording_finalizer::~recording_finalizer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  thread_.join();
}

std::error_code recording_finalizer::finish(std::filesystem::path file) {
  std::lock_guard lock(mutex_);
  if (stopping_) {
    ++stats_.rejected;
    return recording_error::stopped;
  }
  if (std::find(queue_.begin(), queue_.end(), file) != queue_.end()) return {};
  if (queue_.size() >= options_.max_queue) {
    ++stats_.rejected;
    return recording_error::queue_full;
  }
  queue_.push_back(std::move(file));
  stats_.queued = queue_.size();
  stats_.max_queued = std::max(stats_.max_queued, queue_.size());
  work_.notify_one();
  return {};
}

void recording_finalizer::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

recording_finalizer::stats recording_finalizer::counters() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void recording_finalizer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything queued is finished
    auto file = std::move(queue_.front());
    queue_.pop_front();
    stats_.queued = queue_.size();
    busy_ = true;
    lock.unlock();
    const result r = finalize(file);
    if (options_.on_done) options_.on_done(r);
    lock.lock();
    busy_ = false;
    ++(r.ec ? stats_.failed : stats_.finished);
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace lectern::server
