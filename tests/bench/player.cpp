#include "player.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "bench_error.hpp"
#include "flv_client.hpp"
#include "lectern/shared/command.hpp"
#include "lectern/shared/flv_tag.hpp"
#include "rtmp_play.hpp"

namespace lectern::bench {

namespace rtmp = shared::rtmp;
namespace flv = shared::flv;
using asio::as_tuple;
using asio::use_awaitable;

std::unique_ptr<player_transport> make_player_transport(const asio::any_io_executor& ex,
                                                        const player_config& cfg) {
  if (cfg.transport == transport::rtmp) return std::make_unique<rtmp_play>(ex, cfg);
  return std::make_unique<flv_client>(ex, cfg);
}

player::player(const asio::any_io_executor& ex, int id, const player_config& cfg,
               live_counters& counters)
    : cfg_(cfg),
      counters_(counters),
      transport_(make_player_transport(ex, cfg)),
      timer_(ex),
      playout_(std::chrono::milliseconds(cfg.stall_threshold_ms)) {
  stats_.id = id;
  const auto seed = static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ULL;
  const auto audio_seed = static_cast<std::uint64_t>(id) * 0xC2B2AE3D27D4EB4FULL;
  stats_.delays = sample_set(1024, seed);
  stats_.audio_delays = sample_set(1024, audio_seed);
  // The same seeds: a socket delay is added with each read delay, so beyond 1,024 messages
  // both samples still keep the same messages, and a player's socket and read delays compare
  // message for message (the socket one is never the larger).
  stats_.socket_delays = sample_set(1024, seed);
  stats_.socket_audio_delays = sample_set(1024, audio_seed);
}

void player::stop() {
  stopped_ = true;
  timer_.cancel();
  transport_->close();
}

asio::awaitable<void> player::run(clock::time_point start_at) {
  if (!stopped_) {
    timer_.expires_at(start_at);
    co_await timer_.async_wait(as_tuple(use_awaitable));
  }
  std::error_code ec;
  player_transport& t = *transport_;
  if (stopped_) {
    ec = t.fail(bench_error::stopped, "not started: the run ended during the ramp");
  } else if (!(ec = co_await setup())) {
    set_up_ = true;
    ec = co_await read_loop();
  } else if (stopped_) {
    // Whatever the socket said, the cause is the deadline; say where setup was.
    ec = t.fail(bench_error::stopped,
                std::string("setup did not finish before the end of the run (") + t.stage() + ")");
  }
  ended_ = clock::now();
  if (play_sent_ != clock::time_point{}) stats_.play_s = ms_between(play_sent_, ended_) / 1000;
  // Setup ends with the answer to play when the transport waits for one (HTTP's status);
  // RTMP's refusal (an error-level onStatus) comes in the read loop.
  if (ec && (!set_up_ || ec == bench_error::play_refused)) {
    stats_.setup_failed = true;
    stats_.error = t.detail();
    if (ec == bench_error::closed_by_server) stats_.error += std::string(" (") + t.stage() + ")";
    counters_.failed.fetch_add(1, std::memory_order_relaxed);
  } else if (ec && ec != bench_error::stopped) {
    stats_.error = t.detail();  // after play: e.g. the server closed the connection
  }
  if (connected_) counters_.connected.fetch_sub(1, std::memory_order_relaxed);
  if (playing_) counters_.playing.fetch_sub(1, std::memory_order_relaxed);
  stats_.bytes = t.bytes_in();
  stats_.reads = t.reads();
  stats_.reads_without_kernel_timestamp = t.reads_without_timestamp();
  t.close();
  counters_.finished.fetch_add(1, std::memory_order_relaxed);
}

asio::awaitable<std::error_code> player::setup() {
  player_transport& t = *transport_;
  if (auto ec = co_await t.open()) co_return ec;
  connected_ = true;
  counters_.connected.fetch_add(1, std::memory_order_relaxed);
  if (auto ec = co_await t.prepare()) co_return ec;
  play_sent_ = clock::now();
  if (auto ec = co_await t.play()) co_return ec;
  if (cfg_.log != nullptr)
    baseline_ = (cfg_.audio_only ? cfg_.log->audio_bytes : cfg_.log->video_bytes).load();
  const auto ec = co_await t.after_play();
  if (const std::string status = t.play_status(); !status.empty()) add_status(status);
  co_return ec;
}

asio::awaitable<std::error_code> player::read_loop() {
  std::optional<clock::time_point> stall_at;
  if (cfg_.stall_reader_ms)
    stall_at = play_sent_ + std::chrono::milliseconds(*cfg_.stall_reader_ms);
  std::vector<rtmp::message> batch;
  arrival_times arrival;
  transport_->take_pending(batch, arrival);
  for (;;) {
    for (const auto& m : batch) on_message(m, arrival);
    batch.clear();
    if (!stats_.error.empty())
      co_return transport_->fail(bench_error::play_refused, "play refused: " + stats_.error);
    if (stall_at && clock::now() >= *stall_at) {
      stats_.stuck = true;
      co_await wait_until_stopped();
      co_return bench_error::stopped;
    }
    if (auto ec = co_await transport_->flush()) co_return ec;
    const std::uint64_t before = transport_->bytes_in();
    const auto ec = co_await transport_->read_some(batch, arrival);
    counters_.bytes_in.fetch_add(transport_->bytes_in() - before, std::memory_order_relaxed);
    if (ec) {
      for (const auto& m : batch) on_message(m, arrival);
      co_return ec;
    }
  }
}

asio::awaitable<void> player::wait_until_stopped() {
  // Stay connected without reading: the server sees a full socket, as with a frozen client.
  while (!stopped_) {
    timer_.expires_after(std::chrono::hours(24));
    co_await timer_.async_wait(as_tuple(use_awaitable));
  }
}

void player::set_playing() {
  if (playing_) return;
  playing_ = true;
  counters_.playing.fetch_add(1, std::memory_order_relaxed);
}

void player::on_message(const rtmp::message& m, const arrival_times& arrival) {
  switch (m.kind()) {
    case rtmp::message_type::video:
      return on_video(m, arrival);
    case rtmp::message_type::audio:
      return on_audio(m, arrival);
    case rtmp::message_type::command_amf0:
    case rtmp::message_type::command_amf3:
      return on_command(m);
    case rtmp::message_type::data_amf0:
    case rtmp::message_type::data_amf3:
      ++stats_.data_msgs;
      return;
    default:
      return;  // control messages: rtmp_client already answered what needs an answer
  }
}

void player::on_command(const rtmp::message& m) {
  rtmp::command c;
  rtmp::on_status_command s;
  if (rtmp::parse_command(m, c) || c.name != rtmp::k_cmd_on_status || rtmp::parse_on_status(c, s))
    return;
  add_status(s.info.code);
  if (s.info.code == rtmp::k_play_start) set_playing();
  // An error before any media is the answer to play (StreamNotFound, Failed, a refused
  // token); read_loop() turns it into a setup failure.
  if (s.info.level == rtmp::k_level_error && !playing_)
    stats_.error =
        s.info.description.empty() ? s.info.code : s.info.code + ": " + s.info.description;
}

void player::add_status(std::string status) {
  if (stats_.statuses.size() < player_stats::k_max_statuses)
    stats_.statuses.push_back(std::move(status));
  else
    ++stats_.statuses_dropped;
}

void player::first_frame(bool keyframe, clock::time_point arrival) {
  if (!stats_.first_is_keyframe) stats_.first_is_keyframe = keyframe;
  if (keyframe && !stats_.first_frame_ms) stats_.first_frame_ms = ms_between(play_sent_, arrival);
}

void player::on_video(const rtmp::message& m, const arrival_times& arrival) {
  ++stats_.video_msgs;
  flv::video_header h;
  const bool frames = !flv::parse_video_header(m.payload, h) && h.has_frames();
  if (frames && !cfg_.audio_only) first_frame(h.is_keyframe(), arrival.read);
  on_media(m, arrival, !cfg_.audio_only && frames, false);
}

void player::on_audio(const rtmp::message& m, const arrival_times& arrival) {
  ++stats_.audio_msgs;
  flv::audio_header h;
  const bool frames =
      !flv::parse_audio_header(m.payload, h) && !h.is_sequence_header() && !h.silence;
  if (frames && cfg_.audio_only) first_frame(true, arrival.read);
  on_media(m, arrival, cfg_.audio_only && frames, frames);
}

// `measured`: a frame of the kind delay and the delivery baseline are taken from (video,
// or audio with --audio-only). Sequence headers are not: servers send the cached ones to
// every new player, long after the publisher sent them. `audio_frame`: an audio frame, whose
// delay is also kept on its own (--write-batching frame holds audio, never video). Each delay
// is kept twice: to the read (the tool's scheduling included) and to the socket's receive
// timestamp (the server's alone). The stall model and first frame go by the read time.
void player::on_media(const rtmp::message& m, const arrival_times& arrival, bool measured,
                      bool audio_frame) {
  stats_.media_bytes += m.payload.size();
  if (!stats_.first_timestamp) stats_.first_timestamp = m.timestamp;
  stats_.last_timestamp = m.timestamp;
  set_playing();
  playout_.on_media(arrival.read, m.timestamp);
  if (cfg_.log == nullptr || !(measured || audio_frame)) return;
  send_record rec;
  if (!cfg_.log->find(fingerprint(m.type, m.payload), rec)) {
    if (measured) ++stats_.unmatched;
    return;
  }
  if (audio_frame && rec.sent >= play_sent_) {
    stats_.audio_delays.add(static_cast<float>(ms_between(rec.sent, arrival.read)));
    stats_.socket_audio_delays.add(static_cast<float>(ms_between(rec.sent, arrival.socket)));
  }
  if (!measured) return;
  ++stats_.matched;
  if (!have_baseline_) {
    have_baseline_ = true;
    baseline_ = cfg_.audio_only ? rec.audio_before : rec.video_before;
  }
  if (rec.sent < cfg_.log->cutoff) delivered_ += m.payload.size();
  // Older messages (a GOP cache burst) were waiting for this player, not delayed for it.
  if (rec.sent >= play_sent_) {
    stats_.delays.add(static_cast<float>(ms_between(rec.sent, arrival.read)));
    stats_.socket_delays.add(static_cast<float>(ms_between(rec.sent, arrival.socket)));
  }
}

void player::skip(std::string why) {
  stats_.setup_failed = true;
  stats_.error = std::move(why);
}

void player::finish(clock::time_point publisher_last_send) {
  if (!stats_.stuck && publisher_last_send != clock::time_point{} && !stats_.setup_failed)
    playout_.finish(std::min(publisher_last_send, ended_));
  stats_.stalls = playout_.stalls();
  stats_.stalled_ms = playout_.stalled_ms();
  stats_.timestamp_jumps = playout_.timestamp_jumps();
  if (cfg_.log == nullptr || play_sent_ == clock::time_point{}) return;
  const std::uint64_t sent = cfg_.log->bytes_before_cutoff(cfg_.audio_only);
  if (sent > baseline_)
    stats_.delivery = static_cast<double>(delivered_) / static_cast<double>(sent - baseline_);
}

}  // namespace lectern::bench
