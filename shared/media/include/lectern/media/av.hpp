// Owning handles for FFmpeg objects: every AV* lives in a unique_ptr with the deleter that
// FFmpeg documents for it, so no early return leaks a context (style.md, FFmpeg examples).
#pragma once

#include <memory>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

namespace lectern::media {

namespace detail {
struct input_format_deleter {
  void operator()(AVFormatContext* c) const noexcept { avformat_close_input(&c); }
};
/// An output context owns its AVIOContext too (opened with avio_open or avio_open2).
struct output_format_deleter {
  void operator()(AVFormatContext* c) const noexcept {
    if (c != nullptr && c->oformat != nullptr && (c->oformat->flags & AVFMT_NOFILE) == 0) {
      avio_closep(&c->pb);
    }
    avformat_free_context(c);
  }
};
struct codec_deleter {
  void operator()(AVCodecContext* c) const noexcept { avcodec_free_context(&c); }
};
struct frame_deleter {
  void operator()(AVFrame* f) const noexcept { av_frame_free(&f); }
};
struct packet_deleter {
  void operator()(AVPacket* p) const noexcept { av_packet_free(&p); }
};
struct sws_deleter {
  void operator()(SwsContext* s) const noexcept { sws_freeContext(s); }
};
struct swr_deleter {
  void operator()(SwrContext* s) const noexcept { swr_free(&s); }
};
struct filter_graph_deleter {
  void operator()(AVFilterGraph* g) const noexcept { avfilter_graph_free(&g); }
};
struct dictionary_deleter {
  void operator()(AVDictionary* d) const noexcept { av_dict_free(&d); }
};
}  // namespace detail

/// A demuxer/capture device opened with avformat_open_input.
using input_format_ptr = std::unique_ptr<AVFormatContext, detail::input_format_deleter>;
/// A muxer made with avformat_alloc_output_context2 (and its avio, once opened).
using output_format_ptr = std::unique_ptr<AVFormatContext, detail::output_format_deleter>;
using codec_context_ptr = std::unique_ptr<AVCodecContext, detail::codec_deleter>;
using frame_ptr = std::unique_ptr<AVFrame, detail::frame_deleter>;
using packet_ptr = std::unique_ptr<AVPacket, detail::packet_deleter>;
using sws_ptr = std::unique_ptr<SwsContext, detail::sws_deleter>;
using swr_ptr = std::unique_ptr<SwrContext, detail::swr_deleter>;
using filter_graph_ptr = std::unique_ptr<AVFilterGraph, detail::filter_graph_deleter>;
using dictionary_ptr = std::unique_ptr<AVDictionary, detail::dictionary_deleter>;

/// A new frame or packet; throws std::bad_alloc when FFmpeg cannot allocate one.
frame_ptr make_frame();
packet_ptr make_packet();

}  // namespace lectern::media
