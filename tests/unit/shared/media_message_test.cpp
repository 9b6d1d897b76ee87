#include "lectern/shared/media_message.hpp"

#include <gtest/gtest.h>

#include "lectern/shared/error.hpp"
#include "test_util.hpp"

namespace lectern::shared {
namespace {

using test::hex;

media_message classify(rtmp::message_type type, std::string_view text, std::error_code& ec) {
  rtmp::message m;
  m.type = static_cast<std::uint8_t>(type);
  m.timestamp = 1234;
  m.stream_id = 1;
  m.payload = hex(text);
  media_message out;
  ec = media_message::from_message(std::move(m), out);
  return out;
}

TEST(media_message, classifies_avc_frames) {
  std::error_code ec;
  // 0x17 = keyframe + AVC, packet type 0 = AVCDecoderConfigurationRecord (FLV spec E.4.3.1)
  auto seq = classify(rtmp::message_type::video, "17 00 000000 01640028", ec);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(seq.sequence_header);
  EXPECT_FALSE(seq.keyframe);
  EXPECT_EQ(seq.priority(), drop_priority::never);

  auto key = classify(rtmp::message_type::video, "17 01 000000 00000001 65", ec);
  EXPECT_TRUE(key.keyframe);
  EXPECT_EQ(key.priority(), drop_priority::key_or_audio);
  EXPECT_EQ(key.timestamp, 1234u);
  EXPECT_EQ(key.size(), 10u);

  auto inter = classify(rtmp::message_type::video, "27 01 000000 00000001 41", ec);
  EXPECT_FALSE(inter.keyframe);
  EXPECT_EQ(inter.priority(), drop_priority::inter);

  auto disposable = classify(rtmp::message_type::video, "32 aabb", ec);  // H.263 disposable
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(disposable.priority(), drop_priority::disposable);
}

TEST(media_message, classifies_aac_and_enhanced_hevc) {
  std::error_code ec;
  auto asc = classify(rtmp::message_type::audio, "af 00 1210", ec);  // AAC AudioSpecificConfig
  EXPECT_FALSE(ec);
  EXPECT_TRUE(asc.sequence_header);
  auto raw = classify(rtmp::message_type::audio, "af 01 2100", ec);
  EXPECT_FALSE(raw.sequence_header);
  EXPECT_EQ(raw.priority(), drop_priority::key_or_audio);

  // E-RTMP: ex-header bit, FrameType 1 (key), PacketType 1 (CodedFrames), 'hvc1', SI24 cts.
  auto hevc = classify(rtmp::message_type::video, "91 68766331 000000 aa", ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(hevc.keyframe);
  auto hevc_seq = classify(rtmp::message_type::video, "90 68766331 01", ec);
  EXPECT_TRUE(hevc_seq.sequence_header);
}

// E-RTMP: PacketType 4 (Metadata, e.g. HDR colorInfo) and 2 (SequenceEnd) carry no picture
// but a decoder needs them: they are never dropped and never start a GOP.
TEST(media_message, enhanced_metadata_and_sequence_end_are_never_dropped) {
  std::error_code ec;
  auto meta = classify(rtmp::message_type::video, "94 68766331 02000a'colorInfo' 0300 0009", ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_FALSE(meta.keyframe);
  EXPECT_EQ(meta.priority(), drop_priority::never);
  auto end = classify(rtmp::message_type::video, "92 68766331", ec);  // ex-header, key, SequenceEnd
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_FALSE(end.keyframe);
  EXPECT_EQ(end.priority(), drop_priority::never);
  auto avc_end = classify(rtmp::message_type::video, "17 02 000000", ec);  // AVC end of sequence
  EXPECT_EQ(avc_end.priority(), drop_priority::never);
}

TEST(media_message, unparseable_video_still_forwards_as_inter_frame) {
  std::error_code ec;
  auto m = classify(rtmp::message_type::video, "", ec);
  EXPECT_TRUE(ec);
  EXPECT_FALSE(m.keyframe);
  EXPECT_EQ(m.priority(), drop_priority::inter);
  ASSERT_TRUE(m.payload);
}

TEST(media_message, payload_is_taken_without_copy_and_shared) {
  rtmp::message m;
  m.type = 9;
  m.payload = hex("17 01 000000 00");
  const auto* data = m.payload.data();
  media_message out;
  media_message::from_message(std::move(m), out);
  EXPECT_EQ(out.payload->data(), data);
  media_message copy = out;
  EXPECT_EQ(copy.payload.get(), out.payload.get());
  EXPECT_EQ(out.to_message(6).payload, hex("17 01 000000 00"));
}

TEST(media_message, metadata_is_never_dropped) {
  std::error_code ec;
  auto meta = classify(rtmp::message_type::data_amf0, "02000a6f6e4d65746144617461", ec);
  EXPECT_FALSE(ec);
  EXPECT_EQ(meta.priority(), drop_priority::never);
  classify(rtmp::message_type::command_amf0, "02", ec);
  EXPECT_EQ(ec, error::message_unknown_type);
}

}  // namespace
}  // namespace lectern::shared
