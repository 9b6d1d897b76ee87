// Replays real RTMP sessions captured from the ffmpeg CLI and rtmpdump (see
// tests/data/sessions/capture.sh): the handshake, then the chunk stream, fed whole and in
// every split size from 1 to 64 bytes plus random splits, must give the same messages, and
// those messages must say what the clients really sent.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

#include "lectern/shared/command.hpp"
#include "lectern/shared/control.hpp"
#include "lectern/shared/data_message.hpp"
#include "lectern/shared/handshake.hpp"
#include "lectern/shared/media_message.hpp"
#include "test_util.hpp"

namespace lectern::shared {
namespace {

bytes load(const std::string& name) {
  std::ifstream in(std::string(LECTERN_TEST_DATA) + "/sessions/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing capture " << name;
  return bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// What a person would want to know about a session.
struct summary {
  std::vector<std::string> events;  // commands and control, in order
  int video = 0, audio = 0, keyframes = 0, video_seq = 0, audio_seq = 0;
  std::uint64_t last_video_ts = 0, last_audio_ts = 0;
  bool timestamps_monotonic = true;
  std::optional<rtmp::stream_metadata> metadata;
};

std::string describe_command(const rtmp::command& c) {
  std::ostringstream s;
  s << c.name;
  for (const auto& a : c.args) s << ' ' << amf::to_debug_string(a);
  return s.str();
}

void add_media(summary& s, rtmp::message m) {
  media_message mm;
  EXPECT_FALSE(media_message::from_message(std::move(m), mm));
  auto& last = mm.is_video() ? s.last_video_ts : s.last_audio_ts;
  if (mm.timestamp < last) s.timestamps_monotonic = false;
  last = mm.timestamp;
  (mm.is_video() ? s.video : s.audio)++;
  if (mm.keyframe) s.keyframes++;
  if (mm.sequence_header) (mm.is_video() ? s.video_seq : s.audio_seq)++;
}

void add(summary& s, const rtmp::message& m) {
  using rtmp::message_type;
  switch (m.kind()) {
    case message_type::command_amf0:
    case message_type::command_amf3: {
      rtmp::command c;
      ASSERT_FALSE(rtmp::parse_command(m, c));
      s.events.push_back(describe_command(c));
      break;
    }
    case message_type::user_control: {
      rtmp::user_control_event e;
      ASSERT_FALSE(rtmp::parse_user_control(m.payload, e));
      if (auto* b = std::get_if<rtmp::set_buffer_length>(&e))
        s.events.push_back("SetBufferLength " + std::to_string(b->stream_id) + " " +
                           std::to_string(b->buffer_ms));
      else if (std::holds_alternative<rtmp::stream_begin>(e))
        s.events.push_back("StreamBegin");
      else if (std::holds_alternative<rtmp::stream_eof>(e))
        s.events.push_back("StreamEOF");
      else
        s.events.push_back("user control " + std::to_string(e.index()));
      break;
    }
    case message_type::data_amf0: {
      rtmp::stream_metadata md;
      if (!rtmp::parse_metadata(m, md)) s.metadata = md;
      s.events.push_back("data");
      break;
    }
    case message_type::audio:
    case message_type::video:
      add_media(s, m);
      break;
    default:
      s.events.push_back(m.type == 1   ? "SetChunkSize"
                         : m.type == 5 ? "WindowAckSize"
                         : m.type == 6 ? "SetPeerBandwidth"
                                       : "control type " + std::to_string(m.type));
  }
}

/// Runs our server handshake over the start of `wire` and returns the bytes after C2.
byte_view after_handshake(const bytes& wire, int expect_scheme) {
  handshake::server hs;
  bytes out;
  std::error_code ec;
  const std::size_t n = hs.put(wire, out, ec);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(hs.done());
  EXPECT_EQ(hs.scheme(), expect_scheme);
  EXPECT_EQ(n, 1u + 1536 * 2);
  return byte_view(wire).subspan(n);
}

std::vector<rtmp::message> read_with(byte_view data, std::function<std::size_t()> split) {
  rtmp::chunk_reader reader;
  std::error_code ec;
  auto msgs = test::read_split(reader, data, split, ec);
  EXPECT_FALSE(ec) << ec.message();
  return msgs;
}

void expect_same_messages(const std::vector<rtmp::message>& a, const std::vector<rtmp::message>& b,
                          const std::string& how) {
  ASSERT_EQ(a.size(), b.size()) << how;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].type, b[i].type) << how << " message " << i;
    ASSERT_EQ(a[i].timestamp, b[i].timestamp) << how << " message " << i;
    ASSERT_EQ(a[i].stream_id, b[i].stream_id) << how << " message " << i;
    ASSERT_EQ(a[i].payload, b[i].payload) << how << " message " << i;
  }
}

/// Reads the chunk stream whole, then in every piece size 1-64 and in random pieces, and
/// checks that every way gives the same messages.
std::vector<rtmp::message> read_every_split(byte_view chunks) {
  const auto whole = read_with(chunks, [&] { return chunks.size(); });
  for (std::size_t piece = 1; piece <= 64; ++piece)
    expect_same_messages(whole, read_with(chunks, [=] { return piece; }),
                         "pieces of " + std::to_string(piece));
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round)
    expect_same_messages(whole, read_with(chunks, [&] { return 1 + rng() % 4000; }),
                         "random round " + std::to_string(round));
  return whole;
}

summary summarize(const std::vector<rtmp::message>& msgs) {
  summary s;
  for (const auto& m : msgs) add(s, m);
  return s;
}

using events = std::vector<std::string>;

// ffmpeg 5.1 publishing 1.5 s of 160x120 H.264 at 10 fps (GOP 10) and 22.05 kHz AAC, as
// OBS-style clients do: releaseStream, FCPublish, createStream, publish, @setDataFrame.
TEST(captured_session, ffmpeg_publish) {
  const bytes wire = load("ffmpeg_publish.client.bin");
  const auto msgs = read_every_split(after_handshake(wire, 1));
  const auto s = summarize(msgs);
  EXPECT_EQ(s.events, (events{"connect", "SetChunkSize", "releaseStream 'room1?token=abc'",
                              "FCPublish 'room1?token=abc'", "createStream",
                              "publish 'room1?token=abc' 'live'", "data",
                              "FCUnpublish 'room1?token=abc'", "deleteStream 1"}));
  // 15 pictures, the AVC sequence header and the end-of-sequence tag; 34 AAC frames and
  // the AudioSpecificConfig. Pictures 0 and 10 are keyframes.
  EXPECT_EQ(s.video, 17);
  EXPECT_EQ(s.audio, 35);
  EXPECT_EQ(s.keyframes, 2);
  EXPECT_EQ(s.video_seq, 1);
  EXPECT_EQ(s.audio_seq, 1);
  EXPECT_TRUE(s.timestamps_monotonic);
  EXPECT_EQ(s.last_video_ts, 1446u);
  EXPECT_EQ(s.last_audio_ts, 1532u);

  rtmp::command c;
  ASSERT_FALSE(rtmp::parse_command(msgs[0], c));
  rtmp::connect_command connect;
  ASSERT_FALSE(rtmp::parse_connect(c, connect));
  EXPECT_EQ(connect.app, "live");
  EXPECT_EQ(connect.flash_ver, "FMLE/3.0 (compatible; Lavf59.27.100)");
  ASSERT_TRUE(connect.tc_url);
  EXPECT_TRUE(connect.tc_url->starts_with("rtmp://127.0.0.1:")) << *connect.tc_url;
  EXPECT_TRUE(connect.tc_url->ends_with("/live")) << *connect.tc_url;

  ASSERT_TRUE(s.metadata);
  EXPECT_EQ(s.metadata->width, 160);
  EXPECT_EQ(s.metadata->height, 120);
  EXPECT_EQ(s.metadata->framerate, 10);
  EXPECT_EQ(s.metadata->video_codec_id.number, 7);   // AVC
  EXPECT_EQ(s.metadata->audio_codec_id.number, 10);  // AAC
  EXPECT_EQ(s.metadata->audio_sample_rate, 22050);
}

// ffmpeg 5.1 playing: note play's start of -2000 (ffmpeg multiplies -2 by 1000) and the
// 3 s SetBufferLength a server must honour.
TEST(captured_session, ffmpeg_play) {
  const bytes wire = load("ffmpeg_play.client.bin");
  const auto s = summarize(read_every_split(after_handshake(wire, 1)));
  EXPECT_EQ(s.events,
            (events{"connect", "WindowAckSize", "createStream", "getStreamLength 'room1?token=abc'",
                    "play 'room1?token=abc' -2000", "SetBufferLength 1 3000", "deleteStream 1"}));
  EXPECT_EQ(s.video + s.audio, 0);
}

// rtmpdump 2.4 (librtmp) with --live: simple handshake, FCSubscribe, and a 10-hour buffer.
TEST(captured_session, rtmpdump_play) {
  const bytes wire = load("rtmpdump_play.client.bin");
  const auto s = summarize(read_every_split(after_handshake(wire, -1)));
  EXPECT_EQ(s.events, (events{"connect", "WindowAckSize", "SetBufferLength 0 300", "createStream",
                              "FCSubscribe 'room1?token=abc'", "play 'room1?token=abc' -1000",
                              "SetBufferLength 1 36000000", "deleteStream 1"}));
}

// What lectern-rtmp-capture sent ffmpeg while it played tests/data/flv/testsrc_2s.flv:
// our writer's chunking, read back by our reader, gives every tag of the file.
TEST(captured_session, our_answers_to_ffmpeg_play) {
  const bytes wire = load("ffmpeg_play.server.bin");
  const auto s = summarize(read_every_split(byte_view(wire).subspan(1 + 1536 * 2)));
  ASSERT_GE(s.events.size(), 6u);
  EXPECT_EQ(events(s.events.begin(), s.events.begin() + 3),
            (events{"WindowAckSize", "SetPeerBandwidth", "SetChunkSize"}));
  EXPECT_EQ(
      s.events.back(),
      "onStatus {level: 'status', code: 'NetStream.Play.Stop', description: 'Stopped playing.'}");
  // ffprobe -count_packets reports 30 H.264 and 88 AAC packets in the file; the tags add
  // the two sequence headers and the AVC end of sequence.
  EXPECT_EQ(s.video, 32);
  EXPECT_EQ(s.audio, 89);
  EXPECT_EQ(s.keyframes, 2);
  EXPECT_TRUE(s.timestamps_monotonic);
}

}  // namespace
}  // namespace lectern::shared
