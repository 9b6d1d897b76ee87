#include "mp4_remuxer.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

#include "lectern/media/av.hpp"
#include "lectern/media/av_error.hpp"
#include "text.hpp"

namespace lectern::server {

namespace fs = std::filesystem;
using media::make_av_error;

namespace {

/// Opens `flv` and lays out `tmp` with a copy of each audio and video stream; `map` gets the
/// output index of each input stream (-1: skipped, e.g. a data stream).
std::error_code open_pair(const fs::path& flv, const fs::path& tmp, media::input_format_ptr& in,
                          media::output_format_ptr& out, std::vector<int>& map) {
  AVFormatContext* raw_in = nullptr;
  if (const int r = avformat_open_input(&raw_in, flv.c_str(), nullptr, nullptr); r < 0) {
    return make_av_error(r);
  }
  in.reset(raw_in);
  if (const int r = avformat_find_stream_info(in.get(), nullptr); r < 0) return make_av_error(r);
  AVFormatContext* raw_out = nullptr;
  if (const int r = avformat_alloc_output_context2(&raw_out, nullptr, "mp4", tmp.c_str()); r < 0) {
    return make_av_error(r);
  }
  out.reset(raw_out);
  map.assign(in->nb_streams, -1);
  for (unsigned i = 0; i < in->nb_streams; ++i) {
    const auto* par = in->streams[i]->codecpar;
    if (par->codec_type != AVMEDIA_TYPE_AUDIO && par->codec_type != AVMEDIA_TYPE_VIDEO) continue;
    AVStream* s = avformat_new_stream(out.get(), nullptr);
    if (s == nullptr) return make_av_error(AVERROR(ENOMEM));
    if (const int r = avcodec_parameters_copy(s->codecpar, par); r < 0) return make_av_error(r);
    s->codecpar->codec_tag = 0;  // FLV's codec ids mean nothing to MP4: let the muxer choose
    map[i] = s->index;
  }
  if (out->nb_streams == 0) return make_av_error(AVERROR_INVALIDDATA);
  // A live recording starts wherever the stream's timeline was: the MP4 starts at zero.
  out->avoid_negative_ts = AVFMT_AVOID_NEG_TS_MAKE_ZERO;
  if (const int r = avio_open(&out->pb, tmp.c_str(), AVIO_FLAG_WRITE); r < 0) {
    return make_av_error(r);
  }
  return {};
}

std::error_code copy_packets(AVFormatContext* in, AVFormatContext* out, const std::vector<int>& map,
                             const std::atomic<bool>& stop) {
  auto pkt = media::make_packet();
  for (;;) {
    if (stop) return make_av_error(AVERROR_EXIT);
    const int r = av_read_frame(in, pkt.get());
    if (r == AVERROR_EOF) return {};
    if (r < 0) return make_av_error(r);
    const auto index = static_cast<std::size_t>(pkt->stream_index);
    if (index >= map.size() || map[index] < 0) {
      av_packet_unref(pkt.get());
      continue;
    }
    const AVStream* src = in->streams[index];
    const AVStream* dst = out->streams[map[index]];
    av_packet_rescale_ts(pkt.get(), src->time_base, dst->time_base);
    pkt->stream_index = map[index];
    pkt->pos = -1;
    // Takes the packet's data (and unreferences it) whether or not it succeeds.
    if (const int w = av_interleaved_write_frame(out, pkt.get()); w < 0) return make_av_error(w);
  }
}

}  // namespace

mp4_remuxer::mp4_remuxer(logger& log) : log_(log), thread_([this] { run(); }) {}

mp4_remuxer::~mp4_remuxer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

fs::path mp4_remuxer::mp4_path(const fs::path& flv) {
  auto out = flv;
  out.replace_extension(".mp4");
  return out;
}

bool mp4_remuxer::enqueue(fs::path flv) {
  {
    std::lock_guard lock(mutex_);
    if (std::find(queue_.begin(), queue_.end(), flv) != queue_.end()) return false;
    if (queue_.size() >= k_max_queued) {
      ++dropped_;
      return false;
    }
    queue_.push_back(std::move(flv));
  }
  wake_.notify_one();
  return true;
}

std::size_t mp4_remuxer::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

std::error_code mp4_remuxer::remux(const fs::path& flv, const fs::path& mp4,
                                   const std::atomic<bool>& stop) {
  auto tmp = mp4;
  tmp += ".tmp";
  std::error_code ec;
  {
    media::input_format_ptr in;
    media::output_format_ptr out;
    std::vector<int> map;
    ec = open_pair(flv, tmp, in, out, map);
    AVDictionary* raw_opts = nullptr;
    // faststart: the muxer moves the index (moov) before the media when it finishes.
    av_dict_set(&raw_opts, "movflags", "+faststart", 0);
    media::dictionary_ptr opts(raw_opts);
    if (!ec) {
      raw_opts = opts.release();
      const int r = avformat_write_header(out.get(), &raw_opts);
      opts.reset(raw_opts);
      if (r < 0) ec = make_av_error(r);
    }
    if (!ec) ec = copy_packets(in.get(), out.get(), map, stop);
    if (!ec) {
      if (const int r = av_write_trailer(out.get()); r < 0) ec = make_av_error(r);
    }
  }  // closes both files before the rename
  if (!ec) fs::rename(tmp, mp4, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
  }
  return ec;
}

void mp4_remuxer::run() {
  for (;;) {
    fs::path flv;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      flv = queue_.front();
    }
    const auto started = std::chrono::steady_clock::now();
    const auto mp4 = mp4_path(flv);
    const auto ec = remux(flv, mp4, stop_);
    {
      std::lock_guard lock(mutex_);
      queue_.pop_front();  // only now: enqueue() sees the file as queued while it runs
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    std::error_code gone_ec;
    if (!ec && !fs::exists(flv, gone_ec)) {
      // Deleted while we worked: the MP4 must not outlive it.
      fs::remove(mp4, gone_ec);
    } else if (!ec) {
      ++done_;
      std::error_code size_ec;
      const auto size = fs::file_size(mp4, size_ec);
      log_.info("record", "remuxed " + flv.string() + " to MP4 (" + size_text(size) + ") in " +
                              duration_text(took));
    } else if (!stop_) {
      ++failed_;
      log_.warn("record", "cannot remux " + flv.string() + " to MP4: " + ec.message() +
                              " (the FLV is still there and downloads)");
    }
  }
}

}  // namespace lectern::server
