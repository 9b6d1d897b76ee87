// Audio/video tag header parsing: FLV spec v10.1 E.4.2.1 / E.4.3.1 and Enhanced RTMP.
#include "lectern/shared/flv_tag.hpp"

#include "lectern/shared/error.hpp"

namespace lectern::shared::flv {
namespace {

constexpr std::uint8_t k_mod_ex = 7;  // same value in VideoPacketType and AudioPacketType
constexpr std::uint8_t k_mod_ex_timestamp_offset_nano = 0;
constexpr std::uint8_t k_video_multitrack = 6;
constexpr std::uint8_t k_audio_multitrack = 5;

// FrameType 0, 6 and 7 are reserved (E-RTMP v1 table 4); FrameType is ignored when the
// packet is Metadata, so any value is fine there.
bool bad_frame_type(const video_header& h) noexcept {
  const auto ft = static_cast<std::uint8_t>(h.frame_type);
  return !h.is_metadata() && (ft == 0 || ft > 5);
}

std::int32_t sign_extend_24(std::uint32_t v) noexcept {
  // SI24 (FLV spec E.4.3.1 CompositionTime): two's complement in 24 bits.
  if (v & 0x800000u) v |= 0xFF000000u;
  return static_cast<std::int32_t>(v);
}

// E-RTMP v2 ModEx: while the packet type is ModEx, a sized block of modifier data is
// followed by a byte holding the modifier type and the next packet type. Unknown modifier
// types are skipped: their size is explicit, so skipping them cannot desynchronise us.
std::error_code skip_mod_ex(byte_reader& r, std::uint8_t& packet_type,
                            std::uint32_t& timestamp_offset_ns) noexcept {
  while (packet_type == k_mod_ex) {
    std::uint8_t size8 = 0;
    if (!r.u8(size8)) return error::flv_bad_tag_header;
    std::size_t size = std::size_t(size8) + 1;
    if (size == 256) {  // the 8-bit size saturated: a UI16 size follows
      std::uint16_t size16 = 0;
      if (!r.u16(size16)) return error::flv_bad_tag_header;
      size = std::size_t(size16) + 1;
    }
    byte_view data;
    std::uint8_t types = 0;
    if (!r.take(size, data) || !r.u8(types)) return error::flv_bad_tag_header;
    packet_type = types & 0x0F;
    if ((types >> 4) == k_mod_ex_timestamp_offset_nano) {
      if (size < 3) return error::flv_bad_tag_header;  // "modExData must be at least 3 bytes"
      timestamp_offset_ns =
          std::uint32_t(data[0]) << 16 | std::uint32_t(data[1]) << 8 | std::uint32_t(data[2]);
    }
  }
  return {};
}

bool known_video_fourcc(std::uint32_t f) noexcept {
  return f == k_fourcc_avc1 || f == k_fourcc_hvc1 || f == k_fourcc_av01 || f == k_fourcc_vp09 ||
         f == k_fourcc_vp08;
}

bool known_audio_fourcc(std::uint32_t f) noexcept {
  return f == k_fourcc_mp4a || f == k_fourcc_opus || f == k_fourcc_flac || f == k_fourcc_ac3 ||
         f == k_fourcc_eac3 || f == k_fourcc_mp3;
}

// Reads the AvMultitrackType / inner packet type byte (E-RTMP v2, multitrack). The inner
// type MUST NOT be Multitrack again; ModEx there is not defined, so it is unsupported.
std::error_code read_multitrack(byte_reader& r, std::uint8_t multitrack_code, multitrack_type& mode,
                                std::uint8_t& packet_type) noexcept {
  std::uint8_t b = 0;
  if (!r.u8(b)) return error::flv_bad_tag_header;
  if ((b >> 4) > std::uint8_t(multitrack_type::many_tracks_many_codecs))
    return error::flv_unsupported;
  mode = static_cast<multitrack_type>(b >> 4);
  packet_type = b & 0x0F;
  if (packet_type == multitrack_code) return error::flv_bad_tag_header;
  if (packet_type == k_mod_ex) return error::flv_unsupported;
  return {};
}

// Legacy VIDEODATA (FLV spec E.4.3.1). Command frames follow the E-RTMP v2 reading: the UI8
// VideoCommand directly follows the first byte.
std::error_code parse_legacy_video(byte_reader& r, std::uint8_t codec, video_header& out) {
  out.codec_id = codec;
  if (bad_frame_type(out)) return error::flv_bad_tag_header;
  const bool avc_layout = codec == k_codec_id_avc || codec == k_codec_id_hevc_legacy;
  if (!avc_layout && (codec < 2 || codec > 6)) return error::flv_unsupported;
  if (codec == k_codec_id_avc) out.fourcc = k_fourcc_avc1;
  if (codec == k_codec_id_hevc_legacy) out.fourcc = k_fourcc_hvc1;
  if (out.frame_type == video_frame_type::command) {
    if (!r.u8(out.command)) return error::flv_bad_tag_header;
  } else if (avc_layout) {
    std::uint8_t packet_type = 0;
    std::uint32_t cts = 0;
    if (!r.u8(packet_type) || !r.u24(cts)) return error::flv_bad_tag_header;
    if (packet_type > 2) return error::flv_bad_tag_header;
    out.packet_type = static_cast<video_packet_type>(packet_type);
    // "IF AVCPacketType == 1 Composition time offset ELSE 0" (E.4.3.1).
    if (out.packet_type == video_packet_type::coded_frames)
      out.composition_time = sign_extend_24(cts);
  }
  out.header_size = static_cast<std::uint32_t>(r.position());
  return {};
}

// ExVideoTagHeader (E-RTMP v1 table 4; v2 "Enhanced Video" adds ModEx and multitrack).
std::error_code parse_ex_video(byte_reader& r, std::uint8_t packet_type, video_header& out) {
  if (auto ec = skip_mod_ex(r, packet_type, out.timestamp_offset_ns)) return ec;
  if (packet_type > k_mod_ex) return error::flv_unsupported;  // 8..15 reserved
  out.packet_type = static_cast<video_packet_type>(packet_type);
  if (out.is_command()) {  // no FourCC and no body: just the VideoCommand
    if (!r.u8(out.command)) return error::flv_bad_tag_header;
    out.header_size = static_cast<std::uint32_t>(r.position());
    return {};
  }
  if (packet_type == k_video_multitrack) {
    out.multitrack = true;
    if (auto ec = read_multitrack(r, k_video_multitrack, out.track_mode, packet_type)) return ec;
    if (packet_type > std::uint8_t(video_packet_type::mpeg2ts_sequence_start))
      return error::flv_unsupported;
    out.packet_type = static_cast<video_packet_type>(packet_type);
  }
  if (bad_frame_type(out)) return error::flv_bad_tag_header;
  if (!out.multitrack || out.track_mode != multitrack_type::many_tracks_many_codecs) {
    if (!r.u32(out.fourcc)) return error::flv_bad_tag_header;
    if (!known_video_fourcc(out.fourcc)) return error::flv_unsupported;
  }
  // Only AVC and HEVC CodedFrames carry an SI24 composition time; CodedFramesX implies 0.
  // In multitrack mode it sits inside each track entry, so it is not read here.
  const bool has_cts = out.fourcc == k_fourcc_avc1 || out.fourcc == k_fourcc_hvc1;
  if (!out.multitrack && has_cts && out.packet_type == video_packet_type::coded_frames) {
    std::uint32_t cts = 0;
    if (!r.u24(cts)) return error::flv_bad_tag_header;
    out.composition_time = sign_extend_24(cts);
  }
  out.header_size = static_cast<std::uint32_t>(r.position());
  return {};
}

std::error_code parse_legacy_audio(byte_reader& r, std::uint8_t b0, audio_header& out) {
  out.sound_rate = (b0 >> 2) & 0x03;
  out.sound_size = (b0 >> 1) & 0x01;
  out.sound_type = b0 & 0x01;
  if (out.sound_format == 12 || out.sound_format == 13) return error::flv_unsupported;
  if (out.sound_format == k_sound_format_mp3 || out.sound_format == k_sound_format_mp3_8k)
    out.fourcc = k_fourcc_mp3;
  if (out.sound_format == k_sound_format_aac) {
    out.fourcc = k_fourcc_mp4a;
    std::uint8_t packet_type = 0;
    if (!r.u8(packet_type)) return error::flv_bad_tag_header;
    if (packet_type > 1) return error::flv_bad_tag_header;  // AACPacketType (E.4.2.2)
    out.packet_type = static_cast<audio_packet_type>(packet_type);
  }
  out.header_size = static_cast<std::uint32_t>(r.position());
  return {};
}

bool valid_audio_packet_type(std::uint8_t t) noexcept {
  return t <= 2 || t == std::uint8_t(audio_packet_type::multichannel_config);
}

// ExAudioTagHeader (E-RTMP v2 "Enhanced Audio").
std::error_code parse_ex_audio(byte_reader& r, std::uint8_t packet_type, audio_header& out) {
  if (auto ec = skip_mod_ex(r, packet_type, out.timestamp_offset_ns)) return ec;
  if (packet_type == k_audio_multitrack) {
    out.multitrack = true;
    if (auto ec = read_multitrack(r, k_audio_multitrack, out.track_mode, packet_type)) return ec;
  }
  if (!valid_audio_packet_type(packet_type)) return error::flv_unsupported;
  out.packet_type = static_cast<audio_packet_type>(packet_type);
  if (!out.multitrack || out.track_mode != multitrack_type::many_tracks_many_codecs) {
    if (!r.u32(out.fourcc)) return error::flv_bad_tag_header;
    if (!known_audio_fourcc(out.fourcc)) return error::flv_unsupported;
  }
  out.header_size = static_cast<std::uint32_t>(r.position());
  return {};
}

}  // namespace

std::error_code parse_video_header(byte_view data, video_header& out) noexcept {
  out = {};
  byte_reader r(data);
  std::uint8_t b0 = 0;
  if (!r.u8(b0)) return error::flv_bad_tag_header;
  out.enhanced = (b0 & 0x80) != 0;
  out.frame_type = static_cast<video_frame_type>((b0 >> 4) & 0x07);
  const std::uint8_t low = b0 & 0x0F;
  return out.enhanced ? parse_ex_video(r, low, out) : parse_legacy_video(r, low, out);
}

std::error_code parse_audio_header(byte_view data, audio_header& out) noexcept {
  out = {};
  byte_reader r(data);
  std::uint8_t b0 = 0;
  if (!r.u8(b0)) {
    out.silence = true;
    return {};
  }
  out.sound_format = b0 >> 4;
  out.enhanced = out.sound_format == k_sound_format_ex_header;
  return out.enhanced ? parse_ex_audio(r, b0 & 0x0F, out) : parse_legacy_audio(r, b0, out);
}

}  // namespace lectern::shared::flv
