// play(name, start, duration, reset) (RTMP spec 7.2.2.1, FMS semantics): live with a
// GOP-cache start, or a recording paced in real time; pause, seek, receiveAudio/Video.
#include <algorithm>
#include <filesystem>

#include "classroom_authorizer.hpp"
#include "lectern/shared/control.hpp"
#include "lectern/shared/data_message.hpp"
#include "rtmp_net_stream.hpp"
#include "stream_name.hpp"

namespace lectern::server {

namespace rtmp = shared::rtmp;

void rtmp_session::on_play(const rtmp::command& c, std::uint32_t stream_id) {
  rtmp::play_command p;
  if (auto ec = rtmp::parse_play(c, p)) {
    close("protocol error: malformed play: " + ec.message());
    return;
  }
  start_play(p, stream_id);
}

void rtmp_session::start_play(const rtmp::play_command& p, std::uint32_t stream_id) {
  auto* sp = stream_or_create(stream_id);
  if (sp == nullptr) return;
  auto& s = *sp;
  if (s.what != role::idle) stop_stream(s, false);  // play again on the same stream: switch
  s.paused = false;                                 // a pause belonged to what played before
  const auto parsed = parse_stream_name(p.stream_name);
  const auto decision = authorize_play(s.id, parsed, "play");
  if (!decision) return;
  const std::string key = app_ + "/" + parsed.name;
  s.name = parsed.name;
  s.key = key;
  s.access = *decision;
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
    open_vod(s, file, p.start > 0 ? static_cast<std::uint32_t>(p.start) : 0, p.reset, mode);
    return;
  }
  play_absent(s, mode, p.reset);
}

// Neither live nor (playable) recorded: StreamNotFound for play(name, start >= 0), else
// FMS semantics: a live stream nobody publishes yet is waited for (students who join
// before the teacher); PublishNotify tells the player when it starts.
void rtmp_session::play_absent(net_stream& s, rtmp::play_mode mode, bool reset) {
  if (mode == rtmp::play_mode::recorded) {
    send_status(s.id, rtmp::k_level_error, rtmp::k_play_stream_not_found,
                "There is no recording named " + s.key + ".");
    return;
  }
  auto live = server_.streams.acquire(s.key);
  play_live(s, live, reset);
  observe(s, true);
}

// Whether the client may play `parsed` (play and play2 alike: the room's tokens decide); if
// not, it has been told why (StreamNotFound for a bad name, Play.Failed for a refusal).
std::optional<access_decision> rtmp_session::authorize_play(std::uint32_t stream_id,
                                                            const stream_name& parsed,
                                                            std::string_view what) {
  if (!parsed.valid) {
    send_status(stream_id, rtmp::k_level_error, rtmp::k_play_stream_not_found,
                invalid_name_text(parsed.name));
    return std::nullopt;
  }
  auto decision = server_.auth.play(
      {app_, parsed.name, parsed.query.empty() ? connect_query_ : parsed.query, peer_});
  if (decision.allowed) return decision;
  const std::string key = app_ + "/" + parsed.name;
  send_status(stream_id, rtmp::k_level_error, rtmp::k_play_failed,
              "Playing " + key + " is refused: " + decision.reason);
  server_.log.info("rtmp", "conn " + std::to_string(id_) + " " + peer_ + ": " + std::string(what) +
                               " " + key + " refused: " + decision.reason);
  return std::nullopt;
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
  s.player = std::make_unique<live_player>(*this, s);
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

void rtmp_session::queue_live(net_stream& s, const live_item& item, bool burst,
                              clock::time_point now) {
  const auto& m = item.media;
  if ((m.is_audio() && !s.receive_audio) || (m.is_video() && !s.receive_video)) return;
  const auto shifted = static_cast<std::int64_t>(m.timestamp) + s.ts_offset;
  const auto ts = static_cast<std::uint64_t>(std::max<std::int64_t>(shifted, 0));
  // After a play2 switch: the new stream's audio from just before its keyframe.
  if (ts < s.ts_floor && item.what == live_item::kind::media) return;
  queue_at(s, item, ts, burst, now);
}

void rtmp_session::queue_at(net_stream& s, const live_item& item, std::uint64_t timestamp,
                            bool burst, clock::time_point now) {
  const auto& m = item.media;
  auto e = live_queue_entry(item, wire_for(s, item, timestamp), s.id, burst, now);
  e.timestamp = timestamp;
  const bool media = m.is_audio() || m.is_video();
  if (media) s.last_ts = std::max(s.last_ts, timestamp);
  if (queue_.push_media(std::move(e)) && media) ++media_out_;
}

void rtmp_session::queue_items(net_stream& s, const std::vector<live_item_ptr>& items, bool burst) {
  // A start without a keyframe (the GOP cache is off or overflowed): video waits for one.
  if (!has_keyframe(items)) queue_.wait_for_keyframe(s.id);
  const auto now = clock::now();
  for (const auto& item : items) queue_live(s, *item, burst, now);
  wake_writer();
}

shared::shared_bytes rtmp_session::wire_for(const net_stream& s, const live_item& item,
                                            std::uint64_t timestamp) const {
  // Our chunk size is the server's from connect on (a client cannot change what we send
  // with), so every player can share the item's encodings; the check only guards that.
  if (out_chunk_size_ == item.chunk_size) return item.wire_for(s.id, timestamp);
  return encode_live_wire(item.media, s.id, out_chunk_size_, timestamp);
}

void rtmp_session::on_live(net_stream& s, const live_item_ptr* items, std::size_t n,
                           clock::time_point now) {
  if (s.what != role::playing_live || closing_ || draining_) return;
  for (std::size_t i = 0; i < n; ++i) {
    const live_item& item = *items[i];
    if (item.what == live_item::kind::publish || item.what == live_item::kind::unpublish) {
      live_event(s, item);
      if (closing_) return;  // its replies were not read (send() closed the connection)
    } else if (!s.paused || item.what != live_item::kind::media) {
      queue_live(s, item, false, now);
    }
  }
  wake_writer();
}

void rtmp_session::live_event(net_stream& s, const live_item& item) {
  if (item.what == live_item::kind::publish) {
    send(rtmp::make_user_control(rtmp::stream_begin{s.id}));
    send_status(s.id, rtmp::k_level_status, rtmp::k_play_publish_notify,
                s.key + " is now published.");
    queue_.wait_for_keyframe(s.id);
  } else {
    send_status(s.id, rtmp::k_level_status, rtmp::k_play_unpublish_notify,
                s.key + " is no longer published; waiting for it to come back.");
  }
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
  if (s->what == role::opening_vod) {
    s->paused = p.pause;  // play_vod() honours it when the file is open
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
  if (s->what == role::opening_vod) {
    // The file is still being opened: it will start there.
    s->vod_position_ms = static_cast<std::uint32_t>(std::max(0.0, k.milliseconds));
    send_status(s->id, rtmp::k_level_status, rtmp::k_seek_notify,
                "Seeking " + s->key + " to " + std::to_string(s->vod_position_ms) + " ms.");
    return;
  }
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

}  // namespace lectern::server
