#include "control_plane.hpp"

#include <boost/asio/thread_pool.hpp>
#include <cstdlib>
#include <iostream>

#include "amf_json.hpp"
#include "api_context.hpp"
#include "classroom.hpp"
#include "classroom_authorizer.hpp"
#include "crypto.hpp"
#include "dashboard.hpp"
#include "http_server.hpp"
#include "live_http.hpp"
#include "live_stream.hpp"
#include "login_limiter.hpp"
#include "metrics.hpp"
#include "mp4_remuxer.hpp"
#include "static_site.hpp"
#include "store.hpp"
#include "stream_registry.hpp"
#include "webhooks.hpp"

namespace lectern::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string hash_token(std::string_view token) {
  return sha256_hex(token);
}

/// The publisher's figures as onMetaData describes them (codec ids per FLV spec E.4.3.1:
/// 7 = AVC, 10 = AAC), plus what the server measured.
json describe_stream(const live_stream_stats& st) {
  json j{{"publishing", st.publishing},     {"players", st.players},
         {"media_bytes", st.media_bytes},   {"video_keyframes", st.video_keyframes},
         {"video_frames", st.video_frames}, {"video_bytes", st.video_bytes},
         {"audio_bytes", st.audio_bytes}};
  if (!st.metadata) return j;
  // Only the members shown are converted (the dashboard asks every second), and one the
  // converter refuses (or an oversized member beside it) costs only itself.
  std::string why;
  for (const auto* k : {"width", "height", "framerate", "videodatarate", "audiodatarate",
                        "videocodecid", "audiocodecid", "audiosamplerate", "encoder"}) {
    const auto* v = st.metadata->member(k);
    auto value = v ? amf_to_json(*v, why) : std::nullopt;
    j[k] = value ? std::move(*value) : json(nullptr);
  }
  return j;
}

}  // namespace

struct control_plane::impl {
  impl(const server_options& o, logger& l, stream_registry& s)
      : options(o),
        log(l),
        streams(s),
        db(open_store(o, l)),
        secret(load_or_create_secret(o.data_dir / "secret.key")),
        hooks(make_webhooks(o, l)),
        classes(*db, rooms, l, hooks.get(), unix_ms),
        room_auth(rooms, hash_token),
        api{options, log, *db, rooms, classes, stats, secret, kdf_pool, limiter, user_limiter} {
    api.now_ms = unix_ms;
    api.recordings_dir = o.data_dir / "recordings";
    api.dummy_password_hash = hash_password(random_token(16));
    first_admin();
    load_directory();
    api.want_mp4 = [this](const std::filesystem::path& flv) { remuxer.enqueue(flv); };
    remux_missing();
  }

  /// Recordings made before MP4 copies existed (or whose remux was cut by a stop) get one.
  void remux_missing() {
    const auto rows = db->run_sync([](database& d) { return d.recordings.list(); });
    std::size_t queued = 0;
    for (const auto& r : rows) {
      const auto flv = api.recordings_dir / r.path;
      std::error_code ec;
      if (!std::filesystem::exists(flv, ec) ||
          std::filesystem::exists(mp4_remuxer::mp4_path(flv), ec)) {
        continue;
      }
      queued += remuxer.enqueue(flv) ? 1 : 0;
    }
    if (queued > 0) {
      log.info("record", "remuxing " + std::to_string(queued) +
                             " recording(s) without an MP4 copy, one at a time");
    }
  }

  static std::unique_ptr<store> open_store(const server_options& o, logger& l) {
    return store::open(
        o.data_dir / "lectern.db", [&l](std::string_view e) { l.error("store", std::string(e)); },
        o.store_queue);
  }

  static std::unique_ptr<webhooks> make_webhooks(const server_options& o, logger& l) {
    if (o.webhook_urls.empty()) return nullptr;
    webhook_settings settings;
    for (const auto& text : o.webhook_urls) {
      std::string error;
      auto url = parse_webhook_url(text, error);
      if (!url) throw std::runtime_error("--webhook-url " + text + ": " + error);
      settings.urls.push_back(std::move(*url));
    }
    settings.secret = o.webhook_secret;
    settings.user_agent = std::string("lectern/") + LECTERN_VERSION;
    return std::make_unique<webhooks>(std::move(settings), l);
  }

  /// No default password: LECTERN_ADMIN_PASSWORD, or a one-time password shown once.
  void first_admin() {
    if (db->run_sync([](database& d) { return d.admins.count(); }) > 0) return;
    const char* env = std::getenv("LECTERN_ADMIN_PASSWORD");
    std::string password = env != nullptr ? env : "";
    const bool generated = password.empty();
    if (generated) password = random_token(12);
    const auto hash = hash_password(password);
    db->run_sync([&](database& d) { d.admins.create("admin", hash, unix_ms()); });
    if (generated) {
      // stdout, once: the operator needs it to log in (it is not stored anywhere).
      std::cout << "first admin: user 'admin', one-time password '" << password
                << "' (set LECTERN_ADMIN_PASSWORD to choose it; change it after logging in)"
                << std::endl;
    }
    log.info("api",
             std::string("created the first admin 'admin' with the password from ") +
                 (generated ? "a one-time value printed on stdout" : "LECTERN_ADMIN_PASSWORD"));
  }

  void load_directory() {
    const auto now = unix_ms();
    auto [room_list, tokens] = db->run_sync([&](database& d) {
      // Presences left open by a crash or a stop end now (those people reconnect and get
      // new rows). A class left open stays open: its room object still says "live" and
      // the teacher comes back to it; the teacher or an admin ends it.
      d.attendance.close_all_open(now);
      return std::make_pair(d.rooms.list(), d.room_tokens.all_active());
    });
    for (const auto& r : room_list) rooms.put_room(summary_of(r));
    for (const auto& t : tokens) rooms.put_token(t.token_hash, t.room_id, t.role);
  }

  std::size_t live_streams() const {
    std::size_t n = 0;
    for (const auto& s : streams.all()) n += s->publisher().has_value();
    return n;
  }

  void register_metrics() {
    stats.add_gauge_fn("lectern_ws_clients", "WebSocket control connections",
                       [this] { return static_cast<double>(classes.ws_clients()); });
    stats.add_gauge_fn("lectern_rooms_active", "Rooms with someone in them",
                       [this] { return static_cast<double>(classes.rooms_active()); });
    stats.add_gauge_fn("lectern_http_connections", "Open HTTP and WebSocket connections",
                       [this] { return http ? static_cast<double>(http->connections()) : 0.0; });
    stats.add_gauge_fn("lectern_process_resident_bytes", "Resident memory of the server",
                       [] { return static_cast<double>(process_rss_bytes()); });
    stats.add_gauge_fn("lectern_uptime_seconds", "Seconds since the server started", [this] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - api.started).count();
    });
    stats.add_gauge_fn("lectern_live_streams", "Live streams with a publisher",
                       [this] { return static_cast<double>(live_streams()); });
    stats.add_gauge_fn("lectern_rtmp_connections", "Open RTMP connections", [this] {
      return counters.rtmp_connections ? static_cast<double>(counters.rtmp_connections()) : 0.0;
    });
    const auto counter = [this](const char* name, const char* help,
                                std::function<std::uint64_t()> relay_counters::*field) {
      stats.add_counter_fn(name, help, [this, field] {
        const auto& f = counters.*field;
        return f ? static_cast<double>(f()) : 0.0;
      });
    };
    counter("lectern_rtmp_bytes_in_total", "Bytes received from RTMP clients",
            &relay_counters::bytes_in);
    counter("lectern_rtmp_bytes_out_total", "Bytes sent to RTMP clients",
            &relay_counters::bytes_out);
    counter("lectern_rtmp_dropped_messages_total",
            "Media messages dropped for slow players (counted when the player leaves)",
            &relay_counters::dropped_messages);
    stats.add_gauge_fn("lectern_vod_opens_waiting", "Recordings being opened for players", [this] {
      return counters.vod_opens_waiting ? static_cast<double>(counters.vod_opens_waiting()) : 0.0;
    });
    counter("lectern_vod_opens_refused_total",
            "Recording opens refused because too many were waiting",
            &relay_counters::vod_opens_refused);
    counter("lectern_vod_indexes_built_total",
            "Recordings indexed for players (the rest shared an index)",
            &relay_counters::vod_indexes_built);
    register_web_metrics();
    stats.add_gauge_fn("lectern_store_pending_writes", "Database writes queued",
                       [this] { return static_cast<double>(db->posted_pending()); });
    stats.add_counter_fn("lectern_store_dropped_writes_total",
                         "Database writes dropped because the queue was full",
                         [this] { return static_cast<double>(db->dropped()); });
    stats.add_counter_fn("lectern_so_store_batches_total",
                         "Shared-object batches handed to the database (one per room at most "
                         "waits)",
                         [this] { return static_cast<double>(classes.so_batches()); });
    stats.add_counter_fn("lectern_so_writes_coalesced_total",
                         "Shared-object slot writes replaced by a later one before being stored",
                         [this] { return static_cast<double>(classes.so_writes_coalesced()); });
    if (hooks) hooks->add_metrics(stats);
  }

  /// HTTP-FLV/WS-FLV players and the MP4 copies of recordings.
  void register_web_metrics() {
    stats.add_gauge_fn("lectern_http_players", "Live players over HTTP-FLV and WS-FLV", [this] {
      return live ? static_cast<double>(live->counters().players.load()) : 0.0;
    });
    stats.add_counter_fn(
        "lectern_http_player_bytes_out_total", "Bytes sent to HTTP-FLV and WS-FLV players",
        [this] { return live ? static_cast<double>(live->counters().bytes_out.load()) : 0.0; });
    stats.add_counter_fn(
        "lectern_http_player_dropped_messages_total",
        "Media messages dropped for slow HTTP players (counted when the player leaves)", [this] {
          return live ? static_cast<double>(live->counters().dropped_messages.load()) : 0.0;
        });
    stats.add_gauge_fn("lectern_mp4_remux_queued", "Recordings waiting for their MP4 copy",
                       [this] { return static_cast<double>(remuxer.queued()); });
    stats.add_counter_fn("lectern_mp4_remux_failed_total", "MP4 copies that could not be made",
                         [this] { return static_cast<double>(remuxer.failed()); });
  }

  const server_options& options;
  logger& log;
  stream_registry& streams;
  std::unique_ptr<store> db;
  std::string secret;
  room_directory rooms;
  metrics stats;
  std::unique_ptr<webhooks> hooks;
  classroom classes;
  classroom_authorizer room_auth;
  open_authorizer open_auth;
  asio::thread_pool kdf_pool{1};
  login_limiter limiter;
  // Keyed by one of k_user_buckets buckets (api_auth.cpp), so it never fills up: a flood of
  // addresses and made-up names cannot make it forget a locked-out admin.
  login_limiter user_limiter{login_limiter::limits{5, std::chrono::seconds(60), 4096}};
  api_context api;
  http_router router;
  static_site site{options.resolved_web_root(), log};
  std::unique_ptr<live_http> live;  // set by listen()
  mp4_remuxer remuxer{log};
  dashboard board{api};
  std::unique_ptr<http_server> http;
  relay_counters counters;
};

control_plane::control_plane(const server_options& options, logger& log, stream_registry& streams)
    : impl_(std::make_unique<impl>(options, log, streams)) {}

control_plane::~control_plane() {
  if (impl_) impl_->kdf_pool.join();
}

authorizer& control_plane::auth() {
  if (impl_->options.open) return impl_->open_auth;
  return impl_->room_auth;
}

rtmp_observer& control_plane::observer() {
  return impl_->classes;
}

asio::ip::tcp::endpoint control_plane::listen(std::vector<asio::io_context*> contexts,
                                              std::uint16_t rtmp_port, server_context& relay) {
  auto& m = *impl_;
  m.live = std::make_unique<live_http>(relay, m.api);
  m.live->register_routes(m.router);
  m.api.rtmp_port = rtmp_port;
  m.api.stream_stats = [&m](const std::string& key) {
    const auto s = m.streams.find(key);
    return s ? describe_stream(s->stats()) : json{{"publishing", false}};
  };
  m.api.relay_stats = [&m] {
    const auto value = [](const auto& f) -> json { return f ? json(f()) : json(nullptr); };
    return json{{"rtmp_connections", value(m.counters.rtmp_connections)},
                {"bytes_in", value(m.counters.bytes_in)},
                {"bytes_out", value(m.counters.bytes_out)},
                {"dropped_messages", value(m.counters.dropped_messages)},
                {"live_streams", m.live_streams()},
                {"http_players", m.live->counters().players.load()},
                {"http_bytes_out", m.live->counters().bytes_out.load()}};
  };
  register_auth_routes(m.router, m.api);
  register_room_routes(m.router, m.api);
  register_class_routes(m.router, m.api);
  register_recording_routes(m.router, m.api);
  register_server_routes(m.router, m.api);
  m.board.register_routes(m.router);
  m.site.register_routes(m.router);
  std::error_code ec;
  if (std::filesystem::is_directory(m.site.root(), ec)) {
    m.log.info("http", "serving the web panel from " + m.site.root().string());
  } else {
    m.log.warn("http", "no web panel at " + m.site.root().string() +
                           ": / answers 503 until it is built (or set --web-root)");
  }
  m.register_metrics();
  m.classes.start(*contexts.front());
  m.board.start(*contexts.front());
  http_limits limits;
  m.http = std::make_unique<http_server>(contexts, limits, m.router, m.log,
                                         [&m](std::string_view method, std::string_view route,
                                              unsigned status, std::chrono::nanoseconds took) {
                                           m.stats.observe_http_request(
                                               method, route, static_cast<int>(status),
                                               std::chrono::duration<double>(took).count());
                                         });
  const auto& l = m.options.http_listen;
  return m.http->listen(asio::ip::tcp::endpoint(asio::ip::make_address(l.host), l.port));
}

void control_plane::start() {
  impl_->http->start();
}

void control_plane::stop() {
  if (impl_->http) impl_->http->stop();
  impl_->classes.stop();
  impl_->board.stop();
  if (impl_->hooks) impl_->hooks->stop();
}

void control_plane::close_store() {
  impl_->classes.flush_objects();  // batched shared-object changes, before the queue runs out
  impl_->db->stop();
}

void control_plane::release_io() {
  impl_->http.reset();
  impl_->classes.release_timer();
  impl_->board.release_timer();
}

void control_plane::set_relay_counters(relay_counters c) {
  impl_->counters = std::move(c);
}

void control_plane::recording_finished(const std::filesystem::path& file, std::int64_t duration_ms,
                                       std::int64_t size_bytes) {
  auto& m = *impl_;
  std::error_code ec;
  auto rel = std::filesystem::relative(file, m.api.recordings_dir, ec);
  if (ec || rel.empty()) rel = file.filename();
  // "live/3-20261122-101500.flv" or "live/3.flv": the room is the number before '-' or '.'.
  const auto stem = rel.stem().string();
  const auto app = rel.has_parent_path() ? rel.parent_path().string() : std::string("live");
  const auto cs = parse_classroom_stream(app, stem.substr(0, stem.find_first_of("-.")));
  recording_fields f;
  if (cs.valid && m.rooms.room(cs.room_id)) f.room_id = cs.room_id;
  f.stream = app + "/" + stem;
  f.path = rel.string();
  f.created_at = unix_ms();
  f.started_at = f.created_at - duration_ms;
  f.duration_ms = duration_ms;
  f.size_bytes = size_bytes;
  m.db->post([f](database& d) {
    if (auto old = d.recordings.find_by_path(f.path)) d.recordings.remove(old->id);  // append
    d.recordings.add(f);
  });
  // An appended recording's old MP4 is stale: the new one replaces it by rename.
  m.remuxer.enqueue(file);
  if (m.hooks) {
    m.hooks->emit("recording.ready", json{{"room_id", f.room_id ? json(*f.room_id) : json(nullptr)},
                                          {"stream", f.stream},
                                          {"file", f.path},
                                          {"duration_ms", duration_ms},
                                          {"size_bytes", size_bytes}});
  }
}

}  // namespace lectern::server
