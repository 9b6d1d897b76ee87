// Opening, decoding, pacing and looping one capture input.
#include "lectern/media/source.hpp"

#include <thread>

#include "lectern/media/av_error.hpp"

extern "C" {
#include <libavdevice/avdevice.h>
}

namespace lectern::media {

namespace {
// A paced source that falls this far behind its clock (a stalled disk, a suspended
// process) restarts the clock instead of sending a burst to catch up.
constexpr auto k_max_pace_lag = std::chrono::seconds(1);
// Sleeps are sliced so that interrupt() is noticed quickly.
constexpr auto k_sleep_slice = std::chrono::milliseconds(20);
}  // namespace

std::int64_t unix_now_us() noexcept {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

int media_source::interrupt_callback(void* self) {
  return static_cast<media_source*>(self)->interrupted_ ? 1 : 0;
}

std::error_code media_source::open(const source_spec& spec, std::unique_ptr<media_source>& out,
                                   std::string& message) {
  std::unique_ptr<media_source> s(new media_source(spec));
  if (const int rc = s->open_input(message); rc < 0) {
    message = spec.label + ": " + message + " (" + av_error_text(rc) + ")";
    return make_av_error(rc);
  }
  out = std::move(s);
  return {};
}

int media_source::open_input(std::string& message) {
  avdevice_register_all();  // idempotent; devices (v4l2, pulse, x11grab, lavfi) need it
  const AVInputFormat* format = nullptr;
  if (!spec_.format.empty()) {
    format = av_find_input_format(spec_.format.c_str());
    if (format == nullptr) {
      message = "this FFmpeg has no input format '" + spec_.format + "'";
      return AVERROR_DEMUXER_NOT_FOUND;
    }
  }
  AVDictionary* raw_options = nullptr;
  for (const auto& [k, v] : spec_.options) av_dict_set(&raw_options, k.c_str(), v.c_str(), 0);
  dictionary_ptr options(raw_options);
  AVFormatContext* ctx = avformat_alloc_context();
  if (ctx == nullptr) throw std::bad_alloc();
  ctx->interrupt_callback = {&media_source::interrupt_callback, this};
  raw_options = options.release();
  int rc = avformat_open_input(&ctx, spec_.url.c_str(), format, &raw_options);
  options.reset(raw_options);
  if (rc < 0) {
    message = "cannot open '" + spec_.url + "'";
    return rc;  // avformat_open_input freed ctx
  }
  input_.reset(ctx);
  if (rc = avformat_find_stream_info(ctx, nullptr); rc < 0) {
    message = "cannot read stream information";
    return rc;
  }
  const AVCodec* codec = nullptr;
  rc = av_find_best_stream(ctx, spec_.type, -1, -1, &codec, 0);
  if (rc < 0) {
    message = std::string("no ") + av_get_media_type_string(spec_.type) + " stream";
    return rc;
  }
  stream_ = ctx->streams[rc];
  decoder_.reset(avcodec_alloc_context3(codec));
  if (!decoder_) throw std::bad_alloc();
  if (rc = avcodec_parameters_to_context(decoder_.get(), stream_->codecpar); rc < 0) return rc;
  decoder_->pkt_timebase = stream_->time_base;
  if (rc = avcodec_open2(decoder_.get(), codec, nullptr); rc < 0) {
    message = std::string("cannot open the ") + codec->name + " decoder";
    return rc;
  }
  return 0;
}

int media_source::decode_next(AVFrame* frame) {
  for (;;) {
    int rc = avcodec_receive_frame(decoder_.get(), frame);
    if (rc != AVERROR(EAGAIN)) return rc;  // a frame, EOF after draining, or an error
    if (interrupted_) return AVERROR_EXIT;
    rc = av_read_frame(input_.get(), packet_.get());
    if (rc == AVERROR(EAGAIN)) {  // non-blocking devices: nothing yet
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    if (rc < 0) {
      if (interrupted_) return AVERROR_EXIT;
      if (rc != AVERROR_EOF) return rc;
      if (draining_) return AVERROR_EOF;
      draining_ = true;
      avcodec_send_packet(decoder_.get(), nullptr);  // flush what the decoder holds
      continue;
    }
    if (packet_->stream_index == stream_->index) {
      rc = avcodec_send_packet(decoder_.get(), packet_.get());
      // A corrupt packet from a camera or file costs one frame, not the class.
      if (rc < 0 && rc != AVERROR(EAGAIN) && rc != AVERROR_INVALIDDATA) {
        av_packet_unref(packet_.get());
        return rc;
      }
    }
    av_packet_unref(packet_.get());
  }
}

int media_source::rewind() {
  const std::int64_t start = stream_->start_time == AV_NOPTS_VALUE ? 0 : stream_->start_time;
  if (const int rc = av_seek_frame(input_.get(), stream_->index, start, AVSEEK_FLAG_BACKWARD);
      rc < 0) {
    return rc;
  }
  avcodec_flush_buffers(decoder_.get());
  draining_ = false;
  loop_offset_ = last_end_pts_ - start;
  return 0;
}

void media_source::pace(const AVFrame& frame) {
  using clock = std::chrono::steady_clock;
  if (first_pts_ == AV_NOPTS_VALUE || frame.pts == AV_NOPTS_VALUE) {
    first_pts_ = frame.pts == AV_NOPTS_VALUE ? 0 : frame.pts;
    pace_start_ = clock::now();
    return;
  }
  const auto offset_us = av_rescale_q(frame.pts - first_pts_, stream_->time_base, {1, 1000000});
  const auto due = pace_start_ + std::chrono::microseconds(offset_us);
  if (clock::now() - due > k_max_pace_lag) {
    first_pts_ = frame.pts;
    pace_start_ = clock::now();
    return;
  }
  while (!interrupted_ && clock::now() < due) {
    std::this_thread::sleep_for(std::min<clock::duration>(due - clock::now(), k_sleep_slice));
  }
}

int media_source::read(captured_frame& out) {
  if (!out.frame) out.frame = make_frame();
  AVFrame* f = out.frame.get();
  av_frame_unref(f);
  int rc = decode_next(f);
  if (rc == AVERROR_EOF && spec_.loop) {
    if (rc = rewind(); rc < 0) return rc;
    rc = decode_next(f);
  }
  if (rc < 0) return interrupted_ ? AVERROR_EXIT : rc;
  f->pts = f->best_effort_timestamp == AV_NOPTS_VALUE ? f->pts : f->best_effort_timestamp;
  if (f->pts != AV_NOPTS_VALUE) {
    f->pts += loop_offset_;
    std::int64_t duration = f->pkt_duration;
    if (spec_.type == AVMEDIA_TYPE_AUDIO && f->sample_rate > 0) {
      duration = av_rescale_q(f->nb_samples, {1, f->sample_rate}, stream_->time_base);
    }
    last_end_pts_ = f->pts + std::max<std::int64_t>(duration, 1);
  }
  if (spec_.pace) pace(*f);
  out.capture_unix_us = unix_now_us();
  return interrupted_ ? AVERROR_EXIT : 0;
}

}  // namespace lectern::media
