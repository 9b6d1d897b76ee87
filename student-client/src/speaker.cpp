// speaker: the shared publish pipeline (lectern_media) with the student's sources.
#include "speaker.hpp"

#include "lectern/media/publish_pipeline.hpp"
#include "lectern/media/sources.hpp"

namespace lectern::student {

namespace {

// A student's picture is a small tile in the teacher's window: 360p at 25 fps is enough.
constexpr int k_width = 640;
constexpr int k_height = 360;
constexpr int k_fps = 25;
constexpr int k_video_kbps = 600;

media::pipeline_options pipeline_for(const options& o, const std::string& url) {
  media::pipeline_options p;
  p.video.width = k_width;
  p.video.height = k_height;
  p.video.fps = k_fps;
  p.video.keyint_frames = 2 * k_fps;
  p.video.bitrate_kbps = k_video_kbps;
  p.publish.url = url;
  const std::string camera = o.camera.empty() ? media::default_camera() : o.camera;
  if (o.test_source || camera.empty()) {
    p.video_source = media::test_video_source(k_width, k_height, k_fps);
  } else {
    p.video_source = media::camera_source(camera, k_width, k_height, k_fps);
  }
  p.audio_source =
      o.test_source ? media::test_audio_source(p.audio.sample_rate)
                    : media::microphone_source(o.microphone, p.audio.sample_rate, p.audio.channels);
  return p;
}

class pipeline_speaker final : public speaker {
 public:
  explicit pipeline_speaker(std::unique_ptr<media::publish_pipeline> p) : pipeline_(std::move(p)) {
    pipeline_->start();
  }
  ~pipeline_speaker() override { pipeline_->stop(); }
  pipeline_speaker(const pipeline_speaker&) = delete;
  pipeline_speaker& operator=(const pipeline_speaker&) = delete;

  bool running() const override {
    const auto s = pipeline_->stats();
    return s.publish.state != media::connection_state::stopped && !s.finished;
  }
  std::string state() const override { return media::to_string(pipeline_->stats().publish.state); }

 private:
  std::unique_ptr<media::publish_pipeline> pipeline_;
};

}  // namespace

std::unique_ptr<speaker> speaker::start(const options& opts, const std::string& publish_url,
                                        preview_fn preview, event_fn on_event, std::string& error) {
  auto p = pipeline_for(opts, publish_url);
  if (preview) {
    p.on_preview = [preview](const AVFrame& f) {
      media::video_frame v;
      v.frame = &f;
      v.pts_us = f.pts;
      preview(v);
    };
  }
  // No microphone: speak with silence rather than not at all, and say so.
  p.silence_without_microphone = true;
  std::unique_ptr<media::publish_pipeline> pipeline;
  if (media::publish_pipeline::open(std::move(p), pipeline, error)) return nullptr;
  if (on_event && !pipeline->notice().empty()) {
    on_event("speak.notice", pipeline->notice() + ": publishing silence instead");
  }
  return std::make_unique<pipeline_speaker>(std::move(pipeline));
}

}  // namespace lectern::student
