// Data messages (RTMP spec 7.1.2): generic codec, onMetaData, @setDataFrame and
// |RtmpSampleAccess. Aggregates and shared objects are in data_message_*.cpp.
#include "lectern/shared/data_message.hpp"

#include <cmath>

#include "lectern/shared/amf0.hpp"
#include "lectern/shared/error.hpp"

namespace lectern::shared::rtmp {
namespace {

constexpr std::uint8_t k_amf0_string_marker = 0x02;

message data_message_of(bytes payload, std::uint32_t stream_id, bool amf3) {
  message m;
  m.chunk_stream_id = k_csid_data;
  m.type = static_cast<std::uint8_t>(amf3 ? message_type::data_amf3 : message_type::data_amf0);
  m.stream_id = stream_id;
  m.payload = std::move(payload);
  return m;
}

// A FourCC sent as a number is the big-endian value of its four characters ('hvc1' =
// 0x68766331, Enhanced RTMP); legacy ids are small numbers and stay numbers only.
std::string fourcc_of_number(double d) {
  if (!(d >= 0x01000000 && d <= 0xFFFFFFFF) || std::floor(d) != d) return {};
  const auto v = static_cast<std::uint32_t>(d);
  std::string s;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const char c = static_cast<char>((v >> shift) & 0xFF);
    if (c < 0x20 || c > 0x7E) return {};
    s.push_back(c);
  }
  return s;
}

bool read_codec(const amf::value& v, codec_id& out) {
  if (const auto d = v.as_number()) {
    out = codec_id{*d, fourcc_of_number(*d)};
    return true;
  }
  if (const auto s = v.as_string(); s && s->size() == 4) {
    out = codec_id{std::nullopt, std::string(*s)};
    return true;
  }
  return false;
}

bool read_opt(const amf::value& v, std::optional<double>& out) {
  const auto d = v.as_number();
  if (!d) return false;
  out = *d;
  return true;
}

bool read_opt(const amf::value& v, std::optional<bool>& out) {
  const auto* b = v.get_if<bool>();
  if (b == nullptr) return false;
  out = *b;
  return true;
}

bool read_opt(const amf::value& v, std::optional<std::string>& out) {
  const auto s = v.as_string();
  if (!s) return false;
  out = std::string(*s);
  return true;
}

// Stores one onMetaData property in its field; false when it is not modelled or has a
// type we do not accept for that field.
bool read_metadata_property(const amf::property& p, stream_metadata& md) {
  const std::string& n = p.name;
  const amf::value& v = p.val;
  if (n == "duration") return read_opt(v, md.duration);
  if (n == "width") return read_opt(v, md.width);
  if (n == "height") return read_opt(v, md.height);
  if (n == "videodatarate") return read_opt(v, md.video_data_rate);
  if (n == "framerate") return read_opt(v, md.framerate);
  if (n == "videocodecid") return read_codec(v, md.video_codec_id);
  if (n == "audiodatarate") return read_opt(v, md.audio_data_rate);
  if (n == "audiosamplerate") return read_opt(v, md.audio_sample_rate);
  if (n == "audiosamplesize") return read_opt(v, md.audio_sample_size);
  if (n == "stereo") return read_opt(v, md.stereo);
  if (n == "audiocodecid") return read_codec(v, md.audio_codec_id);
  if (n == "encoder") return read_opt(v, md.encoder);
  if (n == "filesize") return read_opt(v, md.file_size);
  return false;
}

template <typename T>
void put(amf::ecma_array& a, const char* name, const std::optional<T>& v) {
  if (v) a.properties.push_back({name, amf::value(*v)});
}

void put_codec(amf::ecma_array& a, const char* name, const codec_id& c) {
  if (c.number) {
    a.properties.push_back({name, amf::value(*c.number)});
  } else if (!c.fourcc.empty()) {
    a.properties.push_back({name, amf::value(c.fourcc)});
  }
}

}  // namespace

std::error_code data_body(const message& m, byte_view& body) {
  byte_view p(m.payload);
  if (m.kind() == message_type::data_amf3) {
    if (!p.empty() && p[0] == 0x00) p = p.subspan(1);
  } else if (m.kind() != message_type::data_amf0) {
    return error::message_unknown_type;
  }
  body = p;
  return {};
}

std::error_code parse_data(const message& m, data_message& out, const amf::limits& lim) {
  byte_view body;
  if (auto ec = data_body(m, body)) return ec;
  std::vector<amf::value> values;
  if (auto ec = amf0::decode_all(body, values, lim)) return ec;
  if (values.empty() || !values.front().as_string()) return error::message_malformed;
  data_message d;
  d.handler = std::string(*values.front().as_string());
  d.values.assign(std::make_move_iterator(values.begin() + 1),
                  std::make_move_iterator(values.end()));
  out = std::move(d);
  return {};
}

message make_data(const data_message& d, std::uint32_t stream_id, bool amf3) {
  bytes payload;
  if (amf3) payload.push_back(0x00);
  // One encode_all for the whole message, as in make_command (shared AMF3 tables).
  std::vector<amf::value> values;
  values.reserve(1 + d.values.size());
  values.emplace_back(d.handler);
  values.insert(values.end(), d.values.begin(), d.values.end());
  amf0::encode_all(values, payload);
  return data_message_of(std::move(payload), stream_id, amf3);
}

// ---- onMetaData ----

std::error_code parse_metadata_value(const amf::value& v, stream_metadata& out) {
  const std::vector<amf::property>* props = nullptr;
  if (const auto* o = v.get_if<amf::object>()) props = &o->properties;
  if (const auto* a = v.get_if<amf::ecma_array>()) props = &a->properties;
  if (props == nullptr) return error::message_malformed;
  stream_metadata md;
  for (const auto& p : *props)
    if (!read_metadata_property(p, md)) md.extra.push_back(p);
  out = std::move(md);
  return {};
}

std::error_code parse_metadata(const message& m, stream_metadata& out, const amf::limits& lim) {
  data_message d;
  if (auto ec = parse_data(m, d, lim)) return ec;
  std::size_t i = 0;
  if (d.handler == k_set_data_frame) {
    if (d.values.empty() || d.values[0].as_string() != k_on_metadata)
      return error::message_malformed;
    i = 1;
  } else if (d.handler != k_on_metadata) {
    return error::message_malformed;
  }
  if (i >= d.values.size()) return error::message_malformed;
  return parse_metadata_value(d.values[i], out);
}

amf::value to_amf(const stream_metadata& md) {
  amf::ecma_array a;
  put(a, "duration", md.duration);
  put(a, "width", md.width);
  put(a, "height", md.height);
  put(a, "videodatarate", md.video_data_rate);
  put(a, "framerate", md.framerate);
  put_codec(a, "videocodecid", md.video_codec_id);
  put(a, "audiodatarate", md.audio_data_rate);
  put(a, "audiosamplerate", md.audio_sample_rate);
  put(a, "audiosamplesize", md.audio_sample_size);
  put(a, "stereo", md.stereo);
  put_codec(a, "audiocodecid", md.audio_codec_id);
  put(a, "encoder", md.encoder);
  put(a, "filesize", md.file_size);
  a.properties.insert(a.properties.end(), md.extra.begin(), md.extra.end());
  return a;
}

message make_set_data_frame(const amf::value& metadata, std::uint32_t stream_id) {
  return make_data(data_message{std::string(k_set_data_frame), {k_on_metadata, metadata}},
                   stream_id);
}

message make_on_metadata(const amf::value& metadata, std::uint32_t stream_id) {
  return make_data(data_message{std::string(k_on_metadata), {metadata}}, stream_id);
}

std::error_code strip_set_data_frame(const message& in, message& out, const amf::limits& lim) {
  byte_view body;
  if (auto ec = data_body(in, body)) return ec;
  std::vector<amf::value> values;
  if (auto ec = amf0::decode_all(body, values, lim)) return ec;
  if (values.size() < 2 || values[0].as_string() != k_set_data_frame || !values[1].as_string())
    return error::message_malformed;
  bytes payload;
  if (body[0] == k_amf0_string_marker) {
    // A plain AMF0 string is not counted by any reference table, so the bytes after it
    // decode to the same values on their own: keep them exactly as the publisher sent.
    const std::size_t first = 3 + k_set_data_frame.size();
    payload.assign(body.begin() + static_cast<std::ptrdiff_t>(first), body.end());
  } else {
    // "@setDataFrame" itself was sent behind an AVM+ switch (or as a long string): the
    // remaining bytes may refer to it, so re-encode the values instead.
    amf0::encode_all(std::span<const amf::value>(values).subspan(1), payload);
  }
  message m = data_message_of(std::move(payload), in.stream_id, false);
  m.chunk_stream_id = in.chunk_stream_id;
  m.timestamp = in.timestamp;
  out = std::move(m);
  return {};
}

message make_sample_access(bool audio, bool video, std::uint32_t stream_id) {
  return make_data(data_message{std::string(k_sample_access), {audio, video}}, stream_id);
}

}  // namespace lectern::shared::rtmp
