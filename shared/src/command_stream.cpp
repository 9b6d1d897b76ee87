// NetStream commands (RTMP spec 7.2.2) and the FMS-era commands around publish and play.
#include <cmath>

#include "lectern/shared/command.hpp"
#include "lectern/shared/error.hpp"

namespace lectern::shared::rtmp {
namespace {

command stream_command(std::string_view name, double transaction_id) {
  return command{std::string(name), transaction_id, amf::null_t{}, {}};
}

command name_command(std::string_view name, double transaction_id, std::string_view stream) {
  command c = stream_command(name, transaction_id);
  c.args.emplace_back(stream);
  return c;
}

const amf::value* find(const std::vector<amf::property>& props, std::string_view name) noexcept {
  for (const auto& p : props)
    if (p.name == name) return &p.val;
  return nullptr;
}

bool parse_publish_type(std::string_view s, publish_type& t) noexcept {
  for (auto candidate : {publish_type::live, publish_type::record, publish_type::append,
                         publish_type::append_with_gap}) {
    if (s == to_string(candidate)) {
      t = candidate;
      return true;
    }
  }
  return false;
}

// RTMP spec 7.2.2.1: "Reset" is "an optional Boolean value or number".
std::error_code read_reset(const amf::value* v, bool& out) {
  if (v == nullptr || v->is_null_or_undefined()) return {};
  if (const auto* b = v->get_if<bool>()) {
    out = *b;
    return {};
  }
  if (const auto d = v->as_number()) {
    out = *d != 0;
    return {};
  }
  return error::command_malformed;
}

}  // namespace

// ---- stream-name commands ----

std::error_code parse_stream_name_command(const command& c, stream_name_command& out) {
  stream_name_command r;
  r.transaction_id = c.transaction_id;
  if (auto ec = required_string(c.arg(0), r.stream_name)) return ec;
  out = std::move(r);
  return {};
}

command make_release_stream(double transaction_id, std::string_view stream_name) {
  return name_command(k_cmd_release_stream, transaction_id, stream_name);
}
command make_fc_publish(double transaction_id, std::string_view stream_name) {
  return name_command(k_cmd_fc_publish, transaction_id, stream_name);
}
command make_fc_unpublish(double transaction_id, std::string_view stream_name) {
  return name_command(k_cmd_fc_unpublish, transaction_id, stream_name);
}
command make_fc_subscribe(double transaction_id, std::string_view stream_name) {
  return name_command(k_cmd_fc_subscribe, transaction_id, stream_name);
}
command make_get_stream_length(double transaction_id, std::string_view stream_name) {
  return name_command(k_cmd_get_stream_length, transaction_id, stream_name);
}

// ---- publish ----

std::string_view to_string(publish_type t) noexcept {
  switch (t) {
    case publish_type::live:
      return "live";
    case publish_type::record:
      return "record";
    case publish_type::append:
      return "append";
    case publish_type::append_with_gap:
      return "appendWithGap";
  }
  return "live";
}

std::error_code parse_publish(const command& c, publish_command& out) {
  if (c.name != k_cmd_publish) return error::command_malformed;
  publish_command r;
  r.transaction_id = c.transaction_id;
  if (auto ec = required_string(c.arg(0), r.stream_name)) return ec;
  std::string type;
  if (auto ec = optional_string(c.arg(1), type)) return ec;
  // A missing type means "live" (some encoders send only the name); an unknown one is
  // refused rather than guessed, since record/append decide whether we write to disk.
  if (!type.empty() && !parse_publish_type(type, r.type)) return error::command_malformed;
  out = std::move(r);
  return {};
}

command to_command(const publish_command& p) {
  command c = name_command(k_cmd_publish, p.transaction_id, p.stream_name);
  c.args.emplace_back(to_string(p.type));
  return c;
}

// ---- play ----

play_mode play_command::mode() const noexcept {
  if (start >= 0) return play_mode::recorded;
  // ffmpeg sends its -rtmp_live option (-2 any, -1 live, 0 recorded) multiplied by 1000.
  if (start == -1 || start == -1000) return play_mode::live_only;
  return play_mode::live_or_recorded;
}

std::error_code parse_play(const command& c, play_command& out) {
  if (c.name != k_cmd_play) return error::command_malformed;
  play_command r;
  r.transaction_id = c.transaction_id;
  if (auto ec = required_string(c.arg(0), r.stream_name)) return ec;
  if (auto ec = optional_number(c.arg(1), r.start)) return ec;
  if (auto ec = optional_number(c.arg(2), r.duration)) return ec;
  if (auto ec = read_reset(c.arg(3), r.reset)) return ec;
  out = std::move(r);
  return {};
}

command to_command(const play_command& p) {
  command c = name_command(k_cmd_play, p.transaction_id, p.stream_name);
  c.args.emplace_back(p.start);
  c.args.emplace_back(p.duration);
  c.args.emplace_back(p.reset);
  return c;
}

// ---- play2 ----

std::error_code parse_play2(const command& c, play2_command& out) {
  if (c.name != k_cmd_play2) return error::command_malformed;
  const amf::value* params = c.arg(0);
  const auto* props = params ? params->properties() : nullptr;
  if (props == nullptr) return error::command_malformed;
  play2_command r;
  r.transaction_id = c.transaction_id;
  std::error_code ec;
  if ((ec = required_string(find(*props, "streamName"), r.stream_name)) ||
      (ec = optional_string(find(*props, "oldStreamName"), r.old_stream_name)) ||
      (ec = optional_number(find(*props, "start"), r.start)) ||
      (ec = optional_number(find(*props, "len"), r.len)) ||
      (ec = optional_number(find(*props, "offset"), r.offset)) ||
      (ec = optional_string(find(*props, "transition"), r.transition)))
    return ec;
  out = std::move(r);
  return {};
}

command to_command(const play2_command& p) {
  amf::object o;
  o.set("streamName", p.stream_name);
  if (!p.old_stream_name.empty()) o.set("oldStreamName", p.old_stream_name);
  o.set("start", p.start);
  o.set("len", p.len);
  o.set("offset", p.offset);
  if (!p.transition.empty()) o.set("transition", p.transition);
  command c = stream_command(k_cmd_play2, p.transaction_id);
  c.args.emplace_back(std::move(o));
  return c;
}

// ---- pause, seek, receiveAudio/receiveVideo ----

std::error_code parse_pause(const command& c, pause_command& out) {
  if (c.name != k_cmd_pause) return error::command_malformed;
  pause_command r;
  r.transaction_id = c.transaction_id;
  if (auto ec = required_bool(c.arg(0), r.pause)) return ec;
  if (auto ec = optional_number(c.arg(1), r.milliseconds)) return ec;
  out = r;
  return {};
}

command to_command(const pause_command& p) {
  command c = stream_command(k_cmd_pause, p.transaction_id);
  c.args.emplace_back(p.pause);
  c.args.emplace_back(p.milliseconds);
  return c;
}

std::error_code parse_seek(const command& c, seek_command& out) {
  if (c.name != k_cmd_seek) return error::command_malformed;
  seek_command r;
  r.transaction_id = c.transaction_id;
  if (auto ec = required_number(c.arg(0), r.milliseconds)) return ec;
  out = r;
  return {};
}

command to_command(const seek_command& s) {
  command c = stream_command(k_cmd_seek, s.transaction_id);
  c.args.emplace_back(s.milliseconds);
  return c;
}

std::error_code parse_receive(const command& c, receive_command& out) {
  if (c.name != k_cmd_receive_audio && c.name != k_cmd_receive_video)
    return error::command_malformed;
  receive_command r;
  r.transaction_id = c.transaction_id;
  if (auto ec = required_bool(c.arg(0), r.enabled)) return ec;
  out = r;
  return {};
}

command make_receive_audio(bool enabled) {
  command c = stream_command(k_cmd_receive_audio, 0);
  c.args.emplace_back(enabled);
  return c;
}

command make_receive_video(bool enabled) {
  command c = stream_command(k_cmd_receive_video, 0);
  c.args.emplace_back(enabled);
  return c;
}

// ---- deleteStream, closeStream ----

std::error_code parse_delete_stream(const command& c, delete_stream_command& out) {
  if (c.name != k_cmd_delete_stream) return error::command_malformed;
  double d = 0;
  if (auto ec = required_number(c.arg(0), d)) return ec;
  if (!(d >= 0 && d <= 4294967295.0) || std::floor(d) != d) return error::command_malformed;
  out = delete_stream_command{c.transaction_id, static_cast<std::uint32_t>(d)};
  return {};
}

command to_command(const delete_stream_command& d) {
  command c = stream_command(k_cmd_delete_stream, d.transaction_id);
  c.args.emplace_back(static_cast<double>(d.stream_id));
  return c;
}

command make_close_stream() {
  return stream_command(k_cmd_close_stream, 0);
}

}  // namespace lectern::shared::rtmp
