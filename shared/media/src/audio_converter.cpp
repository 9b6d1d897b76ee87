// audio_converter: swr_convert with swr_set_compensation for catch-up.
#include "audio_converter.hpp"

#include <cmath>

#include "lectern/media/audio_output.hpp"
#include "lectern/media/av_error.hpp"

namespace lectern::media {

std::error_code audio_converter::configure(const AVFrame& in) {
  AVChannelLayout out_layout{};
  av_channel_layout_default(&out_layout, k_output_channels);
  // swr_alloc_set_opts2 takes non-const layouts (FFmpeg 5.1); an unspecified order (a
  // decoder that only knows the count) gets the default layout for that count.
  AVChannelLayout in_layout{};
  if (in.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
    av_channel_layout_default(&in_layout, in.ch_layout.nb_channels);
  } else {
    av_channel_layout_copy(&in_layout, &in.ch_layout);
  }
  SwrContext* raw = nullptr;
  int r = swr_alloc_set_opts2(&raw, &out_layout, AV_SAMPLE_FMT_S16, k_output_rate, &in_layout,
                              static_cast<AVSampleFormat>(in.format), in.sample_rate, 0, nullptr);
  av_channel_layout_uninit(&in_layout);
  swr_ptr swr(raw);
  if (r >= 0) r = swr_init(swr.get());
  if (r < 0) return make_av_error(r);
  swr_ = std::move(swr);
  in_rate_ = in.sample_rate;
  in_format_ = in.format;
  av_channel_layout_uninit(&in_layout_);
  av_channel_layout_copy(&in_layout_, &in.ch_layout);
  compensating_ = false;
  return {};
}

std::error_code audio_converter::convert(const AVFrame& in, double rate,
                                         std::vector<std::int16_t>& out) {
  if (!swr_ || in.sample_rate != in_rate_ || in.format != in_format_ ||
      av_channel_layout_compare(&in.ch_layout, &in_layout_) != 0) {
    if (auto ec = configure(in)) return ec;
  }
  const int nominal =
      static_cast<int>(av_rescale_rnd(in.nb_samples, k_output_rate, in.sample_rate, AV_ROUND_UP));
  if (rate != 1.0 || compensating_) {
    // Spread the difference over this frame's samples (what ffplay does for A/V sync).
    const int delta = rate == 1.0 ? 0 : static_cast<int>(std::lround(nominal / rate)) - nominal;
    if (const int r = swr_set_compensation(swr_.get(), delta, delta == 0 ? 0 : nominal); r < 0) {
      return make_av_error(r);
    }
    compensating_ = delta != 0;
  }
  const int capacity = swr_get_out_samples(swr_.get(), in.nb_samples) + 256;
  out.resize(static_cast<std::size_t>(capacity) * k_output_channels);
  auto* dst = reinterpret_cast<std::uint8_t*>(out.data());
  const int n = swr_convert(swr_.get(), &dst, capacity,
                            const_cast<const std::uint8_t**>(in.extended_data), in.nb_samples);
  if (n < 0) return make_av_error(n);
  out.resize(static_cast<std::size_t>(n) * k_output_channels);
  return {};
}

}  // namespace lectern::media
