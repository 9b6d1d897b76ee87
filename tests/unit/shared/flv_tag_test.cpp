// Audio/video tag headers, against bytes built by hand from FLV spec v10.1 E.4.2.1/E.4.3.1
// and the veovera Enhanced RTMP v1/v2 tables.
#include "lectern/shared/flv_tag.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string_view>

#include "lectern/shared/error.hpp"

namespace lectern::shared::flv {
namespace {

// head bytes, then an optional FourCC, then tail bytes.
bytes make(std::initializer_list<std::uint8_t> head, std::string_view fourcc = {},
           std::initializer_list<std::uint8_t> tail = {}) {
  bytes b(head);
  b.insert(b.end(), fourcc.begin(), fourcc.end());
  b.insert(b.end(), tail);
  return b;
}

video_header video_ok(const bytes& b) {
  video_header h;
  EXPECT_EQ(parse_video_header(b, h), std::error_code());
  EXPECT_LE(h.header_size, b.size());
  return h;
}

audio_header audio_ok(const bytes& b) {
  audio_header h;
  EXPECT_EQ(parse_audio_header(b, h), std::error_code());
  EXPECT_LE(h.header_size, b.size());
  return h;
}

std::error_code video_error(const bytes& b) {
  video_header h;
  return parse_video_header(b, h);
}

std::error_code audio_error(const bytes& b) {
  audio_header h;
  return parse_audio_header(b, h);
}

TEST(flv_tag, fourcc_is_big_endian_ascii) {
  // E-RTMP v1 onMetaData: 'av01' == 0x61763031.
  EXPECT_EQ(k_fourcc_av01, 0x61763031u);
  EXPECT_EQ(k_fourcc_hvc1, 0x68766331u);
}

// --- legacy video (E.4.3.1) -------------------------------------------------------------

TEST(flv_tag, avc_keyframe_nalu_with_composition_time) {
  // FrameType 1 | CodecID 7, AVCPacketType 1, CompositionTime 0x000085 = 133 ms.
  const auto h = video_ok(make({0x17, 0x01, 0x00, 0x00, 0x85, 0x00, 0x00}));
  EXPECT_FALSE(h.enhanced);
  EXPECT_EQ(h.frame_type, video_frame_type::key);
  EXPECT_EQ(h.codec_id, k_codec_id_avc);
  EXPECT_EQ(h.fourcc, k_fourcc_avc1);
  EXPECT_EQ(h.packet_type, video_packet_type::coded_frames);
  EXPECT_EQ(h.composition_time, 133);
  EXPECT_EQ(h.header_size, 5u);
  EXPECT_TRUE(h.is_keyframe());
  EXPECT_FALSE(h.is_sequence_header());
  EXPECT_FALSE(h.is_disposable());
}

TEST(flv_tag, avc_sequence_header_and_end_of_sequence) {
  const auto seq = video_ok(make({0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64}));
  EXPECT_TRUE(seq.is_sequence_header());
  EXPECT_FALSE(seq.is_keyframe());  // configuration, not a picture
  const auto eos = video_ok(make({0x17, 0x02, 0x00, 0x00, 0x00}));
  EXPECT_EQ(eos.packet_type, video_packet_type::sequence_end);
  EXPECT_FALSE(eos.is_keyframe());
  EXPECT_FALSE(eos.is_sequence_header());
  EXPECT_FALSE(eos.has_frames());
}

TEST(flv_tag, composition_time_is_signed_24_bit) {
  EXPECT_EQ(video_ok(make({0x27, 0x01, 0xFF, 0xFF, 0xFE})).composition_time, -2);
  EXPECT_EQ(video_ok(make({0x27, 0x01, 0xFF, 0xFF, 0xFF})).composition_time, -1);
  EXPECT_EQ(video_ok(make({0x27, 0x01, 0x80, 0x00, 0x00})).composition_time, -8388608);
  EXPECT_EQ(video_ok(make({0x27, 0x01, 0x7F, 0xFF, 0xFF})).composition_time, 8388607);
  // "IF AVCPacketType == 1 ... ELSE 0": a sequence header's field is not a time.
  EXPECT_EQ(video_ok(make({0x17, 0x00, 0x00, 0x00, 0x21})).composition_time, 0);
}

TEST(flv_tag, inter_and_disposable_frames) {
  const auto inter = video_ok(make({0x27, 0x01, 0x00, 0x00, 0x00}));
  EXPECT_EQ(inter.frame_type, video_frame_type::inter);
  EXPECT_FALSE(inter.is_keyframe());
  EXPECT_FALSE(inter.is_disposable());
  // Sorenson H.263 (CodecID 2) disposable inter frame: no AVC fields, payload at offset 1.
  const auto disp = video_ok(make({0x32, 0x00, 0x84}));
  EXPECT_EQ(disp.codec_id, 2);
  EXPECT_EQ(disp.fourcc, 0u);
  EXPECT_EQ(disp.header_size, 1u);
  EXPECT_TRUE(disp.is_disposable());
  EXPECT_TRUE(disp.has_frames());
  // Generated keyframe (4) counts as a keyframe.
  EXPECT_TRUE(video_ok(make({0x47, 0x01, 0x00, 0x00, 0x00})).is_keyframe());
}

TEST(flv_tag, legacy_hevc_codec_id_12_uses_avc_layout) {
  const auto h = video_ok(make({0x1C, 0x01, 0x00, 0x00, 0x10}));
  EXPECT_EQ(h.fourcc, k_fourcc_hvc1);
  EXPECT_EQ(h.composition_time, 16);
  EXPECT_TRUE(h.is_keyframe());
}

TEST(flv_tag, legacy_command_frame) {
  // FrameType 5: a UI8 VideoCommand instead of video data (0 = start of seek).
  const auto h = video_ok(make({0x57, 0x01}));
  EXPECT_TRUE(h.is_command());
  EXPECT_EQ(h.command, 1);
  EXPECT_EQ(h.header_size, 2u);
  EXPECT_FALSE(h.is_keyframe());
  EXPECT_FALSE(h.has_frames());
  EXPECT_EQ(video_error(make({0x57})), error::flv_bad_tag_header);
}

TEST(flv_tag, legacy_video_errors) {
  EXPECT_EQ(video_error({}), error::flv_bad_tag_header);
  EXPECT_EQ(video_error(make({0x07, 0x01, 0, 0, 0})), error::flv_bad_tag_header);  // FrameType 0
  EXPECT_EQ(video_error(make({0x67, 0x01, 0, 0, 0})), error::flv_bad_tag_header);  // 6
  EXPECT_EQ(video_error(make({0x77, 0x01, 0, 0, 0})), error::flv_bad_tag_header);  // 7
  EXPECT_EQ(video_error(make({0x17, 0x03, 0, 0, 0})), error::flv_bad_tag_header);  // AVCPacketType
  EXPECT_EQ(video_error(make({0x17, 0x01, 0x00})), error::flv_bad_tag_header);     // short
  EXPECT_EQ(video_error(make({0x17})), error::flv_bad_tag_header);
  EXPECT_EQ(video_error(make({0x18, 0x01})), error::flv_unsupported);  // CodecID 8
  EXPECT_EQ(video_error(make({0x10})), error::flv_unsupported);        // CodecID 0
  EXPECT_EQ(video_error(make({0x1F})), error::flv_unsupported);        // CodecID 15
}

// --- Enhanced RTMP video (E-RTMP v1 table 4, v2 "Enhanced Video") ------------------------

TEST(flv_tag, enhanced_hvc1_sequence_start) {
  // IsExHeader | FrameType 1 | PacketType 0, FourCC 'hvc1', then the HEVC record.
  const auto h = video_ok(make({0x90}, "hvc1", {0x01, 0x22}));
  EXPECT_TRUE(h.enhanced);
  EXPECT_EQ(h.fourcc, k_fourcc_hvc1);
  EXPECT_EQ(h.codec_id, 0);
  EXPECT_EQ(h.packet_type, video_packet_type::sequence_start);
  EXPECT_TRUE(h.is_sequence_header());
  EXPECT_FALSE(h.is_keyframe());
  EXPECT_EQ(h.header_size, 5u);
}

TEST(flv_tag, enhanced_hvc1_coded_frames_carry_signed_composition_time) {
  const auto key = video_ok(make({0x91}, "hvc1", {0xFF, 0xFF, 0xF6, 0x00, 0x00, 0x00, 0x01}));
  EXPECT_TRUE(key.is_keyframe());
  EXPECT_EQ(key.composition_time, -10);
  EXPECT_EQ(key.header_size, 8u);
  // CodedFramesX: composition time implied 0, payload right after the FourCC.
  const auto x = video_ok(make({0xA3}, "hvc1", {0x00, 0x00, 0x00, 0x01}));
  EXPECT_EQ(x.frame_type, video_frame_type::inter);
  EXPECT_EQ(x.packet_type, video_packet_type::coded_frames_x);
  EXPECT_EQ(x.composition_time, 0);
  EXPECT_EQ(x.header_size, 5u);
  EXPECT_TRUE(x.has_frames());
  EXPECT_FALSE(x.is_keyframe());
  // The SI24 must be there for hvc1 CodedFrames.
  EXPECT_EQ(video_error(make({0x91}, "hvc1", {0x00, 0x00})), error::flv_bad_tag_header);
}

TEST(flv_tag, enhanced_avc1_coded_frames_carry_composition_time) {
  const auto h = video_ok(make({0xA1}, "avc1", {0x00, 0x00, 0x21}));
  EXPECT_EQ(h.fourcc, k_fourcc_avc1);
  EXPECT_EQ(h.composition_time, 33);
  EXPECT_EQ(h.header_size, 8u);
}

TEST(flv_tag, enhanced_av01_and_vp09_have_no_composition_time) {
  const auto av1 = video_ok(make({0x91}, "av01", {0x12, 0x00, 0x0A}));
  EXPECT_EQ(av1.fourcc, k_fourcc_av01);
  EXPECT_EQ(av1.composition_time, 0);
  EXPECT_EQ(av1.header_size, 5u);  // the OBUs start right after the FourCC
  EXPECT_TRUE(av1.is_keyframe());
  const auto vp9_seq = video_ok(make({0x90}, "vp09", {0x01}));
  EXPECT_TRUE(vp9_seq.is_sequence_header());
  const auto vp9 = video_ok(make({0xA1}, "vp09", {0x86}));
  EXPECT_EQ(vp9.fourcc, k_fourcc_vp09);
  EXPECT_EQ(vp9.header_size, 5u);
  EXPECT_TRUE(vp9.has_frames());
  EXPECT_FALSE(vp9.is_keyframe());
  EXPECT_EQ(video_ok(make({0x91}, "vp08")).fourcc, k_fourcc_vp08);
}

TEST(flv_tag, enhanced_sequence_end_metadata_and_mpeg2ts) {
  const auto end = video_ok(make({0x92}, "av01"));
  EXPECT_EQ(end.packet_type, video_packet_type::sequence_end);
  EXPECT_FALSE(end.is_sequence_header());
  // Metadata: FrameType is ignored, even the reserved 0.
  const auto meta = video_ok(make({0x84}, "hvc1", {0x02, 0x00, 0x09}));
  EXPECT_TRUE(meta.is_metadata());
  EXPECT_FALSE(meta.has_frames());
  EXPECT_EQ(meta.header_size, 5u);
  const auto ts = video_ok(make({0x95}, "av01", {0x80}));
  EXPECT_EQ(ts.packet_type, video_packet_type::mpeg2ts_sequence_start);
  EXPECT_TRUE(ts.is_sequence_header());
}

TEST(flv_tag, enhanced_command_frame_has_no_fourcc) {
  // IsExHeader | FrameType 5 | PacketType 1, then VideoCommand 1 (end of seek).
  const auto h = video_ok(make({0xD1, 0x01}));
  EXPECT_TRUE(h.is_command());
  EXPECT_EQ(h.command, 1);
  EXPECT_EQ(h.fourcc, 0u);
  EXPECT_EQ(h.header_size, 2u);
}

TEST(flv_tag, enhanced_mod_ex_timestamp_offset_nano) {
  // PacketType ModEx; size UI8 2 (+1 = 3 bytes) = 500 ns; then ModExType 0 | PacketType 1.
  const auto h =
      video_ok(make({0x97, 0x02, 0x00, 0x01, 0xF4, 0x01}, "hvc1", {0x00, 0x00, 0x05, 0xAA}));
  EXPECT_EQ(h.timestamp_offset_ns, 500u);
  EXPECT_EQ(h.packet_type, video_packet_type::coded_frames);
  EXPECT_EQ(h.composition_time, 5);
  EXPECT_EQ(h.header_size, 13u);
  EXPECT_TRUE(h.is_keyframe());
  // Fewer than 3 bytes of TimestampOffsetNano data is malformed.
  EXPECT_EQ(video_error(make({0x97, 0x01, 0x00, 0x01, 0x01}, "hvc1", {0, 0, 0})),
            error::flv_bad_tag_header);
  EXPECT_EQ(video_error(make({0x97, 0x05, 0x00})), error::flv_bad_tag_header);  // cut short
}

TEST(flv_tag, enhanced_mod_ex_with_16_bit_size_and_unknown_type_is_skipped) {
  // UI8 255 (+1 = 256) escapes to UI16 size: 299 + 1 = 300 bytes of data of ModExType 1.
  bytes b = {0xA7, 0xFF, 0x01, 0x2B};
  b.reserve(320);  // GCC 12's -Warray-bounds misfires on the growing inserts below at -O2
  b.insert(b.end(), 300, 0xEE);
  b.push_back(0x13);  // ModExType 1 (unknown, skipped), PacketType 3
  b.insert(b.end(), {'h', 'v', 'c', '1', 0x00});
  const auto h = video_ok(b);
  EXPECT_EQ(h.packet_type, video_packet_type::coded_frames_x);
  EXPECT_EQ(h.timestamp_offset_ns, 0u);
  EXPECT_EQ(h.header_size, 1u + 1 + 2 + 300 + 1 + 4);
}

TEST(flv_tag, enhanced_multitrack) {
  // PacketType Multitrack; AvMultitrackType OneTrack | PacketType CodedFrames; 'hvc1';
  // then the track entry (trackId ...) where the payload, and its SI24, begin.
  const auto one = video_ok(make({0x96, 0x01}, "hvc1", {0x00, 0x00, 0x00, 0x00}));
  EXPECT_TRUE(one.multitrack);
  EXPECT_EQ(one.track_mode, multitrack_type::one_track);
  EXPECT_EQ(one.packet_type, video_packet_type::coded_frames);
  EXPECT_EQ(one.fourcc, k_fourcc_hvc1);
  EXPECT_EQ(one.header_size, 6u);
  EXPECT_TRUE(one.is_keyframe());
  // ManyTracksManyCodecs: every track has its own FourCC, none in the header.
  const auto many = video_ok(make({0x96, 0x20}, "av01"));
  EXPECT_EQ(many.track_mode, multitrack_type::many_tracks_many_codecs);
  EXPECT_EQ(many.fourcc, 0u);
  EXPECT_EQ(many.header_size, 2u);
  EXPECT_TRUE(many.is_sequence_header());
  EXPECT_EQ(video_error(make({0x96, 0x06}, "hvc1")), error::flv_bad_tag_header);  // nested
  EXPECT_EQ(video_error(make({0x96, 0x31}, "hvc1")), error::flv_unsupported);     // type 3
  EXPECT_EQ(video_error(make({0x96, 0x09}, "hvc1")), error::flv_unsupported);     // reserved
  EXPECT_EQ(video_error(make({0x96})), error::flv_bad_tag_header);
}

TEST(flv_tag, enhanced_video_errors) {
  EXPECT_EQ(video_error(make({0x98}, "hvc1")), error::flv_unsupported);  // PacketType 8
  EXPECT_EQ(video_error(make({0x9F}, "hvc1")), error::flv_unsupported);  // PacketType 15
  EXPECT_EQ(video_error(make({0x91}, "xyz1")), error::flv_unsupported);  // unknown FourCC
  EXPECT_EQ(video_error(make({0x91}, "hv")), error::flv_bad_tag_header);
  EXPECT_EQ(video_error(make({0x81}, "hvc1", {0, 0, 0})), error::flv_bad_tag_header);  // FT 0
  EXPECT_EQ(video_error(make({0xF1}, "hvc1", {0, 0, 0})), error::flv_bad_tag_header);  // FT 7
  EXPECT_EQ(video_error(make({0xD1})), error::flv_bad_tag_header);  // command byte missing
}

// --- legacy audio (E.4.2.1) -------------------------------------------------------------

TEST(flv_tag, aac_sequence_header_and_raw) {
  // SoundFormat 10 | rate 3 (44 kHz) | size 1 (16-bit) | type 1 (stereo); AACPacketType 0.
  const auto seq = audio_ok(make({0xAF, 0x00, 0x12, 0x10}));
  EXPECT_FALSE(seq.enhanced);
  EXPECT_EQ(seq.sound_format, k_sound_format_aac);
  EXPECT_EQ(seq.sound_rate, 3);
  EXPECT_EQ(seq.sound_size, 1);
  EXPECT_EQ(seq.sound_type, 1);
  EXPECT_EQ(seq.fourcc, k_fourcc_mp4a);
  EXPECT_EQ(seq.packet_type, audio_packet_type::sequence_start);
  EXPECT_TRUE(seq.is_sequence_header());
  EXPECT_EQ(seq.header_size, 2u);
  const auto raw = audio_ok(make({0xAE, 0x01, 0x21}));
  EXPECT_EQ(raw.packet_type, audio_packet_type::coded_frames);
  EXPECT_EQ(raw.sound_type, 0);
  EXPECT_FALSE(raw.is_sequence_header());
  EXPECT_EQ(audio_error(make({0xAF, 0x02})), error::flv_bad_tag_header);
  EXPECT_EQ(audio_error(make({0xAF})), error::flv_bad_tag_header);
}

TEST(flv_tag, other_legacy_sound_formats) {
  const auto mp3 = audio_ok(make({0x2F, 0xFF, 0xFB}));
  EXPECT_EQ(mp3.sound_format, 2);
  EXPECT_EQ(mp3.fourcc, k_fourcc_mp3);
  EXPECT_EQ(mp3.header_size, 1u);
  const auto speex = audio_ok(make({0xB2}));  // Speex: rate 0, 16-bit, mono
  EXPECT_EQ(speex.sound_format, 11);
  EXPECT_EQ(speex.sound_rate, 0);
  EXPECT_EQ(speex.sound_size, 1);
  EXPECT_EQ(speex.sound_type, 0);
  EXPECT_EQ(speex.fourcc, 0u);
  EXPECT_EQ(audio_error(make({0xC0})), error::flv_unsupported);  // 12 reserved
  EXPECT_EQ(audio_error(make({0xD0})), error::flv_unsupported);  // 13 reserved
}

TEST(flv_tag, empty_audio_is_the_silence_message) {
  const auto h = audio_ok({});
  EXPECT_TRUE(h.silence);
  EXPECT_FALSE(h.is_sequence_header());
  EXPECT_EQ(h.header_size, 0u);
}

// --- Enhanced RTMP audio (E-RTMP v2 "Enhanced Audio") -----------------------------------

TEST(flv_tag, enhanced_audio_packets) {
  const auto opus = audio_ok(make({0x90}, "Opus", {0x4F}));
  EXPECT_TRUE(opus.enhanced);
  EXPECT_EQ(opus.fourcc, k_fourcc_opus);
  EXPECT_TRUE(opus.is_sequence_header());
  EXPECT_EQ(opus.header_size, 5u);
  const auto flac = audio_ok(make({0x91}, "fLaC", {0xFF}));
  EXPECT_EQ(flac.packet_type, audio_packet_type::coded_frames);
  EXPECT_FALSE(flac.is_sequence_header());
  EXPECT_TRUE(audio_ok(make({0x94}, "mp4a", {0x00})).is_sequence_header());  // channels
  EXPECT_EQ(audio_ok(make({0x92}, "ac-3")).packet_type, audio_packet_type::sequence_end);
  EXPECT_EQ(audio_ok(make({0x91}, "ec-3")).fourcc, k_fourcc_eac3);
  EXPECT_EQ(audio_ok(make({0x91}, ".mp3")).fourcc, k_fourcc_mp3);
}

TEST(flv_tag, enhanced_audio_mod_ex_and_multitrack) {
  const auto mod = audio_ok(make({0x97, 0x02, 0x00, 0x00, 0x0A, 0x01}, "Opus", {0x01}));
  EXPECT_EQ(mod.timestamp_offset_ns, 10u);
  EXPECT_EQ(mod.packet_type, audio_packet_type::coded_frames);
  EXPECT_EQ(mod.header_size, 10u);
  const auto many = audio_ok(make({0x95, 0x11}, "Opus", {0x00, 0x00, 0x00, 0x03}));
  EXPECT_TRUE(many.multitrack);
  EXPECT_EQ(many.track_mode, multitrack_type::many_tracks);
  EXPECT_EQ(many.fourcc, k_fourcc_opus);
  EXPECT_EQ(many.header_size, 6u);
  const auto codecs = audio_ok(make({0x95, 0x20}));
  EXPECT_EQ(codecs.fourcc, 0u);
  EXPECT_EQ(codecs.header_size, 2u);
  EXPECT_EQ(audio_error(make({0x95, 0x05}, "Opus")), error::flv_bad_tag_header);  // nested
}

TEST(flv_tag, enhanced_audio_errors) {
  EXPECT_EQ(audio_error(make({0x93}, "Opus")), error::flv_unsupported);  // 3 reserved
  EXPECT_EQ(audio_error(make({0x96}, "Opus")), error::flv_unsupported);  // 6 reserved
  EXPECT_EQ(audio_error(make({0x9C}, "Opus")), error::flv_unsupported);
  EXPECT_EQ(audio_error(make({0x91}, "abcd")), error::flv_unsupported);
  EXPECT_EQ(audio_error(make({0x91}, "Op")), error::flv_bad_tag_header);
  EXPECT_EQ(audio_error(make({0x97, 0x00})), error::flv_bad_tag_header);
}

}  // namespace
}  // namespace lectern::shared::flv
