// rtmp_reader: avformat_open_input + av_read_frame with an interrupt-callback watchdog.
#include "rtmp_reader.hpp"

#include <map>
#include <memory>
#include <thread>

#include "lectern/media/av_error.hpp"

namespace lectern::media {

namespace {
using clock = std::chrono::steady_clock;
constexpr AVRational k_us{1, 1'000'000};

std::int64_t to_us(std::int64_t t, AVRational tb) {
  return t == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(t, tb, k_us);
}

// The URL without its query, for messages: tokens do not belong in logs.
std::string without_query(const std::string& url) {
  return url.substr(0, url.find('?'));
}
}  // namespace

rtmp_reader::rtmp_reader(reader_options options, jitter_buffer& buffer, event_fn on_event)
    : options_(std::move(options)), buffer_(buffer), on_event_(std::move(on_event)) {}

int rtmp_reader::interrupt_callback(void* self) {
  return static_cast<rtmp_reader*>(self)->interrupted() ? 1 : 0;
}

bool rtmp_reader::interrupted() const {
  return stop_->load() || clock::now().time_since_epoch().count() > deadline_ns_.load();
}

void rtmp_reader::touch() {
  const auto deadline = clock::now() + options_.idle_timeout;
  deadline_ns_.store(
      std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count());
}

void rtmp_reader::run(const std::atomic<bool>& stop) {
  stop_ = &stop;
  auto backoff = options_.backoff_initial;
  while (!stop.load()) {
    bool got_packets = false;
    const auto ec = session(stop, got_packets);
    if (stop.load()) break;
    state_.store(player_state::reconnecting);
    ++reconnects_;
    if (got_packets) backoff = options_.backoff_initial;
    if (on_event_) {
      on_event_({"Lectern.Reconnect", without_query(options_.url) + ": " + ec.message() +
                                          "; again in " + std::to_string(backoff.count()) + " ms"});
    }
    const auto until = clock::now() + backoff;
    while (!stop.load() && clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    backoff = std::min(backoff * 2, options_.backoff_max);
  }
  state_.store(player_state::stopped);
}

std::error_code rtmp_reader::session(const std::atomic<bool>& stop, bool& got_packets) {
  AVFormatContext* raw = avformat_alloc_context();
  if (raw == nullptr) return make_av_error(AVERROR(ENOMEM));
  raw->interrupt_callback = {&rtmp_reader::interrupt_callback, this};
  AVDictionary* opts_raw = nullptr;
  av_dict_set_int(&opts_raw, "rtmp_buffer", options_.announce_buffer_ms, 0);
  av_dict_set(&opts_raw, "rtmp_live", "live", 0);
  touch();
  int r = avformat_open_input(&raw, options_.url.c_str(), nullptr, &opts_raw);
  const dictionary_ptr unused_opts(opts_raw);  // what the demuxer did not take
  if (r < 0) return make_av_error(r);          // avformat_open_input freed the context
  input_format_ptr ctx(raw);
  if (state_.exchange(player_state::waiting) != player_state::waiting && on_event_) {
    on_event_({"NetStream.Play.Start", "playing " + without_query(options_.url)});
  }
  buffer_.new_timeline();
  std::map<int, std::shared_ptr<const codec_params>> params;  // one per stream of ctx
  for (;;) {
    auto pkt = make_packet();
    touch();
    if (r = av_read_frame(ctx.get(), pkt.get()); r < 0) return make_av_error(r);
    if (stop.load()) return {};
    const AVStream* st = ctx->streams[pkt->stream_index];
    const auto type = st->codecpar->codec_type;
    if (type != AVMEDIA_TYPE_AUDIO && type != AVMEDIA_TYPE_VIDEO) continue;
    bytes_ += static_cast<std::uint64_t>(pkt->size);
    auto& p = params[pkt->stream_index];
    if (!p || p->get().codec_id != st->codecpar->codec_id) {
      p = std::make_shared<const codec_params>(*st->codecpar);
    }
    media_packet m;
    m.kind = type == AVMEDIA_TYPE_AUDIO ? media_kind::audio : media_kind::video;
    m.dts_us = to_us(pkt->dts, st->time_base);
    m.pts_us = pkt->pts == AV_NOPTS_VALUE ? m.dts_us : to_us(pkt->pts, st->time_base);
    if (m.dts_us == AV_NOPTS_VALUE) m.dts_us = m.pts_us;
    if (m.dts_us == AV_NOPTS_VALUE) continue;
    m.duration_us = to_us(pkt->duration, st->time_base);
    m.keyframe = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
    m.arrival = clock::now();
    m.params = p;
    // Decoders get microsecond times (their pkt_timebase), so frames come out in µs.
    pkt->pts = m.pts_us;
    pkt->dts = m.dts_us;
    pkt->duration = m.duration_us;
    m.packet = std::move(pkt);
    buffer_.push(std::move(m));
    got_packets = true;
  }
}

}  // namespace lectern::media
