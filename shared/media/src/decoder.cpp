// decoder: avcodec_send_packet / avcodec_receive_frame around one codec context.
#include "lectern/media/decoder.hpp"

#include "lectern/media/av_error.hpp"

namespace lectern::media {

std::unique_ptr<decoder> decoder::open(std::shared_ptr<const codec_params> params,
                                       std::error_code& ec) {
  const auto& p = params->get();
  const AVCodec* codec = avcodec_find_decoder(p.codec_id);
  if (codec == nullptr) {
    ec = make_av_error(AVERROR_DECODER_NOT_FOUND);
    return nullptr;
  }
  codec_context_ptr ctx(avcodec_alloc_context3(codec));
  if (!ctx) {
    ec = make_av_error(AVERROR(ENOMEM));
    return nullptr;
  }
  if (const int r = avcodec_parameters_to_context(ctx.get(), &p); r < 0) {
    ec = make_av_error(r);
    return nullptr;
  }
  ctx->pkt_timebase = AVRational{1, 1'000'000};
  if (p.codec_type == AVMEDIA_TYPE_VIDEO) {
    // Frame threads would hold back one frame per thread: latency we do not want.
    ctx->thread_type = FF_THREAD_SLICE;
    ctx->thread_count = 2;
  }
  if (const int r = avcodec_open2(ctx.get(), codec, nullptr); r < 0) {
    ec = make_av_error(r);
    return nullptr;
  }
  ec.clear();
  return std::unique_ptr<decoder>(new decoder(std::move(params), std::move(ctx)));
}

decoder::decoder(std::shared_ptr<const codec_params> params, codec_context_ptr context)
    : params_(std::move(params)), context_(std::move(context)) {}

std::error_code decoder::send(const AVPacket* packet) {
  const int r = avcodec_send_packet(context_.get(), packet);
  if (r < 0 && r != AVERROR(EAGAIN) && r != AVERROR_EOF) return make_av_error(r);
  return {};
}

int decoder::receive(AVFrame* frame) {
  return avcodec_receive_frame(context_.get(), frame);
}

void decoder::flush() {
  avcodec_flush_buffers(context_.get());
}

}  // namespace lectern::media
