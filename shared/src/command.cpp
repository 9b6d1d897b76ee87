// The generic command codec, argument readers, query helpers and the NetConnection
// commands (RTMP spec 7.1.1, 7.2.1). NetStream commands are in command_stream.cpp.
#include "lectern/shared/command.hpp"

#include <cmath>
#include <utility>

#include "lectern/shared/amf0.hpp"
#include "lectern/shared/error.hpp"

namespace lectern::shared::rtmp {
namespace {

bool absent(const amf::value* v) noexcept {
  return v == nullptr || v->is_null_or_undefined();
}

// Object and ECMA array are interchangeable in practice: Flash sends objects, ffmpeg and
// OBS send ECMA arrays for metadata, and some clients do the same for command objects.
std::error_code read_fourcc_list(const amf::value& v, std::vector<std::string>& out) {
  const auto* arr = v.get_if<amf::strict_array>();
  if (arr == nullptr) return error::command_malformed;
  std::vector<std::string> list;
  for (const auto& item : arr->items) {
    std::string s;
    if (auto ec = required_string(&item, s)) return ec;
    list.push_back(std::move(s));
  }
  out = std::move(list);
  return {};
}

// Assigns one connect command-object property to its field, or keeps it in `extra`.
std::error_code read_connect_property(const amf::property& p, connect_command& c, bool& has_app) {
  const amf::value* v = &p.val;
  const std::string& n = p.name;
  if (n == "app") {
    has_app = true;
    return required_string(v, c.app);
  }
  // RTMP spec 7.2.1.1's table spells it "flashver"; Flash and ffmpeg send "flashVer".
  if (n == "flashVer" || n == "flashver") return optional_string(v, c.flash_ver);
  if (n == "swfUrl") return optional_string(v, c.swf_url);
  if (n == "tcUrl") return optional_string(v, c.tc_url);
  if (n == "pageUrl") return optional_string(v, c.page_url);
  if (n == "fpad") return optional_bool(v, c.fpad);
  if (n == "capabilities") return optional_number(v, c.capabilities);
  if (n == "audioCodecs") return optional_number(v, c.audio_codecs);
  if (n == "videoCodecs") return optional_number(v, c.video_codecs);
  if (n == "videoFunction") return optional_number(v, c.video_function);
  if (n == "objectEncoding") return optional_number(v, c.object_encoding);
  if (n == "fourCcList") return absent(v) ? std::error_code{} : read_fourcc_list(*v, c.fourcc_list);
  c.extra.properties.push_back(p);
  return {};
}

template <typename T>
void set_if(amf::object& o, const char* name, const std::optional<T>& v) {
  if (v) o.set(name, amf::value(*v));
}

}  // namespace

// ---- generic command ----

std::error_code parse_command(const message& m, command& out, const amf::limits& lim) {
  byte_view p(m.payload);
  if (m.kind() == message_type::command_amf3) {
    // RTMP spec 7.1.1: an AMF3 command starts with a format byte; Flash sends 0x00 and then
    // AMF0 values (switching to AMF3 per value with the AVM+ marker).
    if (p.empty() || p[0] != 0x00) return error::message_malformed;
    p = p.subspan(1);
  } else if (m.kind() != message_type::command_amf0) {
    return error::message_unknown_type;
  }
  std::vector<amf::value> values;
  if (auto ec = amf0::decode_all(p, values, lim)) return ec;
  command c;
  if (values.size() < 2) return error::command_malformed;
  const auto name = values[0].as_string();
  const auto txid = values[1].as_number();
  if (!name || !txid) return error::command_malformed;
  c.name = std::string(*name);
  c.transaction_id = *txid;
  if (values.size() > 2) c.command_object = std::move(values[2]);
  if (values.size() > 3) {
    c.args.assign(std::make_move_iterator(values.begin() + 3),
                  std::make_move_iterator(values.end()));
  }
  out = std::move(c);
  return {};
}

message make_command(const command& c, std::uint32_t stream_id, bool amf3) {
  message m;
  m.chunk_stream_id = k_csid_command;
  m.type =
      static_cast<std::uint8_t>(amf3 ? message_type::command_amf3 : message_type::command_amf0);
  m.stream_id = stream_id;
  if (amf3) m.payload.push_back(0x00);  // RTMP spec 7.1.1 format byte
  // One encode_all for the whole message: the AMF3 reference tables behind its AVM+
  // switches are per message on both our sides (see amf0.hpp), so values encoded apart
  // would carry references the decoder resolves against the wrong entries.
  std::vector<amf::value> values;
  values.reserve(3 + c.args.size());
  values.emplace_back(c.name);
  values.emplace_back(c.transaction_id);
  values.push_back(c.command_object);
  values.insert(values.end(), c.args.begin(), c.args.end());
  amf0::encode_all(values, m.payload);
  return m;
}

// ---- argument readers ----

std::error_code required_string(const amf::value* v, std::string& out) {
  if (absent(v)) return error::command_malformed;
  return optional_string(v, out);
}

std::error_code optional_string(const amf::value* v, std::string& out) {
  if (absent(v)) return {};
  const auto s = v->as_string();
  if (!s) return error::command_malformed;
  out = std::string(*s);
  return {};
}

std::error_code optional_string(const amf::value* v, std::optional<std::string>& out) {
  std::string s;
  if (absent(v)) return {};
  if (auto ec = optional_string(v, s)) return ec;
  out = std::move(s);
  return {};
}

std::error_code required_number(const amf::value* v, double& out) {
  if (absent(v)) return error::command_malformed;
  return optional_number(v, out);
}

std::error_code optional_number(const amf::value* v, double& out) {
  if (absent(v)) return {};
  const auto d = v->as_number();
  if (!d) return error::command_malformed;
  out = *d;
  return {};
}

std::error_code optional_number(const amf::value* v, std::optional<double>& out) {
  double d = 0;
  if (absent(v)) return {};
  if (auto ec = optional_number(v, d)) return ec;
  out = d;
  return {};
}

std::error_code required_bool(const amf::value* v, bool& out) {
  if (absent(v)) return error::command_malformed;
  const auto* b = v->get_if<bool>();
  if (b == nullptr) return error::command_malformed;
  out = *b;
  return {};
}

std::error_code optional_bool(const amf::value* v, std::optional<bool>& out) {
  if (absent(v)) return {};
  bool b = false;
  if (auto ec = required_bool(v, b)) return ec;
  out = b;
  return {};
}

// ---- query strings ----

name_and_query split_query(std::string_view s) noexcept {
  const auto q = s.find('?');
  if (q == std::string_view::npos) return {s, {}};
  return {s.substr(0, q), s.substr(q + 1)};
}

std::optional<std::string_view> query_param(std::string_view query, std::string_view key) noexcept {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// ---- connect ----

std::error_code parse_connect(const command& c, connect_command& out) {
  if (c.name != k_cmd_connect) return error::command_malformed;
  const auto* props = c.command_object.properties();
  if (props == nullptr) return error::command_malformed;  // RTMP spec 7.2.1.1: required
  connect_command r;
  r.transaction_id = c.transaction_id;
  bool has_app = false;
  for (const auto& p : *props)
    if (auto ec = read_connect_property(p, r, has_app)) return ec;
  if (!has_app) return error::command_malformed;  // the app is how a connection is routed
  r.extra_args = c.args;
  out = std::move(r);
  return {};
}

command to_command(const connect_command& c) {
  amf::object o;
  o.set("app", c.app);
  set_if(o, "flashVer", c.flash_ver);
  set_if(o, "swfUrl", c.swf_url);
  set_if(o, "tcUrl", c.tc_url);
  set_if(o, "fpad", c.fpad);
  set_if(o, "capabilities", c.capabilities);
  set_if(o, "audioCodecs", c.audio_codecs);
  set_if(o, "videoCodecs", c.video_codecs);
  set_if(o, "videoFunction", c.video_function);
  set_if(o, "pageUrl", c.page_url);
  set_if(o, "objectEncoding", c.object_encoding);
  if (!c.fourcc_list.empty()) {
    amf::strict_array list;
    for (const auto& f : c.fourcc_list) list.items.emplace_back(f);
    o.set("fourCcList", std::move(list));
  }
  for (const auto& p : c.extra.properties) o.properties.push_back(p);
  return command{std::string(k_cmd_connect), c.transaction_id, std::move(o), c.extra_args};
}

// ---- status information, _result / _error ----

std::error_code parse_status_info(const amf::value& v, status_info& out) {
  const auto* props = v.properties();
  if (props == nullptr) return error::command_malformed;
  status_info s;
  bool has_level = false;
  bool has_code = false;
  for (const auto& p : *props) {
    std::error_code ec;
    if (p.name == "level") {
      has_level = true;
      ec = required_string(&p.val, s.level);
    } else if (p.name == "code") {
      has_code = true;
      ec = required_string(&p.val, s.code);
    } else if (p.name == "description") {
      ec = optional_string(&p.val, s.description);
    } else {
      s.extra.properties.push_back(p);
    }
    if (ec) return ec;
  }
  if (!has_level || !has_code) return error::command_malformed;
  out = std::move(s);
  return {};
}

amf::value to_amf(const status_info& s) {
  amf::object o;
  o.set("level", s.level);
  o.set("code", s.code);
  o.set("description", s.description);
  for (const auto& p : s.extra.properties) o.properties.push_back(p);
  return o;
}

status_info make_status(std::string_view level, std::string_view code,
                        std::string_view description) {
  return status_info{std::string(level), std::string(code), std::string(description), {}};
}

std::error_code parse_call_result(const command& c, call_result& out) {
  const bool is_error = c.name == k_cmd_error;
  if (!is_error && c.name != k_cmd_result) return error::command_malformed;
  call_result r;
  r.is_error = is_error;
  r.transaction_id = c.transaction_id;
  r.properties = c.command_object;
  if (!c.args.empty()) {
    r.information = c.args.front();
    r.extra_args.assign(c.args.begin() + 1, c.args.end());
  }
  out = std::move(r);
  return {};
}

command to_command(const call_result& r) {
  command c{
      std::string(r.is_error ? k_cmd_error : k_cmd_result), r.transaction_id, r.properties, {}};
  c.args.reserve(1 + r.extra_args.size());
  c.args.push_back(r.information);
  c.args.insert(c.args.end(), r.extra_args.begin(), r.extra_args.end());
  return c;
}

command make_connect_result(double transaction_id, double object_encoding,
                            std::string_view description) {
  amf::object props;
  props.set("fmsVer", k_fms_version);
  props.set("capabilities", k_fms_capabilities);
  props.set("mode", k_fms_mode);
  status_info info = make_status(k_level_status, k_connect_success, description);
  info.extra.set("objectEncoding", object_encoding);
  return to_command(call_result{false, transaction_id, std::move(props), to_amf(info), {}});
}

command make_connect_rejected(double transaction_id, std::string_view description) {
  status_info info = make_status(k_level_error, k_connect_rejected, description);
  return to_command(call_result{true, transaction_id, amf::null_t{}, to_amf(info), {}});
}

// ---- createStream, bandwidth check ----

command make_create_stream(double transaction_id) {
  return command{std::string(k_cmd_create_stream), transaction_id, amf::null_t{}, {}};
}

command make_create_stream_result(double transaction_id, std::uint32_t stream_id) {
  return to_command(
      call_result{false, transaction_id, amf::null_t{}, static_cast<double>(stream_id), {}});
}

std::error_code parse_create_stream_result(const command& c, std::uint32_t& stream_id) {
  if (c.name != k_cmd_result) return error::command_malformed;
  double d = 0;
  if (auto ec = required_number(c.arg(0), d)) return ec;
  // Stream 0 is the control stream (RTMP spec 6.2); a created stream is never 0.
  if (!(d >= 1 && d <= 4294967295.0) || std::floor(d) != d) return error::command_malformed;
  stream_id = static_cast<std::uint32_t>(d);
  return {};
}

command make_check_bw(double transaction_id) {
  return command{std::string(k_cmd_check_bw), transaction_id, amf::null_t{}, {}};
}

command make_on_bw_done() {
  return command{std::string(k_cmd_on_bw_done), 0, amf::null_t{}, {}};
}

// ---- onStatus ----

std::error_code parse_on_status(const command& c, on_status_command& out) {
  if (c.name != k_cmd_on_status) return error::command_malformed;
  // The info object is the first argument; a few servers put it in the command object
  // slot instead, which costs nothing to accept.
  const amf::value* info = c.arg(0);
  if (info == nullptr) info = &c.command_object;
  on_status_command s;
  s.transaction_id = c.transaction_id;
  if (auto ec = parse_status_info(*info, s.info)) return ec;
  out = std::move(s);
  return {};
}

command to_command(const on_status_command& s) {
  return command{std::string(k_cmd_on_status), s.transaction_id, amf::null_t{}, {to_amf(s.info)}};
}

command make_on_status(const status_info& info) {
  return to_command(on_status_command{0, info});
}

}  // namespace lectern::shared::rtmp
