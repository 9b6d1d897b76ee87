#include "publisher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "bench_error.hpp"
#include "lectern/shared/command.hpp"
#include "lectern/shared/control.hpp"
#include "lectern/shared/data_message.hpp"
#include "stats.hpp"

namespace lectern::bench {

namespace rtmp = shared::rtmp;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

// The chunk size OBS and FFmpeg publish with; fewer chunk headers than the default 128.
constexpr std::uint32_t k_chunk_size = 4096;
constexpr std::size_t k_read_buffer = 4096;

}  // namespace

publisher::publisher(const asio::any_io_executor& ex, const publisher_config& cfg, send_log& log)
    : cfg_(cfg), log_(log), client_(ex, k_read_buffer), timer_(ex) {}

void publisher::stop() {
  stopped_ = true;
  timer_.cancel();
  client_.close();
}

asio::awaitable<void> publisher::run(ready_handler ready) {
  if (auto ec = co_await setup()) {
    stats_.error = "publisher: " + (client_.detail().empty() ? ec.message() : client_.detail());
    if (ec == bench_error::closed_by_server) stats_.error += std::string(" (") + stage_ + ")";
    ready(stats_.error);
    co_return;
  }
  stats_.published = true;
  ready("");
  asio::co_spawn(timer_.get_executor(), read_loop(), asio::detached);
  if (auto ec = co_await pace(); ec && ec != bench_error::stopped && stats_.error.empty())
    stats_.error = client_.detail();
  // Idle but connected until the end, so that players see no unpublish before then.
  while (!stopped_) {
    timer_.expires_after(std::chrono::hours(24));
    co_await timer_.async_wait(as_tuple(use_awaitable));
  }
}

asio::awaitable<std::error_code> publisher::setup() {
  stage_ = "TCP connect and handshake";
  if (auto ec = co_await client_.open(cfg_.target)) co_return ec;
  if (auto ec = co_await client_.send(rtmp::make_set_chunk_size(k_chunk_size))) co_return ec;
  (void)client_.writer().set_chunk_size(k_chunk_size);

  rtmp::connect_command cc;
  cc.app = cfg_.target.app;
  cc.flash_ver = "FMLE/3.0 (compatible; lectern-bench)";
  cc.tc_url = cfg_.target.tc_url;
  cc.extra.set("type", "nonprivate");  // as FFmpeg and OBS send
  stage_ = "waiting for the connect result";
  if (auto ec = co_await client_.connect_app(cc)) co_return ec;
  // releaseStream and FCPublish are not waited for: FFmpeg does not, and servers that do
  // not know them may not answer.
  const std::string& name = cfg_.target.stream;
  if (auto ec = co_await client_.send(rtmp::make_command(rtmp::make_release_stream(2, name), 0)))
    co_return ec;
  if (auto ec = co_await client_.send(rtmp::make_command(rtmp::make_fc_publish(3, name), 0)))
    co_return ec;
  stage_ = "waiting for the createStream result";
  if (auto ec = co_await client_.create_stream(4, stream_id_)) co_return ec;
  const rtmp::publish_command pub{5, name, rtmp::publish_type::live};
  if (auto ec = co_await client_.send(rtmp::make_command(rtmp::to_command(pub), stream_id_)))
    co_return ec;
  stage_ = "waiting for NetStream.Publish.Start";
  if (auto ec = co_await await_publish_start()) co_return ec;
  if (!cfg_.file->metadata) co_return std::error_code{};
  co_return co_await client_.send(rtmp::make_set_data_frame(*cfg_.file->metadata, stream_id_));
}

asio::awaitable<std::error_code> publisher::await_publish_start() {
  for (;;) {
    rtmp::command c;
    if (auto ec = co_await client_.next_command(c)) co_return ec;
    rtmp::on_status_command s;
    if (c.name != rtmp::k_cmd_on_status || rtmp::parse_on_status(c, s)) continue;
    stats_.statuses.push_back(s.info.code);
    if (s.info.code == rtmp::k_publish_start) co_return std::error_code{};
    if (s.info.level == rtmp::k_level_error)
      co_return client_.fail(bench_error::publish_refused,
                             "publish refused: " + s.info.code + ": " + s.info.description);
  }
}

asio::awaitable<void> publisher::read_loop() {
  // The server sends acknowledgements, pings and maybe statuses; replies go out with the
  // next media write.
  std::vector<rtmp::message> batch;
  client_.take_pending(batch);
  for (;;) {
    for (const auto& m : batch) {
      rtmp::command c;
      rtmp::on_status_command s;
      if (!rtmp::parse_command(m, c) && c.name == rtmp::k_cmd_on_status &&
          !rtmp::parse_on_status(c, s) && stats_.statuses.size() < 32)
        stats_.statuses.push_back(s.info.code);
    }
    batch.clear();
    arrival_times arrival;
    if (auto ec = co_await client_.read_some(batch, arrival)) {
      if (!stopped_ && stats_.error.empty()) stats_.error = client_.detail();
      co_return;
    }
  }
}

void publisher::append(const media_tag& t, std::uint64_t media_ts) {
  rtmp::message_header h;
  const bool audio = t.type == rtmp::message_type::audio;
  h.chunk_stream_id = audio ? rtmp::k_csid_audio : rtmp::k_csid_video;
  h.type = static_cast<std::uint8_t>(t.type);
  h.stream_id = stream_id_;
  h.timestamp = media_ts + cfg_.timestamp_offset_ms;
  // A tag the writer refuses (over 16 MiB) cannot come from a file the FLV reader accepted.
  (void)client_.writer().write(h, *t.payload, batch_);
  batch_records_.push_back({t.fingerprint, audio, t.payload->size()});
}

asio::awaitable<std::error_code> publisher::send_batch() {
  if (batch_records_.empty()) co_return std::error_code{};
  const auto now = clock::now();
  log_.note_time(now);
  for (const auto& r : batch_records_) {
    const std::uint64_t audio = log_.audio_bytes.load(std::memory_order_relaxed);
    const std::uint64_t video = log_.video_bytes.load(std::memory_order_relaxed);
    log_.record(r.fingerprint, {now, audio, video});
    (r.audio ? log_.audio_bytes : log_.video_bytes)
        .store((r.audio ? audio : video) + r.size, std::memory_order_relaxed);
  }
  log_.messages.fetch_add(batch_records_.size(), std::memory_order_relaxed);
  log_.last_send_ns.store(now.time_since_epoch().count(), std::memory_order_relaxed);
  batch_records_.clear();
  auto ec = co_await client_.send_chunked(batch_);
  log_.wire_bytes.store(client_.bytes_out(), std::memory_order_relaxed);
  co_return ec;
}

asio::awaitable<std::error_code> publisher::pace() {
  const auto& tags = cfg_.file->tags;
  const clock::time_point start = clock::now();
  std::uint64_t loop_base = 0;
  for (std::size_t i = 0; !stopped_;) {
    if (i == tags.size()) {
      if (!cfg_.loop) break;
      i = 0;
      loop_base += cfg_.file->loop_ms;
      ++stats_.loops;
    }
    const std::uint64_t media_ts = loop_base + tags[i].timestamp;
    const clock::time_point due = start + std::chrono::milliseconds(media_ts);
    if (due >= cfg_.stop_sending_at) break;
    if (due > clock::now()) {
      if (auto ec = co_await send_batch()) co_return ec;
      timer_.expires_at(due);
      co_await timer_.async_wait(as_tuple(use_awaitable));
      if (stopped_) break;
    }
    const double lag = ms_between(due, clock::now());
    stats_.max_lag_ms = std::max(stats_.max_lag_ms, lag);
    if (lag > 100) ++stats_.late_sends;
    append(tags[i++], media_ts);
  }
  co_return co_await send_batch();
}

}  // namespace lectern::bench
