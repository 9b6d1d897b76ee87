// Playing recordings (FMS play(name, start >= 0), RTMP spec 7.2.2.1): the file opened off
// the network threads by vod_library, then paced in real time; getStreamLength.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "lectern/net/use_tuple.hpp"
#include "lectern/shared/control.hpp"
#include "lectern/shared/data_message.hpp"
#include "recording_error.hpp"
#include "rtmp_net_stream.hpp"
#include "stream_name.hpp"
#include "vod_library.hpp"

namespace lectern::server {

namespace asio = boost::asio;
namespace rtmp = shared::rtmp;

namespace {

using lectern::net::k_use;
// A recording is sent this far ahead of real time at least, even to a client that never
// announced a buffer, so that playback does not stutter on scheduling jitter.
constexpr std::uint32_t k_min_vod_lead_ms = 1000;
// VOD waits instead of dropping when this much is queued for a connection.
constexpr std::size_t k_vod_queue_high = 1u << 20;

}  // namespace

struct rtmp_session::vod_request {
  std::uint32_t stream_id = 0;
  std::uint64_t generation = 0;  // the stream's vod_generation when the open was asked for
  bool reset = true;
  rtmp::play_mode mode = rtmp::play_mode::live_or_recorded;
  std::string file;
};

// Mapping and indexing a recording takes about 0.4 s per million tags (a multi-hour class
// has millions): it runs on the vod_library's threads, and the answer comes back to this
// session's thread. Meanwhile the stream is opening_vod: a seek or pause is remembered, a
// new play or deleteStream makes the answer stale (its generation no longer matches).
void rtmp_session::open_vod(net_stream& s, const std::string& file, std::uint32_t start_ms,
                            bool reset, rtmp::play_mode mode) {
  s.what = role::opening_vod;
  s.paused = false;
  s.vod_position_ms = start_ms;
  vod_request r{s.id, ++vod_generations_, reset, mode, file};
  s.vod_generation = r.generation;
  server_.vod.open(
      file, [weak = weak_from_this(), ctx = &worker_.context, r = std::move(r)](
                std::unique_ptr<vod_source> src, std::error_code ec, std::uint32_t indexed_ms) {
        asio::post(*ctx, [weak, r, src = std::move(src), ec, indexed_ms]() mutable {
          if (auto self = weak.lock()) self->on_vod_opened(r, std::move(src), ec, indexed_ms);
        });
      });
}

void rtmp_session::on_vod_opened(const vod_request& r, std::unique_ptr<vod_source> src,
                                 std::error_code ec, std::uint32_t indexed_ms) {
  auto* s = stream(r.stream_id);
  if (closing_ || draining_ || s == nullptr || s->what != role::opening_vod ||
      s->vod_generation != r.generation) {
    return;  // closed, stopped or replaced while the file was opened
  }
  s->what = role::idle;
  if (!src) {
    server_.log.warn("rtmp", "conn " + std::to_string(id_) + ": cannot play recording " + r.file +
                                 ": " + ec.message());
    if (ec == recording_error::queue_full) {
      send_status(s->id, rtmp::k_level_error, rtmp::k_play_failed,
                  "The server is opening too many recordings at once; try again in a moment.");
      return;
    }
    play_absent(*s, r.mode, r.reset);
    return;
  }
  if (indexed_ms > 0) {
    server_.log.info("rtmp", "indexed " + r.file + ": " + std::to_string(src->tag_count()) +
                                 " tags in " + std::to_string(indexed_ms) + " ms");
  }
  play_vod(*s, std::move(src), r.reset);
  observe(*s, true);
}

void rtmp_session::play_vod(net_stream& s, std::unique_ptr<vod_source> src, bool reset) {
  s.what = role::playing_vod;
  s.vod = std::move(src);
  s.vod_timer = std::make_unique<asio::steady_timer>(worker_.context);
  s.vod_position_ms = s.vod->seek(s.vod_position_ms);
  activity_ = "played recording " + s.key;
  send(rtmp::make_user_control(rtmp::stream_is_recorded{s.id}));
  send_play_start(s, reset, "recording");
  if (const auto& md = s.vod->metadata()) {
    auto m = rtmp::make_on_metadata(*md, s.id);
    send(m);
  }
  server_.log.info("rtmp", "conn " + std::to_string(id_) + " " + peer_ + " plays recording " +
                               s.key + " from " + std::to_string(s.vod_position_ms) + " ms");
  if (s.paused) {
    send_status(s.id, rtmp::k_level_status, rtmp::k_pause_notify, "Paused " + s.key + ".");
    return;  // paused while the file was opened: unpause starts the pump
  }
  start_vod_pump(s);
}

// getStreamLength (librtmp asks before playing a recording): the duration in seconds, 0
// when there is no such recording. Opened off this thread like a play.
void rtmp_session::get_stream_length(const rtmp::command& c) {
  rtmp::stream_name_command n;
  const auto parsed =
      rtmp::parse_stream_name_command(c, n) ? stream_name{} : parse_stream_name(n.stream_name);
  const auto reply = [this, txn = c.transaction_id](double seconds) {
    rtmp::command r;
    r.name = std::string(rtmp::k_cmd_result);
    r.transaction_id = txn;
    r.args.emplace_back(seconds);
    send_command(r, 0);
  };
  if (!parsed.valid) return reply(0);
  auto file = server_.recordings_dir / app_ / (parsed.name + ".flv");
  server_.vod.open(std::move(file),
                   [weak = weak_from_this(), ctx = &worker_.context, reply](
                       std::unique_ptr<vod_source> src, std::error_code, std::uint32_t) {
                     const double seconds = src ? src->duration_ms() / 1000.0 : 0;
                     asio::post(*ctx, [weak, reply, seconds] {
                       if (auto self = weak.lock(); self && !self->closing_) reply(seconds);
                     });
                   });
}

void rtmp_session::start_vod_pump(net_stream& s) {
  const auto generation = s.vod_generation = ++vod_generations_;
  asio::co_spawn(worker_.context, vod_pump(shared_from_this(), s.id, generation), asio::detached);
}

// Sends a recording paced by its timestamps, up to the client's buffer length ahead of
// real time, and tells the client when it ends (NetStream.Play.Stop, then
// onPlayStatus NetStream.Play.Complete, as FMS does).
asio::awaitable<void> rtmp_session::vod_pump(std::shared_ptr<rtmp_session> self,
                                             std::uint32_t stream_id, std::uint64_t generation) {
  auto& me = *self;
  const auto current = [&]() -> net_stream* {
    auto* s = me.stream(stream_id);
    return s && s->what == role::playing_vod && s->vod_generation == generation && !me.closing_
               ? s
               : nullptr;
  };
  auto* s = current();
  if (s == nullptr) co_return;
  const auto wall_start = clock::now();
  const auto media_start = s->vod_position_ms;
  vod_item item;
  for (;;) {
    s = current();
    if (s == nullptr) co_return;
    if (!s->vod->next(item)) break;
    const auto lead = std::chrono::milliseconds(std::max(s->buffer_ms, k_min_vod_lead_ms));
    const auto media_offset =
        std::chrono::milliseconds(item.timestamp > media_start ? item.timestamp - media_start : 0);
    const auto due = wall_start + media_offset - lead;
    while (clock::now() < due || me.queue_.bytes() > k_vod_queue_high) {
      s->vod_timer->expires_at(clock::now() < due ? due
                                                  : clock::now() + std::chrono::milliseconds(10));
      co_await s->vod_timer->async_wait(k_use);
      s = current();
      if (s == nullptr) co_return;
    }
    s->vod_position_ms = item.timestamp;
    rtmp::message m;
    m.stream_id = s->id;
    m.timestamp = item.timestamp;
    if (item.is_data) {
      m.chunk_stream_id = rtmp::k_csid_data;
      m.type = static_cast<std::uint8_t>(rtmp::message_type::data_amf0);
      m.payload = item.data;
    } else {
      if ((item.media.is_audio() && !s->receive_audio) ||
          (item.media.is_video() && !s->receive_video)) {
        continue;
      }
      m = item.media.to_message(item.media.is_audio() ? rtmp::k_csid_audio : rtmp::k_csid_video);
      m.stream_id = s->id;
      m.timestamp = item.timestamp;
      ++me.media_out_;
    }
    me.send(m);
  }
  me.send(rtmp::make_user_control(rtmp::stream_eof{s->id}));
  me.send_status(s->id, rtmp::k_level_status, rtmp::k_play_stop,
                 "Finished playing " + s->key + ".");
  me.send_data_status(s->id, "onPlayStatus", "NetStream.Play.Complete",
                      "Reached the end of " + s->key + ".");
}

}  // namespace lectern::server
