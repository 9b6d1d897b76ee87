#include "rtmp_play.hpp"

#include "lectern/shared/command.hpp"
#include "lectern/shared/control.hpp"
#include "player.hpp"

namespace lectern::bench {

namespace rtmp = shared::rtmp;

namespace {

// Players read 4 KiB at a time: 3,000 of them then hold 12 MiB of read buffers.
constexpr std::size_t k_player_read_buffer = 4096;

}  // namespace

rtmp_play::rtmp_play(const asio::any_io_executor& ex, const player_config& cfg)
    : cfg_(cfg), client_(ex, k_player_read_buffer) {}

asio::awaitable<std::error_code> rtmp_play::open() {
  stage_ = "TCP connect and handshake";
  co_return co_await client_.open(cfg_.target);
}

asio::awaitable<std::error_code> rtmp_play::prepare() {
  rtmp::connect_command cc;
  cc.app = cfg_.target.app;
  cc.flash_ver = "LNX 9,0,124,2";  // what ffmpeg sends as a player
  cc.tc_url = cfg_.target.tc_url;
  cc.fpad = false;
  cc.capabilities = 15;
  cc.audio_codecs = 4071;
  cc.video_codecs = 252;
  cc.video_function = 1;
  stage_ = "waiting for the connect result";
  if (auto ec = co_await client_.connect_app(cc)) co_return ec;
  stage_ = "waiting for the createStream result";
  co_return co_await client_.create_stream(2, stream_id_);
}

asio::awaitable<std::error_code> rtmp_play::play() {
  rtmp::play_command play;
  play.stream_name = cfg_.target.stream;
  stage_ = "sending play";
  co_return co_await client_.send(rtmp::make_command(rtmp::to_command(play), stream_id_));
}

asio::awaitable<std::error_code> rtmp_play::after_play() {
  const rtmp::set_buffer_length buffer{stream_id_, cfg_.buffer_ms};
  if (auto ec = co_await client_.send(rtmp::make_user_control(buffer))) co_return ec;
  if (cfg_.audio_only)
    co_return co_await client_.send(
        rtmp::make_command(rtmp::make_receive_video(false), stream_id_));
  co_return std::error_code{};
}

void rtmp_play::take_pending(std::vector<rtmp::message>& out, arrival_times& arrival) {
  client_.take_pending(out);
  // Messages that setup read along with its replies: their socket time was not kept.
  arrival.read = arrival.socket = clock::now();
}

}  // namespace lectern::bench
