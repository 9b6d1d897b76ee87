#include "lectern/ui/png.hpp"

#include <cstdio>
#include <cstring>
#include <memory>

#include "lectern/media/av.hpp"
#include "lectern/media/av_error.hpp"

namespace lectern::ui {

bool write_png(const std::string& path, const std::uint8_t* rgb, int width, int height, int pitch,
               std::string& error) {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
  media::codec_context_ptr ctx(codec != nullptr ? avcodec_alloc_context3(codec) : nullptr);
  if (!ctx) {
    error = "this FFmpeg has no PNG encoder";
    return false;
  }
  ctx->width = width;
  ctx->height = height;
  ctx->pix_fmt = AV_PIX_FMT_RGB24;
  ctx->time_base = {1, 1};
  int rc = avcodec_open2(ctx.get(), codec, nullptr);
  auto frame = media::make_frame();
  frame->width = width;
  frame->height = height;
  frame->format = AV_PIX_FMT_RGB24;
  if (rc >= 0) rc = av_frame_get_buffer(frame.get(), 0);
  if (rc >= 0) {
    for (int y = 0; y < height; ++y) {
      std::memcpy(frame->data[0] + y * frame->linesize[0], rgb + y * pitch,
                  static_cast<std::size_t>(width) * 3);
    }
    rc = avcodec_send_frame(ctx.get(), frame.get());
  }
  auto packet = media::make_packet();
  if (rc >= 0) rc = avcodec_receive_packet(ctx.get(), packet.get());
  if (rc < 0) {
    error = "PNG encoding failed: " + media::av_error_text(rc);
    return false;
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f || std::fwrite(packet->data, 1, static_cast<std::size_t>(packet->size), f.get()) !=
                static_cast<std::size_t>(packet->size)) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace lectern::ui
