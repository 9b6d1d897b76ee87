// Opening libx264/AAC and the send/receive loop; capture-time SEI on every video packet.
#include "lectern/media/encoder.hpp"

#include <cstring>
#include <new>

#include "lectern/media/av_error.hpp"
#include "lectern/shared/capture_time.hpp"

extern "C" {
#include <libavutil/opt.h>
}

namespace lectern::media {

namespace {
// Frames inside the encoder whose capture time we remember; zerolatency holds none, other
// settings a handful. Older entries are dropped (their packets get the newest time).
constexpr std::size_t k_max_in_flight = 64;

/// avcodec_open2 with `opts` (freed here); the message names the encoder and FFmpeg's reason.
std::error_code open_codec(AVCodecContext& ctx, const AVCodec* codec, AVDictionary* opts,
                           std::string& message) {
  const int rc = avcodec_open2(&ctx, codec, &opts);
  av_dict_free(&opts);  // what avcodec_open2 left: the options it did not know
  if (rc < 0) {
    message = std::string("cannot open the ") + codec->name + " encoder: " + av_error_text(rc);
    return make_av_error(rc);
  }
  return {};
}
}  // namespace

std::error_code encoder::open_video(const video_encoder_options& o, std::unique_ptr<encoder>& out,
                                    std::string& message) {
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (codec == nullptr) {
    message = "this FFmpeg was built without libx264 (install Debian's libavcodec59)";
    return make_av_error(AVERROR_ENCODER_NOT_FOUND);
  }
  codec_context_ptr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw std::bad_alloc();
  ctx->width = o.width;
  ctx->height = o.height;
  ctx->pix_fmt = AV_PIX_FMT_YUV420P;
  ctx->time_base = {1, o.fps};
  ctx->framerate = {o.fps, 1};
  ctx->gop_size = o.keyint_frames;
  ctx->max_b_frames = 0;
  ctx->thread_count = o.threads;
  ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // FLV: SPS/PPS in the AVC sequence header
  const std::int64_t cap = static_cast<std::int64_t>(o.bitrate_kbps) * 1000;
  ctx->rc_max_rate = cap;
  ctx->rc_buffer_size = static_cast<int>(cap);  // one second of VBV buffer
  if (!o.quality) ctx->bit_rate = cap;          // average at the cap (ABR + VBV)
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "preset", o.preset.c_str(), 0);
  av_dict_set(&opts, "tune", "zerolatency", 0);
  av_dict_set(&opts, "forced-idr", "1", 0);  // a forced keyframe is an IDR a player can join at
  if (o.quality) av_dict_set(&opts, "crf", std::to_string(*o.quality).c_str(), 0);
  if (auto ec = open_codec(*ctx, codec, opts, message)) return ec;
  out.reset(new encoder(std::move(ctx)));
  return {};
}

std::error_code encoder::open_audio(const audio_encoder_options& o, std::unique_ptr<encoder>& out,
                                    std::string& message) {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (codec == nullptr) {
    message = "this FFmpeg has no AAC encoder";
    return make_av_error(AVERROR_ENCODER_NOT_FOUND);
  }
  codec_context_ptr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw std::bad_alloc();
  ctx->sample_rate = o.sample_rate;
  ctx->sample_fmt = AV_SAMPLE_FMT_FLTP;
  av_channel_layout_default(&ctx->ch_layout, o.channels);
  ctx->bit_rate = static_cast<std::int64_t>(o.bitrate_kbps) * 1000;
  ctx->time_base = {1, o.sample_rate};
  ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // FLV: AudioSpecificConfig in the sequence header
  if (auto ec = open_codec(*ctx, codec, nullptr, message)) return ec;
  out.reset(new encoder(std::move(ctx)));
  return {};
}

void encoder::stamp(AVPacket& packet, std::int64_t capture_unix_us) const {
  const auto sei = shared::make_capture_time_sei(capture_unix_us);
  const std::span<const std::uint8_t> frame{packet.data, static_cast<std::size_t>(packet.size)};
  const std::size_t size = shared::inserted_size(frame, sei);
  AVBufferRef* buf = av_buffer_alloc(size + AV_INPUT_BUFFER_PADDING_SIZE);
  if (buf == nullptr) throw std::bad_alloc();
  // Straight into the new packet buffer: one copy of the frame, not two.
  shared::insert_sei_into(frame, sei, shared::nal_framing::annex_b, {buf->data, size});
  std::memset(buf->data + size, 0, AV_INPUT_BUFFER_PADDING_SIZE);
  av_buffer_unref(&packet.buf);
  packet.buf = buf;
  packet.data = buf->data;
  packet.size = static_cast<int>(size);
}

std::int64_t encoder::capture_time_of(std::int64_t pts) {
  std::int64_t found = in_flight_.empty() ? 0 : in_flight_.back().second;
  while (!in_flight_.empty() && in_flight_.front().first <= pts) {
    found = in_flight_.front().second;
    in_flight_.pop_front();
  }
  return found;
}

int encoder::encode(AVFrame* frame, std::int64_t capture_unix_us, bool force_keyframe,
                    const packet_sink& sink) {
  if (frame != nullptr) {
    frame->pict_type = force_keyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
    if (in_flight_.size() >= k_max_in_flight) in_flight_.pop_front();
    in_flight_.emplace_back(frame->pts, capture_unix_us);
  }
  int rc = avcodec_send_frame(ctx_.get(), frame);
  if (rc < 0 && rc != AVERROR_EOF) return rc;
  for (;;) {
    rc = avcodec_receive_packet(ctx_.get(), packet_.get());
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return 0;
    if (rc < 0) return rc;
    encoded_packet out;
    out.video = video();
    out.time_base = ctx_->time_base;
    out.capture_unix_us = capture_time_of(packet_->pts);
    if (out.video) stamp(*packet_, out.capture_unix_us);
    out.packet = make_packet();
    av_packet_move_ref(out.packet.get(), packet_.get());
    sink(std::move(out));
  }
}

}  // namespace lectern::media
