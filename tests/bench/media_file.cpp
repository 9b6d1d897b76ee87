#include "media_file.hpp"

#include <fstream>
#include <iterator>
#include <memory>

#include "lectern/shared/data_message.hpp"
#include "lectern/shared/error.hpp"
#include "lectern/shared/flv_reader.hpp"
#include "send_log.hpp"

namespace lectern::bench {

namespace rtmp = shared::rtmp;

namespace {

// Keeps the onMetaData object of a script tag; other script data is not sent.
void take_metadata(const shared::flv::tag& t, media_file& out) {
  rtmp::message m;
  m.type = static_cast<std::uint8_t>(rtmp::message_type::data_amf0);
  m.payload.assign(t.data.begin(), t.data.end());
  rtmp::data_message d;
  if (rtmp::parse_data(m, d) || d.handler != rtmp::k_on_metadata || d.values.empty()) return;
  if (!out.metadata) out.metadata = std::move(d.values.front());
}

void add_tag(const shared::flv::tag& t, media_file& out, std::uint32_t& first) {
  if (out.tags.empty()) first = t.timestamp;
  media_tag m;
  m.type = t.type == shared::flv::tag_type::audio ? rtmp::message_type::audio
                                                  : rtmp::message_type::video;
  // Timestamps before the first tag's (B-frame reordering in odd files) are clamped to it.
  m.timestamp = t.timestamp >= first ? t.timestamp - first : 0;
  m.payload = std::make_shared<const shared::bytes>(t.data.begin(), t.data.end());
  m.fingerprint = fingerprint(static_cast<std::uint8_t>(m.type), *m.payload);
  out.payload_bytes += t.data.size();
  out.tags.push_back(std::move(m));
}

// One pass lasts until the last tag plus the interval between the last two video tags
// (one frame), so that a loop does not show two frames at the same time.
std::uint32_t loop_length(const std::vector<media_tag>& tags) {
  std::uint32_t last = 0;
  std::uint32_t last_video = 0;
  std::uint32_t frame = 40;
  bool have_video = false;
  for (const auto& t : tags) {
    last = std::max(last, t.timestamp);
    if (t.type != rtmp::message_type::video) continue;
    if (have_video && t.timestamp > last_video) frame = t.timestamp - last_video;
    last_video = t.timestamp;
    have_video = true;
  }
  return last + frame;
}

}  // namespace

std::error_code media_file::load(const std::string& path, media_file& out, std::string& detail) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    detail = "cannot open " + path;
    return std::make_error_code(std::errc::no_such_file_or_directory);
  }
  const shared::bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  shared::flv::reader reader;
  std::error_code ec;
  std::uint32_t first = 0;
  for (std::size_t pos = 0; pos < data.size() && !ec;) {
    pos += reader.put(shared::byte_view(data).subspan(pos), ec);
    if (!reader.has_tag()) continue;
    const auto& t = reader.current();
    if (t.type == shared::flv::tag_type::script)
      take_metadata(t, out);
    else
      add_tag(t, out, first);
  }
  if (!ec) ec = reader.finish();
  if (ec) {
    detail = path + " is not a readable FLV file: " + ec.message();
    return ec;
  }
  if (out.tags.empty()) {
    detail = path + " has no audio or video tags";
    return shared::error::truncated;
  }
  out.loop_ms = loop_length(out.tags);
  return {};
}

}  // namespace lectern::bench
