// Opening a publish pipeline: a microphone that cannot be opened is replaced by silence
// when asked (the class still gets sound of a kind), and only then, and only a live device.
#include "lectern/media/publish_pipeline.hpp"

#include <gtest/gtest.h>

#include "lectern/media/sources.hpp"

namespace lectern::media {
namespace {

// A live device that cannot be opened: not paced, like microphone_source(), at a path that
// does not exist, so the test needs no sound server.
pipeline_options missing_microphone() {
  pipeline_options o;
  o.audio_source = microphone_source("", 48000, 1);
  o.audio_source->format = "";  // probe a file instead of asking PulseAudio
  o.audio_source->url = "/nonexistent/lectern-no-such-microphone";
  o.audio_filters = "afftdn";
  o.publish.url = "rtmp://127.0.0.1:1/live/x";  // never connected: the pipeline is not started
  return o;
}

TEST(PublishPipelineTest, MissingMicrophoneFailsUnlessSilenceIsAllowed) {
  std::unique_ptr<publish_pipeline> p;
  std::string message;
  const pipeline_options o = missing_microphone();
  EXPECT_TRUE(publish_pipeline::open(o, p, message));
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(message.rfind(o.audio_source->label, 0), 0U) << message;
}

TEST(PublishPipelineTest, MissingMicrophoneIsReplacedBySilence) {
  std::unique_ptr<publish_pipeline> p;
  std::string message;
  pipeline_options o = missing_microphone();
  o.silence_without_microphone = true;
  ASSERT_FALSE(publish_pipeline::open(o, p, message)) << message;
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(message.empty()) << message;
  EXPECT_EQ(p->notice().rfind(o.audio_source->label, 0), 0U) << p->notice();
  ASSERT_TRUE(p->options().audio_source.has_value());
  EXPECT_EQ(p->options().audio_source->label, "silence");
  EXPECT_TRUE(p->options().audio_filters.empty()) << "no denoiser on silence";
}

TEST(PublishPipelineTest, AMissingFileIsAnErrorEvenWhenSilenceIsAllowed) {
  std::unique_ptr<publish_pipeline> p;
  std::string message;
  pipeline_options o;
  o.audio_source = file_source("/nonexistent/lecture.mp4", AVMEDIA_TYPE_AUDIO, false);
  o.silence_without_microphone = true;  // a file is not a microphone: no silent stand-in
  o.publish.url = "rtmp://127.0.0.1:1/live/x";
  EXPECT_TRUE(publish_pipeline::open(o, p, message));
  EXPECT_EQ(p, nullptr);
  EXPECT_NE(message.find("lecture.mp4"), std::string::npos) << message;
}

}  // namespace
}  // namespace lectern::media
