// Data messages (RTMP spec 7.1.2, types 18/15) with onMetaData and |RtmpSampleAccess,
// aggregate messages (RTMP spec 7.1.6, type 22) and shared object messages (RTMP spec
// 7.1.3, types 19/16). No I/O; every length read from the wire is checked.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "lectern/shared/amf_value.hpp"
#include "lectern/shared/bytes.hpp"
#include "lectern/shared/message.hpp"

namespace lectern::shared::rtmp {

// ---- data messages ----

inline constexpr std::string_view k_set_data_frame = "@setDataFrame";
inline constexpr std::string_view k_clear_data_frame = "@clearDataFrame";
inline constexpr std::string_view k_on_metadata = "onMetaData";
inline constexpr std::string_view k_sample_access = "|RtmpSampleAccess";

/// A data message: the handler name (first value) and the values after it.
struct data_message {
  std::string handler;
  std::vector<amf::value> values;
};

/// The AMF0 body of a type 18 or 15 message. Type 15 (AMF3 data) is sent by Flash with a
/// leading 0x00 format byte, as for commands (RTMP spec 7.1.1), although RTMP spec 7.1.2
/// does not say so; a data message always starts with a string (marker 0x02), so the byte
/// is skipped when present and a body without it is accepted too.
std::error_code data_body(const message& m, byte_view& body);

/// Decodes a data message; the first value must be a string.
std::error_code parse_data(const message& m, data_message& out, const amf::limits& lim = {});
/// Encodes on chunk stream 5 with timestamp 0; with amf3, type 15 with the leading 0x00.
message make_data(const data_message& d, std::uint32_t stream_id, bool amf3 = false);

/// A codec id from onMetaData: the FLV number (7 = AVC, 10 = AAC) or, for Enhanced RTMP,
/// a FourCC ("hvc1", "av01", "Opus"), which encoders send as a string or as the
/// big-endian 32-bit number.
struct codec_id {
  std::optional<double> number;  ///< when sent as a number
  std::string fourcc;            ///< when sent as a 4-character string or FourCC number
  bool operator==(const codec_id&) const = default;
};

/// The onMetaData fields the server and clients use. Metadata is advisory, so a field of
/// the wrong type is not an error: it is left unset and kept in `extra` with the fields
/// that are not modelled, in the order sent.
struct stream_metadata {
  std::optional<double> duration;
  std::optional<double> width;
  std::optional<double> height;
  std::optional<double> video_data_rate;  ///< "videodatarate", kbit/s
  std::optional<double> framerate;
  codec_id video_codec_id;                ///< "videocodecid"
  std::optional<double> audio_data_rate;  ///< "audiodatarate", kbit/s
  std::optional<double> audio_sample_rate;
  std::optional<double> audio_sample_size;
  std::optional<bool> stereo;
  codec_id audio_codec_id;  ///< "audiocodecid"
  std::optional<std::string> encoder;
  std::optional<double> file_size;  ///< "filesize"
  std::vector<amf::property> extra;
};

/// Reads metadata from an object or ECMA array (anything else is message_malformed).
std::error_code parse_metadata_value(const amf::value& v, stream_metadata& out);
/// Reads "onMetaData", obj or "@setDataFrame", "onMetaData", obj.
std::error_code parse_metadata(const message& m, stream_metadata& out, const amf::limits& lim = {});
/// The ECMA array encoders send: modelled fields that are set, then `extra`.
amf::value to_amf(const stream_metadata& md);

/// "@setDataFrame", "onMetaData", metadata: what a publisher sends.
message make_set_data_frame(const amf::value& metadata, std::uint32_t stream_id);
/// "onMetaData", metadata: what a subscriber receives.
message make_on_metadata(const amf::value& metadata, std::uint32_t stream_id);

/// Turns a publisher's "@setDataFrame", handler, values… (type 18 or 15) into the type 18
/// "handler, values…" message subscribers receive and the server stores. The whole body is
/// validated; the bytes after the first value are kept as sent. A message that does not
/// start with "@setDataFrame" followed by a string is message_malformed.
std::error_code strip_set_data_frame(const message& in, message& out, const amf::limits& lim = {});

/// "|RtmpSampleAccess", audio, video: FMS sends (false, false) before play starts; true
/// lets the player read samples (BitmapData.draw, SoundMixer.computeSpectrum).
message make_sample_access(bool audio, bool video, std::uint32_t stream_id);

// ---- aggregate messages (RTMP spec 7.1.6) ----

/// Bounds for splitting one aggregate.
struct aggregate_limits {
  std::size_t max_messages = 4096;
};

/// Splits an aggregate into its sub-messages (11-byte FLV-style header, data, 4-byte back
/// pointer each). The aggregate's stream id and chunk stream id replace the sub-messages'
/// ones; the first sub-message gets the aggregate's timestamp and the others keep their
/// offset from it (RTMP spec 7.1.6). Only audio, video and data sub-messages are valid.
std::error_code split_aggregate(const message& aggregate, std::vector<message>& out,
                                const aggregate_limits& lim = {});

/// Builds an aggregate from audio/video/data messages (each payload < 16 MiB). The
/// aggregate carries the first part's timestamp; parts keep their 32-bit timestamps.
message make_aggregate(std::span<const message> parts, std::uint32_t stream_id);

// ---- shared object messages (RTMP spec 7.1.3) ----

/// Event types of a shared object message (RTMP spec 7.1.3). Other values are kept as
/// unknown events with their raw data.
enum class so_event_type : std::uint8_t {
  use = 1,
  release = 2,
  request_change = 3,
  change = 4,
  success = 5,
  send_message = 6,
  status = 7,
  clear = 8,
  remove = 9,
  request_remove = 10,
  use_success = 11,
};

/// One event. Which fields are meaningful depends on the type:
/// change / request_change: name + value; success / remove / request_remove: name;
/// send_message: values (handler name first); status: code + level; use, release, clear,
/// use_success and unknown types: raw (normally empty).
struct so_event {
  so_event_type type = so_event_type::use;
  std::string name;
  amf::value value = amf::null_t{};
  std::vector<amf::value> values;
  std::string code;
  std::string level;
  bytes raw;
};

/// Red5 and FMS mark a persistent shared object with 2 in the first flags word.
inline constexpr std::uint64_t k_so_flag_persistent = std::uint64_t{2} << 32;

/// A shared object message: header (name, version, 8 flag bytes) and events.
struct shared_object_message {
  std::string name;
  std::uint32_t version = 0;
  std::uint64_t flags = 0;  ///< the 8 flag bytes as one big-endian number
  std::vector<so_event> events;

  bool persistent() const noexcept { return (flags & k_so_flag_persistent) != 0; }
};

/// Bounds for decoding one shared object message.
struct shared_object_limits {
  std::size_t max_events = 1024;
  amf::limits amf;
};

/// Decodes type 19, or type 16 whose body follows a 0x00 format byte. Event lengths must
/// fit in the body and match the event's content; a change event packing several
/// name/value pairs (as Red5 sends) yields one change event per pair.
std::error_code parse_shared_object(const message& m, shared_object_message& out,
                                    const shared_object_limits& lim = {});
/// Encodes on chunk stream 3. Names must be < 64 KiB (u16 length).
message make_shared_object(const shared_object_message& so, std::uint32_t stream_id = 0,
                           bool amf3 = false);

}  // namespace lectern::shared::rtmp
