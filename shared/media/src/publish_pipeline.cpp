// The capture threads of a publish pipeline.
#include "lectern/media/publish_pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "lectern/media/av_error.hpp"
#include "lectern/media/frame_filter.hpp"
#include "lectern/media/sources.hpp"

extern "C" {
#include <libavutil/samplefmt.h>
}

namespace lectern::media {

std::error_code publish_pipeline::open(pipeline_options options,
                                       std::unique_ptr<publish_pipeline>& out,
                                       std::string& message) {
  std::unique_ptr<publish_pipeline> p(new publish_pipeline(std::move(options)));
  auto& o = p->options_;
  if (o.video_source) {
    if (auto ec = media_source::open(*o.video_source, p->video_source_, message)) return ec;
    if (o.video.width <= 0 || o.video.height <= 0) {  // the source's own size, made even
      o.video.width = std::max(2, p->video_source_->decoder().width & ~1);
      o.video.height = std::max(2, p->video_source_->decoder().height & ~1);
    }
    if (auto ec = encoder::open_video(o.video, p->video_encoder_, message)) return ec;
  }
  if (o.audio_source) {
    auto ec = media_source::open(*o.audio_source, p->audio_source_, message);
    if (ec && o.silence_without_microphone && !o.audio_source->pace) {
      // Only this source is replaced: the camera and its encoder stay open as they are.
      p->notice_ = std::move(message);
      message.clear();
      o.audio_source = silent_audio_source(o.audio.sample_rate);
      o.audio_filters.clear();
      ec = media_source::open(*o.audio_source, p->audio_source_, message);
    }
    if (!ec) ec = encoder::open_audio(o.audio, p->audio_encoder_, message);
    if (ec) return ec;
  }
  if (!p->video_source_ && !p->audio_source_) {
    message = "nothing to publish: no video and no audio source";
    return make_av_error(AVERROR(EINVAL));
  }
  p->publisher_ = std::make_unique<rtmp_publisher>(
      o.publish, p->video_encoder_ ? &p->video_encoder_->context() : nullptr,
      p->audio_encoder_ ? &p->audio_encoder_->context() : nullptr);
  out = std::move(p);
  return {};
}

publish_pipeline::~publish_pipeline() {
  stop();
}

void publish_pipeline::start() {
  start_unix_us_ = unix_now_us();
  publisher_->start();
  if (video_source_) video_thread_ = std::thread([this] { video_loop(); });
  if (audio_source_) audio_thread_ = std::thread([this] { audio_loop(); });
}

void publish_pipeline::stop() {
  if (video_source_) video_source_->interrupt();
  if (audio_source_) audio_source_->interrupt();
  if (video_thread_.joinable()) video_thread_.join();
  if (audio_thread_.joinable()) audio_thread_.join();
  if (publisher_) publisher_->stop();
}

pipeline_stats publish_pipeline::stats(bool reset_max) {
  pipeline_stats s;
  s.publish = publisher_->stats(reset_max);
  s.video_captured = video_captured_;
  s.video_encoded = video_encoded_;
  s.video_skipped = video_skipped_;
  s.audio_encoded = audio_encoded_;
  s.audio_peak = audio_peak_;
  s.video_enabled = video_enabled_;
  s.audio_muted = audio_muted_;
  s.finished = finished_;
  std::lock_guard lock(error_mutex_);
  s.source_error = source_error_;
  return s;
}

void publish_pipeline::source_failed(const media_source& s, int rc) {
  if (rc == AVERROR_EXIT) return;  // stop() interrupted it
  finished_ = true;
  if (rc == AVERROR_EOF) return;
  std::lock_guard lock(error_mutex_);
  source_error_ = s.spec().label + ": " + av_error_text(rc);
}

void publish_pipeline::video_loop() {
  const auto& v = options_.video;
  frame_filter filter(AVMEDIA_TYPE_VIDEO,
                      "scale=" + std::to_string(v.width) + ":" + std::to_string(v.height) +
                          ":flags=bilinear,format=yuv420p",
                      video_source_->time_base());
  captured_frame in;
  frame_ptr out = make_frame();
  video_clock clock{start_unix_us_, v.fps};
  for (;;) {
    int rc = video_source_->read(in);
    if (rc < 0) return source_failed(*video_source_, rc);
    ++video_captured_;
    if (rc = filter.push(in.frame.get()); rc < 0) return source_failed(*video_source_, rc);
    while (filter.pull(out.get()) >= 0) {
      encode_video(*out, clock.position(*out, filter.output_time_base(), in.capture_unix_us),
                   in.capture_unix_us, clock.last_pts);
      av_frame_unref(out.get());
    }
  }
}

double publish_pipeline::video_clock::position(const AVFrame& f, AVRational tb,
                                               std::int64_t capture_us) {
  // The source's own timestamps (device clock, file, lavfi) are regular where the time a
  // frame reaches us is not (a loaded machine wakes late, then delivers two at once); the
  // first frame anchors them on the capture clock, rounded to a whole output frame.
  if (first_pts == AV_NOPTS_VALUE || f.pts == AV_NOPTS_VALUE) {
    first_pts = f.pts == AV_NOPTS_VALUE ? 0 : f.pts;
    base = std::llround(static_cast<double>(capture_us - start_us) * fps / 1e6);
  }
  const double seconds = static_cast<double>(f.pts - first_pts) * av_q2d(tb);
  return static_cast<double>(base) + seconds * fps;
}

void publish_pipeline::encode_video(AVFrame& f, double position, std::int64_t capture_us,
                                    std::int64_t& last_pts) {
  // Output timestamps count frames at the configured rate: a faster source is thinned
  // out, a slower one leaves gaps (the stream stays real time either way).
  if (position < static_cast<double>(last_pts) + 0.5) {
    ++video_skipped_;
    return;
  }
  f.pts = std::max<std::int64_t>(last_pts + 1, std::llround(position));
  last_pts = f.pts;
  if (!video_enabled_ && av_frame_make_writable(&f) >= 0) {
    for (int plane = 0; plane < 3; ++plane) {
      const int rows = plane == 0 ? f.height : (f.height + 1) / 2;
      std::memset(f.data[plane], plane == 0 ? 16 : 128,
                  static_cast<std::size_t>(f.linesize[plane]) * rows);
    }
  }
  if (options_.on_preview) options_.on_preview(f);
  ++video_encoded_;
  const bool key = publisher_->take_keyframe_request();
  const int rc = video_encoder_->encode(
      &f, capture_us, key, [this](encoded_packet&& p) { publisher_->submit(std::move(p)); });
  if (rc < 0) source_failed(*video_source_, rc);
}

std::string publish_pipeline::audio_chain() const {
  const auto& a = options_.audio;
  std::string chain = options_.audio_filters;
  if (!chain.empty()) chain += ",";
  chain += "aresample=" + std::to_string(a.sample_rate) +
           ",aformat=sample_fmts=fltp:channel_layouts=" + (a.channels == 1 ? "mono" : "stereo");
  return chain;
}

void publish_pipeline::audio_loop() {
  frame_filter filter(AVMEDIA_TYPE_AUDIO, audio_chain(), audio_source_->time_base(),
                      audio_encoder_->frame_size());
  captured_frame in;
  frame_ptr out = make_frame();
  for (;;) {
    int rc = audio_source_->read(in);
    if (rc < 0) return source_failed(*audio_source_, rc);
    if (rc = filter.push(in.frame.get()); rc < 0) return source_failed(*audio_source_, rc);
    while (filter.pull(out.get()) >= 0) {
      encode_audio(*out, in.capture_unix_us);
      av_frame_unref(out.get());
    }
  }
}

void publish_pipeline::encode_audio(AVFrame& f, std::int64_t capture_us) {
  const int rate = options_.audio.sample_rate;
  // Audio timestamps count samples from the first one, placed on the capture clock, so
  // they line up with video and never jitter.
  if (!audio_base_) audio_base_ = (capture_us - start_unix_us_) * rate / 1000000;
  f.pts = *audio_base_ + audio_samples_;
  audio_samples_ += f.nb_samples;
  const int channels = f.ch_layout.nb_channels;
  if (options_.echo != nullptr) cancel_echo(f);
  if (audio_muted_ && av_frame_make_writable(&f) >= 0) {
    av_samples_set_silence(f.extended_data, 0, f.nb_samples, channels,
                           static_cast<AVSampleFormat>(f.format));
  }
  float peak = 0;
  for (int c = 0; c < channels; ++c) {
    const auto* s = reinterpret_cast<const float*>(f.extended_data[c]);
    for (int i = 0; i < f.nb_samples; ++i) peak = std::max(peak, std::fabs(s[i]));
  }
  audio_peak_ = peak;
  ++audio_encoded_;
  const int rc = audio_encoder_->encode(
      &f, capture_us, false, [this](encoded_packet&& p) { publisher_->submit(std::move(p)); });
  if (rc < 0) source_failed(*audio_source_, rc);
}

void publish_pipeline::cancel_echo(AVFrame& f) {
  echo_canceller& aec = *options_.echo;
  if (f.sample_rate != aec.sample_rate() || f.nb_samples != aec.frame() ||
      f.format != AV_SAMPLE_FMT_FLTP || av_frame_make_writable(&f) < 0) {
    return;  // another rate or frame size: the canceller was made for 48 kHz AAC frames
  }
  const int channels = f.ch_layout.nb_channels;
  mono_.assign(static_cast<std::size_t>(f.nb_samples), 0.0F);
  for (int c = 0; c < channels; ++c) {
    const auto* s = reinterpret_cast<const float*>(f.extended_data[c]);
    for (int i = 0; i < f.nb_samples; ++i) mono_[i] += s[i] / static_cast<float>(channels);
  }
  aec.process(mono_);
  for (int c = 0; c < channels; ++c) {
    std::copy(mono_.begin(), mono_.end(), reinterpret_cast<float*>(f.extended_data[c]));
  }
}

}  // namespace lectern::media
