// The encoders against FFmpeg itself: capture times in every video packet, forced IDRs,
// AAC frame size, and the audio filter chain's fixed-size frames.
#include "lectern/media/encoder.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "lectern/media/frame_filter.hpp"
#include "lectern/shared/capture_time.hpp"

extern "C" {
#include <libavutil/channel_layout.h>
}

namespace lectern::media {
namespace {

frame_ptr grey_frame(int w, int h, std::int64_t pts) {
  frame_ptr f = make_frame();
  f->width = w;
  f->height = h;
  f->format = AV_PIX_FMT_YUV420P;
  EXPECT_GE(av_frame_get_buffer(f.get(), 0), 0);
  std::memset(f->data[0], static_cast<int>(pts * 7 % 200),
              static_cast<std::size_t>(f->linesize[0]) * h);
  std::memset(f->data[1], 128, static_cast<std::size_t>(f->linesize[1]) * h / 2);
  std::memset(f->data[2], 128, static_cast<std::size_t>(f->linesize[2]) * h / 2);
  f->pts = pts;
  return f;
}

TEST(EncoderTest, EveryVideoPacketCarriesItsCaptureTime) {
  video_encoder_options o;
  o.width = 160;
  o.height = 120;
  o.keyint_frames = 100;
  std::unique_ptr<encoder> enc;
  std::string message;
  ASSERT_FALSE(encoder::open_video(o, enc, message)) << message;
  EXPECT_GT(enc->context().extradata_size, 0) << "FLV needs SPS/PPS as global headers";
  std::vector<encoded_packet> out;
  const packet_sink sink = [&](encoded_packet&& p) { out.push_back(std::move(p)); };
  for (int i = 0; i < 10; ++i) {
    auto f = grey_frame(160, 120, i);
    ASSERT_EQ(enc->encode(f.get(), 1'700'000'000'000'000 + i * 33'333, i == 5, sink), 0);
  }
  ASSERT_EQ(out.size(), 10U) << "zerolatency: one packet per frame, no delay";
  for (std::size_t i = 0; i < out.size(); ++i) {
    const AVPacket& p = *out[i].packet;
    const auto t = shared::find_capture_time({p.data, static_cast<std::size_t>(p.size)},
                                             shared::nal_framing::annex_b);
    ASSERT_TRUE(t.has_value()) << "packet " << i;
    EXPECT_EQ(*t, 1'700'000'000'000'000 + static_cast<std::int64_t>(i) * 33'333);
    EXPECT_EQ(out[i].capture_unix_us, *t);
    EXPECT_TRUE(out[i].video);
  }
  EXPECT_TRUE(out[0].packet->flags & AV_PKT_FLAG_KEY);
  EXPECT_TRUE(out[5].packet->flags & AV_PKT_FLAG_KEY) << "a forced keyframe (reconnect)";
  EXPECT_FALSE(out[4].packet->flags & AV_PKT_FLAG_KEY);
}

TEST(EncoderTest, AudioChainFeedsAacWholeFrames) {
  audio_encoder_options o;
  o.channels = 1;
  std::unique_ptr<encoder> enc;
  std::string message;
  ASSERT_FALSE(encoder::open_audio(o, enc, message)) << message;
  ASSERT_EQ(enc->frame_size(), 1024);
  // 44.1 kHz stereo s16 in chunks of 441 samples (10 ms, like a microphone) …
  frame_filter filter(AVMEDIA_TYPE_AUDIO,
                      "aresample=48000,aformat=sample_fmts=fltp:channel_layouts=mono", {1, 44100},
                      enc->frame_size());
  int frames_out = 0, packets = 0;
  frame_ptr out = make_frame();
  for (int chunk = 0; chunk < 100; ++chunk) {
    frame_ptr in = make_frame();
    in->nb_samples = 441;
    in->format = AV_SAMPLE_FMT_S16;
    in->sample_rate = 44100;
    av_channel_layout_default(&in->ch_layout, 2);
    ASSERT_GE(av_frame_get_buffer(in.get(), 0), 0);
    std::memset(in->data[0], 0, 441 * 4);
    in->pts = chunk * 441;
    ASSERT_GE(filter.push(in.get()), 0);
    while (filter.pull(out.get()) >= 0) {
      EXPECT_EQ(out->nb_samples, 1024);  // … comes out in whole AAC frames
      out->pts = frames_out++ * 1024;
      ASSERT_EQ(enc->encode(out.get(), 0, false, [&](encoded_packet&&) { ++packets; }), 0);
      av_frame_unref(out.get());
    }
  }
  EXPECT_GE(frames_out, 45);  // 1 s at 48 kHz is 46.9 frames, less what the filter holds
  EXPECT_GT(packets, 40);
}

}  // namespace
}  // namespace lectern::media
