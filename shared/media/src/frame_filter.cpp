// Building and running a one-input, one-output filter graph.
#include "lectern/media/frame_filter.hpp"

#include <new>

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/channel_layout.h>
#include <libavutil/pixdesc.h>
}

namespace lectern::media {

frame_filter::frame_filter(AVMediaType type, std::string chain, AVRational input_time_base,
                           int audio_frame_size)
    : type_(type),
      chain_(std::move(chain)),
      input_time_base_(input_time_base),
      audio_frame_size_(audio_frame_size) {}

bool frame_filter::same_format(const AVFrame& f) const {
  if (type_ == AVMEDIA_TYPE_VIDEO) {
    return f.width == width_ && f.height == height_ && f.format == format_;
  }
  return f.sample_rate == sample_rate_ && f.format == format_ &&
         av_channel_layout_compare(&f.ch_layout, &layout_) == 0;
}

int frame_filter::build(const AVFrame& first) {
  graph_.reset(avfilter_graph_alloc());
  if (!graph_) throw std::bad_alloc();
  graph_->nb_threads = 1;  // the encoder has the cores; the filters are cheap
  const bool video = type_ == AVMEDIA_TYPE_VIDEO;
  std::string args;
  if (video) {
    const AVRational sar =
        first.sample_aspect_ratio.num > 0 ? first.sample_aspect_ratio : AVRational{1, 1};
    args = "video_size=" + std::to_string(first.width) + "x" + std::to_string(first.height) +
           ":pix_fmt=" + std::to_string(first.format) +
           ":time_base=" + std::to_string(input_time_base_.num) + "/" +
           std::to_string(input_time_base_.den) + ":pixel_aspect=" + std::to_string(sar.num) + "/" +
           std::to_string(sar.den);
  } else {
    char layout[128] = {};
    av_channel_layout_describe(&first.ch_layout, layout, sizeof layout);
    args = "sample_rate=" + std::to_string(first.sample_rate) +
           ":sample_fmt=" + av_get_sample_fmt_name(static_cast<AVSampleFormat>(first.format)) +
           ":channel_layout=" + layout + ":time_base=" + std::to_string(input_time_base_.num) +
           "/" + std::to_string(input_time_base_.den);
  }
  int rc = avfilter_graph_create_filter(&src_, avfilter_get_by_name(video ? "buffer" : "abuffer"),
                                        "in", args.c_str(), nullptr, graph_.get());
  if (rc < 0) return rc;
  rc = avfilter_graph_create_filter(&sink_,
                                    avfilter_get_by_name(video ? "buffersink" : "abuffersink"),
                                    "out", nullptr, nullptr, graph_.get());
  if (rc < 0) return rc;
  AVFilterInOut* outputs = avfilter_inout_alloc();
  AVFilterInOut* inputs = avfilter_inout_alloc();
  outputs->name = av_strdup("in");
  outputs->filter_ctx = src_;
  inputs->name = av_strdup("out");
  inputs->filter_ctx = sink_;
  const std::string chain = chain_.empty() ? (video ? "null" : "anull") : chain_;
  rc = avfilter_graph_parse_ptr(graph_.get(), chain.c_str(), &inputs, &outputs, nullptr);
  avfilter_inout_free(&inputs);
  avfilter_inout_free(&outputs);
  if (rc < 0) return rc;
  if (rc = avfilter_graph_config(graph_.get(), nullptr); rc < 0) return rc;
  if (!video && audio_frame_size_ > 0) av_buffersink_set_frame_size(sink_, audio_frame_size_);
  width_ = first.width;
  height_ = first.height;
  format_ = first.format;
  sample_rate_ = first.sample_rate;
  av_channel_layout_uninit(&layout_);
  return av_channel_layout_copy(&layout_, &first.ch_layout);
}

int frame_filter::push(AVFrame* frame) {
  if (frame != nullptr && (!graph_ || !same_format(*frame))) {
    if (const int rc = build(*frame); rc < 0) {
      graph_.reset();
      return rc;
    }
  }
  if (!graph_) return frame == nullptr ? 0 : AVERROR(EINVAL);
  return av_buffersrc_add_frame_flags(src_, frame, AV_BUFFERSRC_FLAG_KEEP_REF);
}

int frame_filter::pull(AVFrame* out) {
  if (!graph_) return AVERROR(EAGAIN);
  return av_buffersink_get_frame(sink_, out);
}

AVRational frame_filter::output_time_base() const {
  return sink_ != nullptr ? av_buffersink_get_time_base(sink_) : input_time_base_;
}

}  // namespace lectern::media
