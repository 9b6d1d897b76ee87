// Audio and video tag headers: the first bytes of every FLV audio/video tag and of every RTMP
// audio (8) / video (9) message. Legacy layout per FLV spec v10.1 E.4.2.1 (AUDIODATA) and
// E.4.3.1 (VIDEODATA); Enhanced RTMP (veovera E-RTMP v1, and the v2 ExAudioTagHeader, ModEx
// and multitrack signalling) when the ex-header signal is present.
//
// The server parses these on every media message for the GOP cache and the drop policy, so
// parsing allocates nothing and reads at most a few bytes (ModEx blocks are skipped by size).
#pragma once

#include <cstdint>
#include <system_error>

#include "lectern/shared/bytes.hpp"

namespace lectern::shared::flv {

/// A FourCC as E-RTMP puts it on the wire: big-endian UI32 ('av01' == 0x61763031).
constexpr std::uint32_t make_fourcc(const char (&s)[5]) noexcept {
  return std::uint32_t(std::uint8_t(s[0])) << 24 | std::uint32_t(std::uint8_t(s[1])) << 16 |
         std::uint32_t(std::uint8_t(s[2])) << 8 | std::uint32_t(std::uint8_t(s[3]));
}

// Video FourCCs (E-RTMP v2 VideoFourCc).
inline constexpr std::uint32_t k_fourcc_avc1 = make_fourcc("avc1");
inline constexpr std::uint32_t k_fourcc_hvc1 = make_fourcc("hvc1");
inline constexpr std::uint32_t k_fourcc_av01 = make_fourcc("av01");
inline constexpr std::uint32_t k_fourcc_vp09 = make_fourcc("vp09");
inline constexpr std::uint32_t k_fourcc_vp08 = make_fourcc("vp08");
// Audio FourCCs (E-RTMP v2 AudioFourCc).
inline constexpr std::uint32_t k_fourcc_mp4a = make_fourcc("mp4a");
inline constexpr std::uint32_t k_fourcc_opus = make_fourcc("Opus");
inline constexpr std::uint32_t k_fourcc_flac = make_fourcc("fLaC");
inline constexpr std::uint32_t k_fourcc_ac3 = make_fourcc("ac-3");
inline constexpr std::uint32_t k_fourcc_eac3 = make_fourcc("ec-3");
inline constexpr std::uint32_t k_fourcc_mp3 = make_fourcc(".mp3");

// Legacy ids used below (E.4.2.1 SoundFormat, E.4.3.1 CodecID).
inline constexpr std::uint8_t k_sound_format_mp3 = 2;
inline constexpr std::uint8_t k_sound_format_ex_header = 9;  ///< E-RTMP v2: FourCC audio follows
inline constexpr std::uint8_t k_sound_format_aac = 10;
inline constexpr std::uint8_t k_sound_format_mp3_8k = 14;
inline constexpr std::uint8_t k_codec_id_avc = 7;
/// Not in Adobe's spec: the widespread CDN extension (and FFmpeg's reader) that carries HEVC
/// with the AVC layout under CodecID 12. Superseded by E-RTMP 'hvc1' but still published.
inline constexpr std::uint8_t k_codec_id_hevc_legacy = 12;

/// VideoFrameType (E.4.3.1, E-RTMP v1 table 4). Values 0, 6 and 7 are reserved.
enum class video_frame_type : std::uint8_t {
  key = 1,               ///< seekable frame
  inter = 2,             ///< non-seekable frame
  disposable_inter = 3,  ///< H.263 only
  generated_key = 4,     ///< reserved for server use
  command = 5,           ///< video info/command frame: a UI8 VideoCommand instead of video
};

/// E-RTMP VideoPacketType. The legacy AVCPacketType (0 sequence header, 1 NALU, 2 end of
/// sequence) maps onto the first three values; other legacy codecs report coded_frames.
enum class video_packet_type : std::uint8_t {
  sequence_start = 0,
  coded_frames = 1,
  sequence_end = 2,
  coded_frames_x = 3,  ///< coded frames with composition time implied 0
  metadata = 4,        ///< AMF-encoded metadata (e.g. colorInfo); FrameType ignored
  mpeg2ts_sequence_start = 5,
  multitrack = 6,
  mod_ex = 7,
};

/// E-RTMP v2 AudioPacketType; legacy AACPacketType 0/1 maps onto the first two values.
enum class audio_packet_type : std::uint8_t {
  sequence_start = 0,
  coded_frames = 1,
  sequence_end = 2,
  multichannel_config = 4,
  multitrack = 5,
  mod_ex = 7,
};

/// E-RTMP v2 AvMultitrackType.
enum class multitrack_type : std::uint8_t {
  one_track = 0,
  many_tracks = 1,
  many_tracks_many_codecs = 2,  ///< each track carries its own FourCC; header fourcc is 0
};

/// What the first bytes of a video tag/message say.
struct video_header {
  bool enhanced = false;  ///< IsExHeader: FourCC signalling (E-RTMP)
  video_frame_type frame_type = video_frame_type::inter;
  std::uint8_t codec_id = 0;  ///< legacy CodecID; 0 when enhanced
  /// The codec: the E-RTMP FourCC, or 'avc1'/'hvc1' for legacy CodecID 7/12, else 0.
  std::uint32_t fourcc = 0;
  video_packet_type packet_type = video_packet_type::coded_frames;
  bool multitrack = false;  ///< packet_type is the one shared by all tracks in the body
  multitrack_type track_mode = multitrack_type::one_track;
  /// SI24 CompositionTime in ms, sign-extended (may be negative); 0 where not carried.
  std::int32_t composition_time = 0;
  std::uint32_t timestamp_offset_ns = 0;  ///< ModEx TimestampOffsetNano, 0 if absent
  std::uint8_t command = 0;               ///< VideoCommand when is_command()
  /// Offset of the codec payload (or the first multitrack entry) in the tag data.
  std::uint32_t header_size = 0;

  /// A video info/command frame: no video data follows (FrameType 5, not Metadata).
  constexpr bool is_command() const noexcept {
    return frame_type == video_frame_type::command && packet_type != video_packet_type::metadata;
  }
  /// Decoder configuration (AVC/HEVC/AV1/VP9 record, or MPEG-2 TS descriptor).
  constexpr bool is_sequence_header() const noexcept {
    return !is_command() && (packet_type == video_packet_type::sequence_start ||
                             packet_type == video_packet_type::mpeg2ts_sequence_start);
  }
  /// Carries coded pictures (as opposed to configuration, metadata, end of sequence).
  constexpr bool has_frames() const noexcept {
    return !is_command() && (packet_type == video_packet_type::coded_frames ||
                             packet_type == video_packet_type::coded_frames_x);
  }
  /// A picture a decoder can start from: the start of a GOP.
  constexpr bool is_keyframe() const noexcept {
    return has_frames() &&
           (frame_type == video_frame_type::key || frame_type == video_frame_type::generated_key);
  }
  /// A picture nothing references: dropped first under back-pressure.
  constexpr bool is_disposable() const noexcept {
    return has_frames() && frame_type == video_frame_type::disposable_inter;
  }
  constexpr bool is_metadata() const noexcept { return packet_type == video_packet_type::metadata; }
};

/// What the first bytes of an audio tag/message say.
struct audio_header {
  bool enhanced = false;  ///< SoundFormat 9 (ExHeader): FourCC signalling (E-RTMP v2)
  /// Empty payload: the "audio silence" message (E-RTMP v2, AudioPacketType notes).
  bool silence = false;
  std::uint8_t sound_format = 0;  ///< SoundFormat (E.4.2.1)
  std::uint8_t sound_rate = 0;    ///< legacy only: 0 5.5 kHz, 1 11 kHz, 2 22 kHz, 3 44 kHz
  std::uint8_t sound_size = 0;    ///< legacy only: 0 8-bit, 1 16-bit
  std::uint8_t sound_type = 0;    ///< legacy only: 0 mono, 1 stereo
  /// The codec: the E-RTMP FourCC, or 'mp4a' for legacy AAC, '.mp3' for legacy MP3, else 0.
  std::uint32_t fourcc = 0;
  audio_packet_type packet_type = audio_packet_type::coded_frames;
  bool multitrack = false;
  multitrack_type track_mode = multitrack_type::one_track;
  std::uint32_t timestamp_offset_ns = 0;  ///< ModEx TimestampOffsetNano, 0 if absent
  std::uint32_t header_size = 0;          ///< offset of the codec payload in the tag data

  /// Configuration a late joiner needs before any frame: the AAC AudioSpecificConfig /
  /// E-RTMP SequenceStart, and the E-RTMP MultichannelConfig.
  constexpr bool is_sequence_header() const noexcept {
    return !silence && (packet_type == audio_packet_type::sequence_start ||
                        packet_type == audio_packet_type::multichannel_config);
  }
};

/// Parses the video tag header at the start of `data` (a tag's data or an RTMP video message
/// payload). Errors: flv_bad_tag_header (too short, reserved FrameType, AVCPacketType > 2,
/// a nested Multitrack, ModEx TimestampOffsetNano shorter than 3 bytes); flv_unsupported
/// (unknown legacy CodecID, reserved PacketType, unknown FourCC, reserved multitrack type).
/// On error `out` holds whatever was parsed before the failure.
std::error_code parse_video_header(byte_view data, video_header& out) noexcept;

/// Parses the audio tag header at the start of `data`. An empty payload is the audio silence
/// message and succeeds with `silence` set. Errors as for parse_video_header (AACPacketType
/// > 1 is flv_bad_tag_header; SoundFormat 12/13 and unknown FourCCs are flv_unsupported).
std::error_code parse_audio_header(byte_view data, audio_header& out) noexcept;

}  // namespace lectern::shared::flv
