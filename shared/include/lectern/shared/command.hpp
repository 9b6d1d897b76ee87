// Command messages (RTMP spec 7.1.1, types 20 and 17) and the NetConnection / NetStream
// commands of RTMP spec 7.2: a generic command, typed views with parsers and builders, and
// the status codes the server sends in onStatus and _result/_error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "lectern/shared/amf_value.hpp"
#include "lectern/shared/message.hpp"

namespace lectern::shared::rtmp {

// ---- command names (RTMP spec 7.2, plus the FMS/ffmpeg extensions real clients send) ----
inline constexpr std::string_view k_cmd_connect = "connect";
inline constexpr std::string_view k_cmd_result = "_result";
inline constexpr std::string_view k_cmd_error = "_error";
inline constexpr std::string_view k_cmd_create_stream = "createStream";
inline constexpr std::string_view k_cmd_release_stream = "releaseStream";
inline constexpr std::string_view k_cmd_fc_publish = "FCPublish";
inline constexpr std::string_view k_cmd_fc_unpublish = "FCUnpublish";
inline constexpr std::string_view k_cmd_fc_subscribe = "FCSubscribe";
inline constexpr std::string_view k_cmd_publish = "publish";
inline constexpr std::string_view k_cmd_play = "play";
inline constexpr std::string_view k_cmd_play2 = "play2";
inline constexpr std::string_view k_cmd_pause = "pause";
inline constexpr std::string_view k_cmd_seek = "seek";
inline constexpr std::string_view k_cmd_receive_audio = "receiveAudio";
inline constexpr std::string_view k_cmd_receive_video = "receiveVideo";
inline constexpr std::string_view k_cmd_delete_stream = "deleteStream";
inline constexpr std::string_view k_cmd_close_stream = "closeStream";
inline constexpr std::string_view k_cmd_get_stream_length = "getStreamLength";
inline constexpr std::string_view k_cmd_on_status = "onStatus";
inline constexpr std::string_view k_cmd_on_bw_done = "onBWDone";
inline constexpr std::string_view k_cmd_check_bw = "_checkbw";

// ---- onStatus / _result / _error information objects ----
inline constexpr std::string_view k_level_status = "status";
inline constexpr std::string_view k_level_warning = "warning";
inline constexpr std::string_view k_level_error = "error";

inline constexpr std::string_view k_connect_success = "NetConnection.Connect.Success";
inline constexpr std::string_view k_connect_rejected = "NetConnection.Connect.Rejected";
inline constexpr std::string_view k_connect_closed = "NetConnection.Connect.Closed";
inline constexpr std::string_view k_publish_start = "NetStream.Publish.Start";
inline constexpr std::string_view k_publish_bad_name = "NetStream.Publish.BadName";
inline constexpr std::string_view k_unpublish_success = "NetStream.Unpublish.Success";
inline constexpr std::string_view k_play_reset = "NetStream.Play.Reset";
inline constexpr std::string_view k_play_start = "NetStream.Play.Start";
inline constexpr std::string_view k_play_stop = "NetStream.Play.Stop";
inline constexpr std::string_view k_play_stream_not_found = "NetStream.Play.StreamNotFound";
inline constexpr std::string_view k_play_unpublish_notify = "NetStream.Play.UnpublishNotify";
inline constexpr std::string_view k_play_publish_notify = "NetStream.Play.PublishNotify";
inline constexpr std::string_view k_play_insufficient_bw = "NetStream.Play.InsufficientBW";
inline constexpr std::string_view k_play_failed = "NetStream.Play.Failed";
inline constexpr std::string_view k_data_start = "NetStream.Data.Start";
inline constexpr std::string_view k_pause_notify = "NetStream.Pause.Notify";
inline constexpr std::string_view k_unpause_notify = "NetStream.Unpause.Notify";
inline constexpr std::string_view k_seek_notify = "NetStream.Seek.Notify";
inline constexpr std::string_view k_record_start = "NetStream.Record.Start";
inline constexpr std::string_view k_record_stop = "NetStream.Record.Stop";
inline constexpr std::string_view k_buffer_full = "NetStream.Buffer.Full";
inline constexpr std::string_view k_buffer_empty = "NetStream.Buffer.Empty";

/// What the connect `_result` advertises: the FMS 3.5 identity Flash and ffmpeg expect.
inline constexpr std::string_view k_fms_version = "FMS/3,5,7,7009";
inline constexpr double k_fms_capabilities = 31;
inline constexpr double k_fms_mode = 1;

/// One command message (RTMP spec 7.1.1): name, transaction id, command object (AMF null
/// when the sender put none) and the remaining arguments.
struct command {
  std::string name;
  double transaction_id = 0;
  amf::value command_object = amf::null_t{};
  std::vector<amf::value> args;

  /// Argument `i` after the command object, or nullptr when the sender omitted it.
  const amf::value* arg(std::size_t i) const noexcept {
    return i < args.size() ? &args[i] : nullptr;
  }
};

/// Decodes a type 20 (AMF0) or type 17 (0x00 format byte, then AMF0; RTMP spec 7.1.1)
/// command. Other types are message_unknown_type; AMF errors are returned as they are; a
/// missing or non-string name or non-number transaction id is command_malformed.
std::error_code parse_command(const message& m, command& out, const amf::limits& lim = {});

/// Encodes `c` on chunk stream 3. With amf3 the message is type 17 with the leading 0x00
/// and AMF0 values, as Flash Player sends it.
message make_command(const command& c, std::uint32_t stream_id, bool amf3 = false);

// ---- argument readers shared by the typed parsers (and usable for custom calls) ----
// A null pointer, AMF null or AMF undefined is "absent": required_* then fail, optional_*
// leave `out` unchanged. Any other wrong type is command_malformed: a client that sends a
// number where a stream name belongs is broken, and guessing would hide it.
std::error_code required_string(const amf::value* v, std::string& out);
std::error_code optional_string(const amf::value* v, std::string& out);
std::error_code optional_string(const amf::value* v, std::optional<std::string>& out);
std::error_code required_number(const amf::value* v, double& out);
std::error_code optional_number(const amf::value* v, double& out);
std::error_code optional_number(const amf::value* v, std::optional<double>& out);
std::error_code required_bool(const amf::value* v, bool& out);
std::error_code optional_bool(const amf::value* v, std::optional<bool>& out);

// ---- names with a query string ("room?token=abc", "live?token=abc") ----

/// A name split at its first '?'; query is empty when there is none.
struct name_and_query {
  std::string_view name;
  std::string_view query;
};
name_and_query split_query(std::string_view s) noexcept;
/// The raw (not percent-decoded) value of `key` in "a=1&b=2"; "" for a bare "key".
std::optional<std::string_view> query_param(std::string_view query, std::string_view key) noexcept;

// ---- NetConnection (RTMP spec 7.2.1) ----

/// connect (RTMP spec 7.2.1.1). Optional fields are absent unless the client sent them;
/// command object properties we do not model are kept, in order, in `extra`.
struct connect_command {
  double transaction_id = 1;
  std::string app;                       ///< may carry "?query" (split_query)
  std::optional<std::string> flash_ver;  ///< "flashVer" ("flashver" in the spec's table)
  std::optional<std::string> swf_url;
  std::optional<std::string> tc_url;
  std::optional<bool> fpad;
  std::optional<double> capabilities;
  std::optional<double> audio_codecs;
  std::optional<double> video_codecs;
  std::optional<double> video_function;
  std::optional<std::string> page_url;
  std::optional<double> object_encoding;  ///< 0 = AMF0, 3 = AMF3
  /// Enhanced RTMP "fourCcList" (e.g. "hvc1", "av01"), empty when absent.
  std::vector<std::string> fourcc_list;
  amf::object extra;
  std::vector<amf::value> extra_args;  ///< optional user arguments after the object
};
std::error_code parse_connect(const command& c, connect_command& out);
command to_command(const connect_command& c);

/// The information object of onStatus, _result and _error: level, code, description and
/// whatever else the sender added (details, clientid, objectEncoding, …) in `extra`.
struct status_info {
  std::string level{k_level_status};
  std::string code;
  std::string description;
  amf::object extra;
};
/// Requires an object or ECMA array with string "level" and "code".
std::error_code parse_status_info(const amf::value& v, status_info& out);
amf::value to_amf(const status_info& s);
status_info make_status(std::string_view level, std::string_view code,
                        std::string_view description);

/// _result or _error (RTMP spec 7.2.1.1): the properties object (null for most replies)
/// and the information value (an object, or the stream id for createStream).
struct call_result {
  bool is_error = false;
  double transaction_id = 0;
  amf::value properties = amf::null_t{};
  amf::value information = amf::null_t{};
  std::vector<amf::value> extra_args;
};
/// Accepts _result and _error; a missing information value is AMF null.
std::error_code parse_call_result(const command& c, call_result& out);
command to_command(const call_result& r);

/// The connect `_result` the server sends: fmsVer/capabilities/mode and
/// NetConnection.Connect.Success with the negotiated objectEncoding (0 or 3).
command make_connect_result(double transaction_id, double object_encoding,
                            std::string_view description = "Connection succeeded.");
/// The connect `_error` (NetConnection.Connect.Rejected, level "error").
command make_connect_rejected(double transaction_id, std::string_view description);

command make_create_stream(double transaction_id);
/// `_result(txid, null, stream_id)` (RTMP spec 7.2.1.3).
command make_create_stream_result(double transaction_id, std::uint32_t stream_id);
/// Requires a _result whose information is an integral number in 1..2^32-1.
std::error_code parse_create_stream_result(const command& c, std::uint32_t& stream_id);

command make_check_bw(double transaction_id);
/// onBWDone(0, null), sent by FMS after connect; ffmpeg answers with _checkbw.
command make_on_bw_done();

/// onStatus(0, null, info) (RTMP spec 7.2.2).
struct on_status_command {
  double transaction_id = 0;
  status_info info;
};
std::error_code parse_on_status(const command& c, on_status_command& out);
command to_command(const on_status_command& s);
command make_on_status(const status_info& info);

// ---- NetStream (RTMP spec 7.2.2 and the FMS commands around publish/play) ----

/// Commands whose only argument is a stream name: releaseStream, FCPublish, FCUnpublish,
/// FCSubscribe, getStreamLength. The name may carry "?token=...".
struct stream_name_command {
  double transaction_id = 0;
  std::string stream_name;
};
/// Any command of that shape (the name is not checked); the stream name is required.
std::error_code parse_stream_name_command(const command& c, stream_name_command& out);
command make_release_stream(double transaction_id, std::string_view stream_name);
command make_fc_publish(double transaction_id, std::string_view stream_name);
command make_fc_unpublish(double transaction_id, std::string_view stream_name);
command make_fc_subscribe(double transaction_id, std::string_view stream_name);
command make_get_stream_length(double transaction_id, std::string_view stream_name);

/// Publishing type (RTMP spec 7.2.2.6; appendWithGap is FMS 3.5's addition).
enum class publish_type { live, record, append, append_with_gap };
std::string_view to_string(publish_type t) noexcept;

/// publish (RTMP spec 7.2.2.6). A missing type means "live".
struct publish_command {
  double transaction_id = 0;
  std::string stream_name;
  publish_type type = publish_type::live;
};
std::error_code parse_publish(const command& c, publish_command& out);
command to_command(const publish_command& p);

/// How a play start value selects the source (RTMP spec 7.2.2.1).
enum class play_mode { live_or_recorded, live_only, recorded };

/// play (RTMP spec 7.2.2.1); every argument after the name is optional. `reset` may be
/// sent as a boolean or a number.
struct play_command {
  double transaction_id = 0;
  std::string stream_name;
  double start = -2;     ///< -2 live then recorded, -1 live only, >= 0 recorded from here (ms)
  double duration = -1;  ///< -1 until the end, 0 a single frame, > 0 that many ms
  bool reset = true;
  play_mode mode() const noexcept;
};
std::error_code parse_play(const command& c, play_command& out);
command to_command(const play_command& p);

/// play2 (RTMP spec 7.2.2.2): one NetStreamPlayOptions object. Absent fields keep the
/// NetStreamPlayOptions defaults.
struct play2_command {
  double transaction_id = 0;
  std::string stream_name;
  std::string old_stream_name;
  double start = -2;
  double len = -1;
  double offset = -1;
  std::string transition;  ///< "switch", "swap", "stop", "reset", "append", …
};
std::error_code parse_play2(const command& c, play2_command& out);
command to_command(const play2_command& p);

/// pause (RTMP spec 7.2.2.8): true pauses, false resumes; the stream time in ms.
struct pause_command {
  double transaction_id = 0;
  bool pause = true;
  double milliseconds = 0;
};
std::error_code parse_pause(const command& c, pause_command& out);
command to_command(const pause_command& p);

/// seek (RTMP spec 7.2.2.7).
struct seek_command {
  double transaction_id = 0;
  double milliseconds = 0;
};
std::error_code parse_seek(const command& c, seek_command& out);
command to_command(const seek_command& s);

/// receiveAudio / receiveVideo (RTMP spec 7.2.2.4 / 7.2.2.5).
struct receive_command {
  double transaction_id = 0;
  bool enabled = true;
};
std::error_code parse_receive(const command& c, receive_command& out);
command make_receive_audio(bool enabled);
command make_receive_video(bool enabled);

/// deleteStream (RTMP spec 7.2.2.3).
struct delete_stream_command {
  double transaction_id = 0;
  std::uint32_t stream_id = 0;
};
/// The stream id must be an integral number in 0..2^32-1.
std::error_code parse_delete_stream(const command& c, delete_stream_command& out);
command to_command(const delete_stream_command& d);

command make_close_stream();

}  // namespace lectern::shared::rtmp
