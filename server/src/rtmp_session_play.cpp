// play(name, start, duration, reset) (RTMP spec 7.2.2.1, FMS semantics): live with a
// GOP-cache start, or a recording paced in real time; pause, seek, receiveAudio/Video.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>

#include "classroom_authorizer.hpp"
#include "lectern/net/use_tuple.hpp"
#include "lectern/shared/chunk_writer.hpp"
#include "lectern/shared/control.hpp"
#include "lectern/shared/data_message.hpp"
#include "rtmp_net_stream.hpp"
#include "stream_name.hpp"

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

void rtmp_session::on_play(const rtmp::command& c, std::uint32_t stream_id) {
  rtmp::play_command p;
  if (auto ec = rtmp::parse_play(c, p)) {
    close("protocol error: malformed play: " + ec.message());
    return;
  }
  auto* sp = stream_or_create(stream_id);
  if (sp == nullptr) return;
  auto& s = *sp;
  if (s.what != role::idle) stop_stream(s, false);  // play again on the same stream: switch
  const auto parsed = parse_stream_name(p.stream_name);
  const std::string key = app_ + "/" + parsed.name;
  if (!parsed.valid) {
    send_status(s.id, rtmp::k_level_error, rtmp::k_play_stream_not_found,
                invalid_name_text(parsed.name));
    return;
  }
  const auto decision = server_.auth.play(
      {app_, parsed.name, parsed.query.empty() ? connect_query_ : parsed.query, peer_});
  if (!decision.allowed) {
    send_status(s.id, rtmp::k_level_error, rtmp::k_play_failed,
                "Playing " + key + " is refused: " + decision.reason);
    server_.log.info("rtmp", "conn " + std::to_string(id_) + " " + peer_ + ": play " + key +
                                 " refused: " + decision.reason);
    return;
  }
  s.name = parsed.name;
  s.key = key;
  s.access = decision;
  // "?video=0": audio only from the first message. libavformat's RTMP player cannot send
  // receiveVideo(false), and a student on a poor link should not pay for one GOP of video.
  if (query_value(parsed.query.empty() ? connect_query_ : parsed.query, "video") == "0") {
    s.receive_video = false;
  }
  const auto mode = p.mode();
  const auto file = (server_.recordings_dir / app_ / (parsed.name + ".flv")).string();
  auto live = server_.streams.find(key);
  const bool publishing = live && live->publisher().has_value();
  if (mode != rtmp::play_mode::recorded && publishing) {
    play_live(s, live, p.reset);
    observe(s, true);
    return;
  }
  std::error_code ec;
  const bool have_file = std::filesystem::is_regular_file(file, ec);
  if (mode != rtmp::play_mode::live_only && have_file) {
    const auto start = p.start > 0 ? static_cast<std::uint32_t>(p.start) : 0;
    if (play_vod(s, file, start, p.reset)) {
      observe(s, true);
      return;
    }
  }
  if (mode == rtmp::play_mode::recorded) {
    send_status(s.id, rtmp::k_level_error, rtmp::k_play_stream_not_found,
                "There is no recording named " + key + ".");
    return;
  }
  // FMS semantics: a live stream nobody publishes yet is waited for (students who join
  // before the teacher); PublishNotify tells the player when it starts.
  play_live(s, live ? live : server_.streams.acquire(key), p.reset);
  observe(s, true);
}

void rtmp_session::send_play_start(net_stream& s, bool reset, std::string_view what) {
  send(rtmp::make_user_control(rtmp::stream_begin{s.id}));
  if (reset) {
    send_status(s.id, rtmp::k_level_status, rtmp::k_play_reset,
                "Playing and resetting " + s.key + ".");
  }
  send_status(s.id, rtmp::k_level_status, rtmp::k_play_start,
              "Started playing " + std::string(what) + " " + s.key + ".");
  send(rtmp::make_sample_access(true, true, s.id));
  // A status command, not an onStatus data message: ffmpeg turns data messages it does not
  // know into an extra data stream, which breaks `ffmpeg -i rtmp://... -map 0 -c copy`.
  send_status(s.id, rtmp::k_level_status, rtmp::k_data_start, "Data for " + s.key + " starts.");
}

void rtmp_session::play_live(net_stream& s, const std::shared_ptr<live_stream>& live, bool reset) {
  s.what = role::playing_live;
  s.live = live;
  s.player = std::make_unique<live_player>(*this, s.id);
  activity_ = "played " + s.key;
  send_play_start(s, reset, "live");
  auto j = live->subscribe(worker_.context, s.player.get());
  if (!j.publishing) {
    server_.log.info("rtmp", "conn " + std::to_string(id_) + " " + peer_ + " waits for " + s.key +
                                 " to be published");
    return;
  }
  server_.log.info("rtmp", "conn " + std::to_string(id_) + " " + peer_ + " plays " + s.key);
  queue_items(s, j.items, true);
}

outbound_queue::entry rtmp_session::entry_for(const net_stream& s, const live_item& item,
                                              bool burst, clock::time_point now) const {
  return live_queue_entry(item, wire_for(s, item), s.id, burst, now);
}

void rtmp_session::queue_live(net_stream& s, const live_item& item, bool burst,
                              clock::time_point now) {
  const auto& m = item.media;
  if ((m.is_audio() && !s.receive_audio) || (m.is_video() && !s.receive_video)) return;
  if (queue_.push_media(entry_for(s, item, burst, now)) && (m.is_audio() || m.is_video())) {
    ++media_out_;
  }
}

void rtmp_session::queue_items(net_stream& s, const std::vector<live_item_ptr>& items, bool burst) {
  // A start without a keyframe (the GOP cache is off or overflowed): video waits for one.
  if (!has_keyframe(items)) queue_.wait_for_keyframe(s.id);
  const auto now = clock::now();
  for (const auto& item : items) queue_live(s, *item, burst, now);
  wake_writer();
}

shared::shared_bytes rtmp_session::wire_for(const net_stream& s, const live_item& item) const {
  if (s.id == k_common_play_stream_id && out_chunk_size_ == server_.options.chunk_size) {
    return item.wire;
  }
  // A player on another message stream id gets its own encoding.
  const auto& m = item.media;
  rtmp::message_header h;
  h.chunk_stream_id = m.is_audio()   ? rtmp::k_csid_audio
                      : m.is_video() ? rtmp::k_csid_video
                                     : rtmp::k_csid_data;
  h.type = static_cast<std::uint8_t>(m.type);
  h.stream_id = s.id;
  h.timestamp = m.timestamp;
  auto wire = std::make_shared<shared::bytes>();
  if (m.payload) (void)rtmp::chunk_writer::write_standalone(h, *m.payload, out_chunk_size_, *wire);
  return wire;
}

void rtmp_session::on_live(std::uint32_t stream_id, const live_item_ptr& item) {
  auto* s = stream(stream_id);
  if (s == nullptr || s->what != role::playing_live || closing_ || draining_) return;
  switch (item->what) {
    case live_item::kind::publish:
      send(rtmp::make_user_control(rtmp::stream_begin{s->id}));
      send_status(s->id, rtmp::k_level_status, rtmp::k_play_publish_notify,
                  s->key + " is now published.");
      queue_.wait_for_keyframe(s->id);
      return;
    case live_item::kind::unpublish:
      send_status(s->id, rtmp::k_level_status, rtmp::k_play_unpublish_notify,
                  s->key + " is no longer published; waiting for it to come back.");
      return;
    case live_item::kind::metadata:
    case live_item::kind::data:
    case live_item::kind::media:
      break;
  }
  if (s->paused && item->what == live_item::kind::media) return;
  queue_live(*s, *item, false, clock::now());
  wake_writer();
}

void rtmp_session::on_pause(const rtmp::command& c, std::uint32_t stream_id) {
  rtmp::pause_command p;
  auto* s = stream(stream_id);
  if (s == nullptr || rtmp::parse_pause(c, p)) return;
  if (s->what == role::playing_live) {
    if (p.pause == s->paused) return;  // nothing changes: no reply, no work
    s->paused = p.pause;
    if (p.pause) {
      send_status(s->id, rtmp::k_level_status, rtmp::k_pause_notify, "Paused " + s->key + ".");
    } else {
      // Back to the live edge at the next keyframe. (Replaying the GOP cache would send
      // frames the player already has, with timestamps going backwards.)
      send_status(s->id, rtmp::k_level_status, rtmp::k_unpause_notify, "Unpaused " + s->key + ".");
      queue_.wait_for_keyframe(s->id);
    }
    return;
  }
  if (s->what != role::playing_vod) return;
  if (p.pause) {
    s->paused = true;
    s->vod_generation = ++vod_generations_;  // the pump stops; unpause starts a new one
    if (s->vod_timer) s->vod_timer->cancel();
    send_status(s->id, rtmp::k_level_status, rtmp::k_pause_notify, "Paused " + s->key + ".");
  } else if (s->paused) {
    s->paused = false;
    send_status(s->id, rtmp::k_level_status, rtmp::k_unpause_notify, "Unpaused " + s->key + ".");
    s->vod->seek(s->vod_position_ms);
    start_vod_pump(*s);
  }
}

void rtmp_session::on_seek(const rtmp::command& c, std::uint32_t stream_id) {
  rtmp::seek_command k;
  auto* s = stream(stream_id);
  if (s == nullptr || rtmp::parse_seek(c, k)) return;
  if (s->what != role::playing_vod) {
    send_status(stream_id, rtmp::k_level_error, "NetStream.Seek.Failed",
                "Only recordings can seek; a live stream plays at the live edge.");
    return;
  }
  const auto target = static_cast<std::uint32_t>(std::max(0.0, k.milliseconds));
  const auto at = s->vod->seek(target);
  s->vod_position_ms = at;
  s->vod_generation = ++vod_generations_;
  if (s->vod_timer) s->vod_timer->cancel();
  queue_.drop_stream(s->id);  // what was queued from before the seek is no longer wanted
  send_status(s->id, rtmp::k_level_status, rtmp::k_seek_notify,
              "Seeking " + s->key + " to " + std::to_string(at) + " ms.");
  send_status(s->id, rtmp::k_level_status, rtmp::k_play_start,
              "Started playing " + s->key + " at " + std::to_string(at) + " ms.");
  if (!s->paused) start_vod_pump(*s);
}

bool rtmp_session::play_vod(net_stream& s, const std::string& file, std::uint32_t start_ms,
                            bool reset) {
  std::error_code ec;
  auto src = vod_source::open(file, ec);
  if (!src) {
    server_.log.warn("rtmp", "conn " + std::to_string(id_) + ": cannot play recording " + file +
                                 ": " + ec.message());
    return false;
  }
  s.what = role::playing_vod;
  s.vod = std::move(src);
  s.vod_timer = std::make_unique<asio::steady_timer>(worker_.context);
  s.vod_position_ms = s.vod->seek(start_ms);
  activity_ = "played recording " + s.key;
  send(rtmp::make_user_control(rtmp::stream_is_recorded{s.id}));
  send_play_start(s, reset, "recording");
  if (const auto& md = s.vod->metadata()) {
    auto m = rtmp::make_on_metadata(*md, s.id);
    send(m);
  }
  server_.log.info("rtmp", "conn " + std::to_string(id_) + " " + peer_ + " plays recording " +
                               s.key + " from " + std::to_string(s.vod_position_ms) + " ms");
  start_vod_pump(s);
  return true;
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
