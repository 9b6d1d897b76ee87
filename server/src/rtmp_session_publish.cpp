// publish(name, "live" | "record" | "append") (RTMP spec 7.2.2.6, FMS semantics).
#include <chrono>
#include <ctime>

#include "lectern/shared/control.hpp"
#include "recording_finalizer.hpp"
#include "rtmp_net_stream.hpp"
#include "stream_name.hpp"
#include "text.hpp"

namespace lectern::server {

namespace rtmp = shared::rtmp;

namespace {

// "room42-20261122-054701" (UTC): one file per class when every stream is recorded.
std::string timestamped(const std::string& name) {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "-%Y%m%d-%H%M%S", &tm);
  return name + buf;
}

}  // namespace

void rtmp_session::on_publish(const rtmp::command& c, std::uint32_t stream_id) {
  rtmp::publish_command p;
  if (auto ec = rtmp::parse_publish(c, p)) {
    close("protocol error: malformed publish: " + ec.message());
    return;
  }
  auto* sp = stream_or_create(stream_id);
  if (sp == nullptr) return;
  auto& s = *sp;
  const auto parsed = parse_stream_name(p.stream_name);
  if (!parsed.valid) {
    send_status(s.id, rtmp::k_level_error, rtmp::k_publish_bad_name,
                invalid_name_text(parsed.name));
    return;
  }
  if (s.what != role::idle) {
    send_status(s.id, rtmp::k_level_error, rtmp::k_publish_bad_name,
                "This stream is already publishing or playing; use a new stream.");
    return;
  }
  const std::string key = app_ + "/" + parsed.name;
  const auto decision = server_.auth.publish(
      {app_, parsed.name, parsed.query.empty() ? connect_query_ : parsed.query, peer_});
  if (!decision.allowed) {
    send_status(s.id, rtmp::k_level_error, rtmp::k_publish_bad_name,
                "Publishing " + key + " is refused: " + decision.reason);
    server_.log.info("rtmp", "conn " + std::to_string(id_) + " " + peer_ + ": publish " + key +
                                 " refused: " + decision.reason);
    return;
  }
  auto live = server_.streams.acquire(key);
  publisher_info info;
  info.session_id = id_;
  info.principal = decision.principal;
  info.peer = peer_;
  info.context = &worker_.context;
  info.evict = [weak = weak_from_this(), key] {
    if (auto self = weak.lock()) self->close("replaced by a new publisher of " + key);
  };
  const auto result = live->publish(std::move(info), clock::now());
  if (result == live_stream::publish_result::busy) {
    const auto holder = live->publisher();
    send_status(s.id, rtmp::k_level_error, rtmp::k_publish_bad_name,
                "The stream " + key + " is already being published" +
                    (holder ? " from " + holder->peer : std::string()) +
                    "; only one teacher may publish a room at a time.");
    server_.log.info("rtmp", "conn " + std::to_string(id_) + " " + peer_ + ": publish " + key +
                                 " refused: already published");
    live.reset();
    server_.streams.release(key);
    return;
  }
  s.what = role::publishing;
  s.name = parsed.name;
  s.key = key;
  s.live = std::move(live);
  s.access = decision;
  activity_ = "published " + key;
  send(rtmp::make_user_control(rtmp::stream_begin{s.id}));
  send_status(s.id, rtmp::k_level_status, rtmp::k_publish_start, key + " is now published.");
  server_.log.info("rtmp", "conn " + std::to_string(id_) + " " + peer_ + " publishes " + key +
                               " (" + std::string(rtmp::to_string(p.type)) + ")" +
                               (result == live_stream::publish_result::taken_over
                                    ? ", taking over from a stale publisher"
                                    : ""));
  if (p.type != rtmp::publish_type::live || server_.options.record_all || decision.record) {
    start_recording(s, p.type);
  }
  observe(s, true);
}

void rtmp_session::start_recording(net_stream& s, rtmp::publish_type type) {
  const bool append =
      type == rtmp::publish_type::append || type == rtmp::publish_type::append_with_gap;
  // "record"/"append" write <name>.flv (FMS semantics); --record-all gives each class
  // its own file.
  const std::string base = type == rtmp::publish_type::live ? timestamped(s.name) : s.name;
  const auto dir = server_.recordings_dir / app_;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const auto file = dir / (base + ".flv");
  if (!ec) {
    flv_recorder::options o;
    o.flush_interval = server_.options.record_flush_interval;
    s.recorder = flv_recorder::open(
        file, append ? flv_recorder::mode::append : flv_recorder::mode::record, o, ec);
  }
  if (!s.recorder) {
    send_status(s.id, rtmp::k_level_error, "NetStream.Record.NoAccess",
                "The recording " + file.filename().string() + " cannot be written: " +
                    ec.message() + ". The stream is live but not recorded.");
    server_.log.error("record",
                      "cannot record " + s.key + " to " + file.string() + ": " + ec.message());
    return;
  }
  if (auto md = s.live->stats().metadata) s.recorder->write_metadata(*md);
  send_status(s.id, rtmp::k_level_status, rtmp::k_record_start,
              "Recording " + s.key + " to " + file.filename().string() + ".");
  server_.log.info("record",
                   "recording " + s.key + " to " + file.string() + (append ? " (append)" : ""));
}

void rtmp_session::stop_recording(net_stream& s) {
  if (!s.recorder) return;
  auto recorder = std::move(s.recorder);
  const auto path = recorder->path();
  if (auto ec = recorder->close()) {
    server_.log.error("record", "closing " + path.string() + " failed: " + ec.message());
  }
  // Duration, file size and the keyframe index are written in the background.
  if (auto ec = server_.finalizer.finish(path)) {
    server_.log.error("record", "cannot finish " + path.string() + ": " + ec.message() +
                                    " (the file is left as recorded and still plays)");
  }
}

rtmp_activity rtmp_session::activity_of(const net_stream& s) {
  rtmp_activity a;
  a.session_id = id_;
  a.stream_id = s.id;
  a.key = s.key;
  a.peer = peer_;
  a.access = s.access;
  a.session = weak_from_this();
  a.context = &worker_.context;
  return a;
}

void rtmp_session::observe(net_stream& s, bool start) {
  if (server_.observer == nullptr || s.observed == start) return;
  s.observed = start;
  const auto a = activity_of(s);
  auto& o = *server_.observer;
  if (s.what == role::publishing) {
    start ? o.on_publish_start(a) : o.on_publish_stop(a);
  } else {
    start ? o.on_play_start(a) : o.on_play_stop(a);
  }
}

std::optional<rtmp_player_stats> rtmp_session::player_stats(std::uint32_t stream_id) const {
  const auto it = streams_.find(stream_id);
  if (it == streams_.end()) return std::nullopt;
  const auto& s = *it->second;
  if (s.what != role::playing_live && s.what != role::playing_vod) return std::nullopt;
  rtmp_player_stats st;
  st.buffer_ms = s.buffer_ms;
  st.bytes_out = bytes_out_;
  st.dropped_messages = queue_.stats().dropped_messages;
  st.dropped_bytes = queue_.stats().dropped_bytes;
  st.queued_bytes = queue_.bytes();
  st.paused = s.paused;
  st.receive_video = s.receive_video;
  return st;
}

void rtmp_session::stop_stream(net_stream& s, bool tell_client) {
  observe(s, false);
  switch (s.what) {
    case role::publishing:
      stop_recording(s);
      if (s.live) s.live->unpublish(id_);
      if (tell_client) {
        send_status(s.id, rtmp::k_level_status, rtmp::k_unpublish_success,
                    s.key + " is no longer published.");
      }
      server_.log.info("rtmp", "conn " + std::to_string(id_) + " stopped publishing " + s.key);
      break;
    case role::playing_live:
      cancel_switch(s);
      if (s.live && s.player) s.live->unsubscribe(worker_.context, s.player.get());
      s.player.reset();
      s.ts_offset = 0;  // a new play starts on the stream's own timeline (Play.Reset)
      s.last_ts = 0;
      s.ts_floor = 0;
      queue_.drop_stream(s.id);  // a play that follows starts with a fresh burst
      if (tell_client) {
        send_status(s.id, rtmp::k_level_status, rtmp::k_play_stop,
                    "Stopped playing " + s.key + ".");
      }
      break;
    case role::opening_vod:  // the answer of the open in flight is ignored
    case role::playing_vod:
      s.vod_generation = ++vod_generations_;
      queue_.drop_stream(s.id);
      if (s.vod_timer) s.vod_timer->cancel();
      s.vod.reset();
      break;
    case role::idle:
      break;
  }
  s.what = role::idle;
  if (s.live) {
    s.live.reset();
    server_.streams.release(s.key);
  }
}

}  // namespace lectern::server
