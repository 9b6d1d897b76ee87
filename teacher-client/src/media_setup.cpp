// Choosing and describing the teacher's sources.
#include "media_setup.hpp"

#include "lectern/media/sources.hpp"

namespace lectern::teacher {

namespace {
// Noise suppression (FFmpeg afftdn, FFT denoiser in Debian's FFmpeg 5.1, no model file):
// 12 dB of reduction on a noise floor estimated at -40 dBFS, adapting as the room changes.
constexpr const char* k_denoise_filter = "afftdn=nr=12:nf=-40:tn=1";
}  // namespace

media::pipeline_options main_stream_options(const teacher_options& o, const std::string& rtmp_url,
                                            std::string& notices) {
  media::pipeline_options p;
  p.video = o.video;
  p.audio = o.audio;
  p.publish.url = rtmp_url;
  const auto& v = o.video;
  if (!o.file.empty()) {
    p.video_source = media::file_source(o.file, AVMEDIA_TYPE_VIDEO, o.loop);
    p.audio_source = media::file_source(o.file, AVMEDIA_TYPE_AUDIO, o.loop);
    return p;
  }
  if (o.test_source) {
    p.video_source = media::test_video_source(v.width, v.height, v.fps);
    p.audio_source = media::test_audio_source(o.audio.sample_rate);
    return p;
  }
  const std::string camera = o.camera.empty() ? media::default_camera() : o.camera;
  if (camera.empty()) {
    notices +=
        "notice: no camera found (no capture device under /dev/video*): publishing the "
        "test pattern instead. Plug one in and restart, or pass --camera DEV.\n";
    p.video_source = media::test_video_source(v.width, v.height, v.fps);
  } else {
    p.video_source = media::camera_source(camera, v.width, v.height, v.fps);
  }
  p.audio_source = media::microphone_source(o.mic, o.audio.sample_rate, o.audio.channels);
  if (o.denoise) p.audio_filters = k_denoise_filter;
  return p;
}

media::pipeline_options screen_stream_options(const teacher_options& o,
                                              const std::string& rtmp_url) {
  media::pipeline_options p;
  p.video_source = media::screen_source(o.screen_display, o.screen_fps);
  p.video = o.video;
  p.video.width = p.video.height = 0;  // text on a screen needs its own resolution
  p.video.fps = o.screen_fps;
  p.video.keyint_frames = 2 * o.screen_fps;
  p.video.bitrate_kbps = o.screen_bitrate_kbps;
  p.publish.url = rtmp_url;
  return p;
}

std::string screen_url(const std::string& rtmp_url) {
  const auto q = rtmp_url.find('?');
  const std::string base = rtmp_url.substr(0, q);
  return base + "-screen" + (q == std::string::npos ? "" : rtmp_url.substr(q));
}

std::error_code open_main_pipeline(media::pipeline_options options,
                                   std::unique_ptr<media::publish_pipeline>& out,
                                   std::string& message, std::string& notices) {
  options.silence_without_microphone = true;
  const auto ec = media::publish_pipeline::open(std::move(options), out, message);
  if (!ec && !out->notice().empty()) {
    notices += "notice: " + out->notice() +
               ": publishing silence instead. Pass --mic DEV (see --list-devices).\n";
  }
  return ec;
}

std::string device_listing() {
  std::string out;
  const auto devices = media::list_devices();
  for (const char* kind : {"camera", "microphone", "screen"}) {
    out += std::string(kind) + "s:\n";
    bool any = false;
    for (const auto& d : devices) {
      if (d.kind != kind) continue;
      out += "  " + d.name + (d.description.empty() ? "" : "  (" + d.description + ")") + "\n";
      any = true;
    }
    if (!any) out += "  (none found)\n";
  }
  out += "test source: always available (--test-source)\n";
  return out;
}

}  // namespace lectern::teacher
