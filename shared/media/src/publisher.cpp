// The publisher thread: connect, write, reconnect.
#include "lectern/media/publisher.hpp"

#include <random>

#include "lectern/client/backoff.hpp"
#include "lectern/media/av_error.hpp"
#include "lectern/media/source.hpp"

namespace lectern::media {

namespace {
constexpr auto k_pop_timeout = std::chrono::milliseconds(100);

std::int64_t steady_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

std::int64_t dts_ms(const encoded_packet& p) {
  const std::int64_t dts = p.packet->dts != AV_NOPTS_VALUE ? p.packet->dts : p.packet->pts;
  return av_rescale_q(dts, p.time_base, {1, 1000});
}
}  // namespace

const char* to_string(connection_state s) noexcept {
  switch (s) {
    case connection_state::connecting:
      return "connecting";
    case connection_state::live:
      return "live";
    case connection_state::retrying:
      return "retrying";
    case connection_state::stopped:
      return "stopped";
  }
  return "unknown";
}

rtmp_publisher::rtmp_publisher(publisher_options options, const AVCodecContext* video,
                               const AVCodecContext* audio)
    : options_(std::move(options)), queue_(options_.max_queue_packets) {
  if (video != nullptr) {
    video_par_ = avcodec_parameters_alloc();
    if (video_par_ == nullptr || avcodec_parameters_from_context(video_par_, video) < 0) {
      throw std::bad_alloc();
    }
    video_rate_ = video->framerate;
  }
  if (audio != nullptr) {
    audio_par_ = avcodec_parameters_alloc();
    if (audio_par_ == nullptr || avcodec_parameters_from_context(audio_par_, audio) < 0) {
      throw std::bad_alloc();
    }
  }
}

rtmp_publisher::~rtmp_publisher() {
  stop();
  avcodec_parameters_free(&video_par_);
  avcodec_parameters_free(&audio_par_);
}

void rtmp_publisher::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void rtmp_publisher::stop() {
  stopping_ = true;
  queue_.close();
  wait_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(stats_mutex_);
  stats_.state = connection_state::stopped;
}

int rtmp_publisher::interrupt_callback(void* self) {
  auto* p = static_cast<rtmp_publisher*>(self);
  const std::int64_t deadline = p->io_deadline_us_;
  return p->stopping_ || (deadline != 0 && steady_us() > deadline) ? 1 : 0;
}

void rtmp_publisher::submit(encoded_packet&& p) {
  const bool video = p.video;
  if (queue_.push(std::move(p))) return;
  if (video) {
    video_gap_ = true;
    keyframe_wanted_ = true;
  }
  std::lock_guard lock(stats_mutex_);
  ++stats_.dropped;
}

publisher_stats rtmp_publisher::stats(bool reset_max) {
  std::lock_guard lock(stats_mutex_);
  publisher_stats s = stats_;
  s.queue_length = queue_.size();
  if (reset_max) stats_.latency_max_us = 0;
  return s;
}

bool rtmp_publisher::connect() {
  AVFormatContext* raw = nullptr;
  int rc = avformat_alloc_output_context2(&raw, nullptr, "flv", options_.url.c_str());
  if (rc < 0) {
    disconnect("cannot make an FLV muxer: " + av_error_text(rc));
    return false;
  }
  out_.reset(raw);
  out_->interrupt_callback = {&rtmp_publisher::interrupt_callback, this};
  const auto add = [&](const AVCodecParameters* par, int& index) {
    if (par == nullptr) return;
    AVStream* st = avformat_new_stream(out_.get(), nullptr);
    if (st == nullptr) throw std::bad_alloc();
    avcodec_parameters_copy(st->codecpar, par);
    st->codecpar->codec_tag = 0;
    st->time_base = {1, 1000};
    if (par->codec_type == AVMEDIA_TYPE_VIDEO) st->avg_frame_rate = st->r_frame_rate = video_rate_;
    index = st->index;
  };
  add(video_par_, video_index_);
  add(audio_par_, audio_index_);
  io_deadline_us_ = steady_us() + options_.io_timeout.count() * 1000;
  rc = avio_open2(&out_->pb, options_.url.c_str(), AVIO_FLAG_WRITE, &out_->interrupt_callback,
                  nullptr);
  if (rc >= 0) rc = avformat_write_header(out_.get(), nullptr);
  io_deadline_us_ = 0;
  if (rc < 0) {
    disconnect("cannot connect to " + options_.url.substr(0, options_.url.find('?')) + ": " +
               av_error_text(rc));
    return false;
  }
  need_first_key_ = true;
  keyframe_wanted_ = true;
  const std::size_t stale = queue_.clear();  // old media would only add latency now
  std::lock_guard lock(stats_mutex_);
  stats_.dropped += stale;
  ++stats_.connects;
  stats_.state = connection_state::live;
  stats_.last_error.clear();
  return true;
}

void rtmp_publisher::disconnect(const std::string& why) {
  // Closing sends FCUnpublish/deleteStream; a hung peer must not hold us longer than a write.
  io_deadline_us_ = steady_us() + options_.io_timeout.count() * 1000;
  if (out_ && out_->pb != nullptr && why.empty()) av_write_trailer(out_.get());
  out_.reset();  // closes the RTMP connection (avio_closep)
  io_deadline_us_ = 0;
  video_index_ = audio_index_ = -1;
  std::lock_guard lock(stats_mutex_);
  stats_.state = stopping_ ? connection_state::stopped : connection_state::retrying;
  if (!why.empty()) stats_.last_error = why;
}

bool rtmp_publisher::admit(const encoded_packet& p) {
  const bool key = (p.packet->flags & AV_PKT_FLAG_KEY) != 0;
  if (need_first_key_) {
    // The FLV muxer refuses a packet older than the first one it wrote, and a player can
    // only start decoding at a keyframe: begin each connection with one.
    if (video_par_ != nullptr && !(p.video && key)) return false;
    need_first_key_ = false;
    waiting_for_key_ = false;
    video_gap_ = false;
    first_dts_ms_ = dts_ms(p);
    return true;
  }
  if (dts_ms(p) < first_dts_ms_) return false;
  if (!p.video) return true;
  if (video_gap_.exchange(false)) waiting_for_key_ = true;
  if (waiting_for_key_ && !key) return false;
  waiting_for_key_ = false;
  return true;
}

bool rtmp_publisher::write(encoded_packet& p) {
  AVPacket* pkt = p.packet.get();
  pkt->stream_index = p.video ? video_index_ : audio_index_;
  if (pkt->stream_index < 0) return true;  // this publisher has no such stream
  av_packet_rescale_ts(pkt, p.time_base, out_->streams[pkt->stream_index]->time_base);
  const int size = pkt->size;
  io_deadline_us_ = steady_us() + options_.io_timeout.count() * 1000;
  int rc = av_write_frame(out_.get(), pkt);
  if (rc >= 0) avio_flush(out_->pb);
  if (rc >= 0 && out_->pb->error < 0) rc = out_->pb->error;
  io_deadline_us_ = 0;
  if (rc < 0) {
    disconnect("connection lost: " + av_error_text(rc));
    return false;
  }
  std::lock_guard lock(stats_mutex_);
  stats_.bytes_sent += static_cast<std::uint64_t>(size);
  if (p.video) {
    ++stats_.video_sent;
    const std::int64_t latency = std::max<std::int64_t>(0, unix_now_us() - p.capture_unix_us);
    stats_.latency_sum_us += static_cast<std::uint64_t>(latency);
    stats_.latency_max_us = std::max(stats_.latency_max_us, latency);
  } else {
    ++stats_.audio_sent;
  }
  return true;
}

void rtmp_publisher::wait_backoff(unsigned attempt) {
  const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  const auto delay =
      client::backoff_delay(attempt, options_.backoff_initial, options_.backoff_max, unit);
  std::unique_lock lock(wait_mutex_);
  wait_cv_.wait_for(lock, delay, [&] { return stopping_.load(); });
}

void rtmp_publisher::run() {
  unsigned attempt = 0;
  while (!stopping_) {
    if (!out_) {
      if (!connect()) {
        wait_backoff(attempt++);
        continue;
      }
      attempt = 0;
    }
    auto p = queue_.pop(k_pop_timeout);
    if (!p) continue;
    if (!admit(*p)) {
      std::lock_guard lock(stats_mutex_);
      ++stats_.dropped;
      continue;
    }
    write(*p);
  }
  if (out_) disconnect({});
}

}  // namespace lectern::media
