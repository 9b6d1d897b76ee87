#include "player.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "bench_error.hpp"
#include "lectern/shared/command.hpp"
#include "lectern/shared/control.hpp"
#include "lectern/shared/flv_tag.hpp"

namespace lectern::bench {

namespace rtmp = shared::rtmp;
namespace flv = shared::flv;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

// Players read 4 KiB at a time: 3,000 of them then hold 12 MiB of read buffers.
constexpr std::size_t k_player_read_buffer = 4096;

}  // namespace

player::player(const asio::any_io_executor& ex, int id, const player_config& cfg,
               live_counters& counters)
    : cfg_(cfg),
      counters_(counters),
      client_(ex, k_player_read_buffer),
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
  client_.close();
}

asio::awaitable<void> player::run(clock::time_point start_at) {
  if (!stopped_) {
    timer_.expires_at(start_at);
    co_await timer_.async_wait(as_tuple(use_awaitable));
  }
  std::error_code ec;
  if (stopped_) {
    ec = client_.fail(bench_error::stopped, "not started: the run ended during the ramp");
  } else if (!(ec = co_await setup())) {
    ec = co_await read_loop();
  } else if (stopped_) {
    // Whatever the socket said, the cause is the deadline; say where setup was.
    ec = client_.fail(
        bench_error::stopped,
        std::string("setup did not finish before the end of the run (") + stage_ + ")");
  }
  ended_ = clock::now();
  if (play_sent_ != clock::time_point{}) stats_.play_s = ms_between(play_sent_, ended_) / 1000;
  const bool before_play = play_sent_ == clock::time_point{} || ec == bench_error::play_refused;
  if (ec && before_play) {
    stats_.setup_failed = true;
    stats_.error = client_.detail();
    if (ec == bench_error::closed_by_server) stats_.error += std::string(" (") + stage_ + ")";
    counters_.failed.fetch_add(1, std::memory_order_relaxed);
  } else if (ec && ec != bench_error::stopped) {
    stats_.error = client_.detail();  // after play: e.g. the server closed the connection
  }
  if (connected_) counters_.connected.fetch_sub(1, std::memory_order_relaxed);
  if (playing_) counters_.playing.fetch_sub(1, std::memory_order_relaxed);
  stats_.bytes = client_.bytes_in();
  stats_.reads = client_.reads();
  stats_.reads_without_kernel_timestamp = client_.reads_without_timestamp();
  client_.close();
  counters_.finished.fetch_add(1, std::memory_order_relaxed);
}

asio::awaitable<std::error_code> player::setup() {
  stage_ = "TCP connect and handshake";
  if (auto ec = co_await client_.open(cfg_.target)) co_return ec;
  connected_ = true;
  counters_.connected.fetch_add(1, std::memory_order_relaxed);

  rtmp::connect_command cc;
  cc.app = cfg_.target.app;
  cc.flash_ver = "LNX 9,0,124,2";  // what ffmpeg sends as a player
  cc.tc_url = cfg_.target.tc_url;
  cc.fpad = false;
  cc.capabilities = 15;
  cc.audio_codecs = 4071;
  cc.video_codecs = 252;
  cc.video_function = 1;
  rtmp::call_result r;
  stage_ = "waiting for the connect result";
  if (auto ec = co_await client_.call(rtmp::to_command(cc), 0, r)) co_return ec;
  if (r.is_error)
    co_return client_.fail(bench_error::connect_rejected,
                           "connect rejected: " + describe_status(r.information));
  stage_ = "waiting for the createStream result";
  if (auto ec = co_await client_.call(rtmp::make_create_stream(2), 0, r)) co_return ec;
  if (r.is_error || rtmp::parse_create_stream_result(rtmp::to_command(r), stream_id_))
    co_return client_.fail(bench_error::create_stream_failed,
                           "createStream failed: " + describe_status(r.information));

  rtmp::play_command play;
  play.stream_name = cfg_.target.stream;
  stage_ = "sending play";
  play_sent_ = clock::now();
  if (auto ec = co_await client_.send(rtmp::make_command(rtmp::to_command(play), stream_id_)))
    co_return ec;
  if (cfg_.log != nullptr)
    baseline_ = (cfg_.audio_only ? cfg_.log->audio_bytes : cfg_.log->video_bytes).load();
  const rtmp::set_buffer_length buffer{stream_id_, cfg_.buffer_ms};
  if (auto ec = co_await client_.send(rtmp::make_user_control(buffer))) co_return ec;
  if (cfg_.audio_only)
    co_return co_await client_.send(
        rtmp::make_command(rtmp::make_receive_video(false), stream_id_));
  co_return std::error_code{};
}

asio::awaitable<std::error_code> player::read_loop() {
  std::optional<clock::time_point> stall_at;
  if (cfg_.stall_reader_ms)
    stall_at = play_sent_ + std::chrono::milliseconds(*cfg_.stall_reader_ms);
  std::vector<rtmp::message> batch;
  client_.take_pending(batch);
  // Messages that setup read along with its replies: their socket time was not kept.
  const clock::time_point now = clock::now();
  arrival_times arrival{now, now};
  for (;;) {
    for (const auto& m : batch) on_message(m, arrival);
    batch.clear();
    if (!stats_.error.empty())
      co_return client_.fail(bench_error::play_refused, "play refused: " + stats_.error);
    if (stall_at && clock::now() >= *stall_at) {
      stats_.stuck = true;
      co_await wait_until_stopped();
      co_return bench_error::stopped;
    }
    if (auto ec = co_await client_.flush()) co_return ec;
    const std::uint64_t before = client_.bytes_in();
    const auto ec = co_await client_.read_some(batch, arrival);
    counters_.bytes_in.fetch_add(client_.bytes_in() - before, std::memory_order_relaxed);
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
  if (stats_.statuses.size() < player_stats::k_max_statuses)
    stats_.statuses.push_back(s.info.code);
  else
    ++stats_.statuses_dropped;
  if (s.info.code == rtmp::k_play_start) set_playing();
  // An error before any media is the answer to play (StreamNotFound, Failed, a refused
  // token); read_loop() turns it into a setup failure.
  if (s.info.level == rtmp::k_level_error && !playing_)
    stats_.error =
        s.info.description.empty() ? s.info.code : s.info.code + ": " + s.info.description;
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
