#include "classroom.hpp"
#include "classroom_runtime.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>

#include "api_context.hpp"
#include "classroom_authorizer.hpp"
#include "crypto.hpp"
#include "rtmp_session.hpp"
#include "store.hpp"
#include "webhooks.hpp"
#include "ws_connection.hpp"

namespace lectern::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr std::chrono::milliseconds k_tick{1000};

std::string stream_of(std::string_view key) {
  constexpr std::string_view app = "live/";
  return std::string(key.substr(0, app.size()) == app ? key.substr(app.size()) : key);
}

room_info info_of(const room_summary& r) {
  room_info i;
  i.id = r.id;
  i.name = r.name;
  i.welcome = r.welcome;
  i.buffer_ms = r.buffer_ms;
  i.max_students = r.max_students;
  return i;
}

std::vector<persisted_so> persisted_of(std::vector<shared_object_record>&& records) {
  std::vector<persisted_so> out;
  for (auto& r : records) {
    persisted_so p;
    p.name = std::move(r.name);
    p.version = static_cast<std::uint64_t>(r.version);
    for (auto& s : r.slots) {
      p.slots.emplace_back(std::move(s.slot), std::move(s.value_json),
                           static_cast<std::uint64_t>(s.version));
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string_view close_reason(std::uint16_t code) {
  switch (code) {
    case k_close_kicked:
      return "removed from the class";
    case k_close_replaced:
      return "replaced by a newer connection of the same participant";
    case k_close_class_ended:
      return "the class has ended";
    case k_close_rate_limited:
      return "too many messages";
    case k_close_bad_request:
      return "too many malformed messages";
    case k_close_too_slow:
      return "too slow";
    default:
      return "closed by the room";
  }
}

/// The figures of each activity that plays (nullopt for a publisher or one that is gone).
asio::awaitable<std::vector<std::optional<rtmp_player_stats>>> players_stats(
    const std::vector<rtmp_activity>& activities) {
  // Each player's figures live on its own thread: ask each thread once for all of its
  // players (a room's hundreds of players share a few worker threads), not once per player.
  std::map<asio::io_context*, std::vector<std::size_t>> by_thread;
  for (std::size_t i = 0; i < activities.size(); ++i) {
    if (activities[i].context != nullptr) by_thread[activities[i].context].push_back(i);
  }
  std::vector<std::optional<rtmp_player_stats>> out(activities.size());
  for (const auto& [context, indexes] : by_thread) {
    // A named lambda with trivially destructible captures: GCC 12 destroys temporaries in
    // a co_await expression twice.
    const auto* acts = &activities;
    const auto* idx = &indexes;
    auto* results = &out;
    auto probe = [acts, idx, results]() -> asio::awaitable<void> {
      for (const auto i : *idx) {
        const auto& a = (*acts)[i];
        if (auto s = a.session.lock()) (*results)[i] = s->player_stats(a.stream_id);
      }
      co_return;
    };
    co_await asio::co_spawn(*context, probe, asio::use_awaitable);
  }
  co_return out;
}

}  // namespace

classroom::classroom(store& db, room_directory& rooms, logger& log, webhooks* hooks,
                     std::function<std::int64_t()> now_ms)
    : db_(db),
      rooms_(rooms),
      log_(log),
      hooks_(hooks),
      now_ms_(std::move(now_ms)),
      attendance_rows_(std::make_shared<std::unordered_map<std::string, std::int64_t>>()) {}

classroom::~classroom() = default;

void classroom::start(asio::io_context& ctx) {
  // Calls (self->*fn)() every `period` until its timer is cancelled (stop()).
  struct repeat {
    classroom* self;
    asio::steady_timer* timer;
    std::chrono::milliseconds period;
    void (classroom::*fn)();
    void operator()(const boost::system::error_code& ec) const {
      if (ec) return;
      (self->*fn)();
      timer->expires_after(period);
      timer->async_wait(*this);
    }
  };
  timer_ = std::make_unique<asio::steady_timer>(ctx);
  persist_timer_ = std::make_unique<asio::steady_timer>(ctx);
  for (const auto& r :
       {repeat{this, timer_.get(), k_tick, &classroom::tick},
        repeat{this, persist_timer_.get(), k_persist_interval, &classroom::store_due_objects}}) {
    r.timer->expires_after(r.period);
    r.timer->async_wait(r);
  }
}

void classroom::stop() {
  if (timer_) asio::post(timer_->get_executor(), [t = timer_.get()] { t->cancel(); });
  if (persist_timer_) {
    asio::post(persist_timer_->get_executor(), [t = persist_timer_.get()] { t->cancel(); });
  }
  std::vector<std::shared_ptr<runtime>> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, rt] : runtimes_) all.push_back(rt);
  }
  for (auto& rt : all) {
    std::lock_guard lock(rt->mutex);
    for (auto& [h, ws] : rt->conns) ws->close(1001, "server shutting down");
  }
}

std::shared_ptr<classroom::runtime> classroom::find_runtime(std::int64_t room_id) const {
  std::lock_guard lock(mutex_);
  const auto it = runtimes_.find(room_id);
  return it == runtimes_.end() ? nullptr : it->second;
}

void classroom::with_room(std::int64_t room_id, room_fn fn) {
  for (;;) {
    std::shared_ptr<runtime> rt;
    bool load = false;
    {
      std::lock_guard lock(mutex_);
      auto& slot = runtimes_[room_id];
      if (!slot) {
        slot = std::make_shared<runtime>(room_id);
        load = true;
      }
      rt = slot;
    }
    std::unique_lock lock(rt->mutex);
    if (rt->retired) continue;  // retired between the lookup and the lock: look again
    if (!rt->loaded) {
      rt->pending.push_back(std::move(fn));
      lock.unlock();
      if (load) {
        // Persistent shared objects come from SQLite, on the store thread; operations
        // asked for meanwhile wait in `pending`, in order.
        // Essential: a dropped load would leave the room waiting forever (at most one per room).
        db_.post_essential([this, rt](database& db) {
          auto records = db.shared_objects.load_room(rt->id);
          const auto room = rooms_.room(rt->id);
          std::lock_guard l(rt->mutex);
          if (room) {
            rt->state =
                std::make_unique<room_state>(info_of(*room), persisted_of(std::move(records)),
                                             room_limits{}, [] { return random_token(24); });
            // teacher_live forced off after a restart, the welcome text: stored.
            apply(*rt, rt->state->startup_effects());
          }
          rt->loaded = true;
          auto pending = std::move(rt->pending);
          for (auto& f : pending) run_guarded(f, *rt);
        });
      }
      return;
    }
    run_guarded(fn, *rt);
    return;
  }
}

void classroom::run_guarded(const room_fn& fn, runtime& rt) {
  try {
    fn(rt);
  } catch (const std::exception& e) {
    // A bug, not bad input (room_state answers bad frames itself): keep the room going.
    log_.error("classroom", "room " + std::to_string(rt.id) + ": " + e.what());
  }
}

void classroom::apply(runtime& rt, room_effects&& fx) {
  for (auto& d : fx.deliveries) {
    for (const auto h : d.to) {
      const auto it = rt.conns.find(h);
      if (it != rt.conns.end()) it->second->send(d.frame);
    }
  }
  queue_objects(rt, std::move(fx.persist));
  for (const auto& [h, code] : fx.close) {
    const auto it = rt.conns.find(h);
    if (it != rt.conns.end()) it->second->close(code, std::string(close_reason(code)));
  }
  if (fx.class_live) {
    const bool live = *fx.class_live;
    db_.post(
        [room = rt.id, live, by = std::move(fx.class_started_by), now = now_ms_()](database& db) {
          auto open = db.class_sessions.open_for(room);
          if (live && !open) db.class_sessions.start(room, now, by.empty() ? "teacher" : by);
          if (!live && open) db.class_sessions.end(open->id, now);
        });
    emit(live ? "class.started" : "class.ended", json{{"room_id", rt.id}});
  }
  for (const auto& [stream, token] : fx.speak_granted) {
    const auto name = stream_of(stream);
    const auto parsed = parse_classroom_stream("live", name);
    token_grant g;
    g.room_id = rt.id;
    g.role = "speaker";
    g.participant = parsed.suffix;
    g.stream = name;
    rooms_.put_grant(sha256_hex(token), std::move(g));
  }
  for (const auto& pid : fx.kicked) {
    close_rtmp(
        rt, [&](const rtmp_activity& a) { return a.access.participant == pid; },
        "removed from the class");
  }
  for (const auto& stream : fx.speak_revoked) {
    const auto name = stream_of(stream);
    rooms_.revoke_grant(name);
    const auto key = "live/" + name;
    close_rtmp(
        rt, [&](const rtmp_activity& a) { return a.key == key && a.access.role == "speaker"; },
        "the teacher revoked the right to speak");
  }
}

void classroom::close_rtmp(runtime& rt, const std::function<bool(const rtmp_activity&)>& which,
                           const std::string& reason) {
  for (const auto& [k, a] : rt.rtmp) {
    if (!which(a) || a.context == nullptr) continue;
    asio::post(*a.context, [weak = a.session, reason] {
      if (auto s = weak.lock()) s->close(reason);
    });
  }
}

void classroom::emit(std::string type, json data) {
  if (hooks_ != nullptr) hooks_->emit(std::move(type), std::move(data));
}

void classroom::attendance_join(runtime& rt, std::string key, std::string participant,
                                std::string role, std::string name, std::string via,
                                std::string peer) {
  const auto room_id = rt.id;
  attendance_fields f;
  f.room_id = room_id;
  f.participant_id = participant;
  f.role = role;
  f.display_name = name;
  f.via = std::move(via);
  f.peer = std::move(peer);
  f.joined_at = now_ms_();
  const bool queued =
      db_.post([rows = attendance_rows_, key, f = std::move(f)](database& db) mutable {
        if (auto open = db.class_sessions.open_for(f.room_id)) f.class_session_id = open->id;
        (*rows)[key] = db.attendance.join(f);
      });
  if (queued) rt.attendance_open.insert(std::move(key));
  emit("participant.joined",
       json{{"room_id", room_id}, {"participant", participant}, {"role", role}, {"name", name}});
}

void classroom::attendance_leave(runtime& rt, const std::string& key) {
  // A row whose join was queued must get its left_at, or it says the participant never
  // left: the leave is never dropped for a full queue (there is one per queued join).
  if (rt.attendance_open.erase(key) == 0) return;
  db_.post_essential([rows = attendance_rows_, key, now = now_ms_()](database& db) {
    const auto it = rows->find(key);
    if (it == rows->end()) return;
    db.attendance.leave(it->second, now);
    rows->erase(it);
  });
}

void classroom::tick() {
  std::vector<std::shared_ptr<runtime>> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, rt] : runtimes_) all.push_back(rt);
  }
  const auto now = now_ms_();
  std::vector<std::int64_t> idle;
  for (auto& rt : all) {
    std::lock_guard lock(rt->mutex);
    if (!rt->loaded) continue;
    if (rt->state) apply(*rt, rt->state->expire(now));
    if ((!rt->state || rt->state->empty()) && rt->conns.empty() && rt->rtmp.empty()) {
      idle.push_back(rt->id);
    }
  }
  for (const auto id : idle) maybe_retire(id);
}

void classroom::maybe_retire(std::int64_t room_id) {
  std::lock_guard lock(mutex_);
  const auto it = runtimes_.find(room_id);
  if (it == runtimes_.end()) return;
  auto& rt = *it->second;
  std::lock_guard l(rt.mutex);  // map lock, then room lock: the one order used
  if (!rt.loaded || !rt.pending.empty() || !rt.conns.empty() || !rt.rtmp.empty()) return;
  if (rt.state && !rt.state->empty()) return;
  // Before the room's store job that may load it again (FIFO): its latest values first.
  if (!rt.unsaved.empty()) post_batch(rt);
  rt.retired = true;
  runtimes_.erase(it);
}

// ---- API ----

json classroom::brief(std::int64_t room_id) {
  const auto rt = find_runtime(room_id);
  json j{{"teacher_live", false}, {"participants", 0}, {"players", 0}};
  if (!rt) return j;
  std::lock_guard lock(rt->mutex);
  const std::size_t players = rt->rtmp.size() - rt->publishing.size();
  j["teacher_live"] = rt->teacher_live();
  j["participants"] = rt->conns.size();
  j["players"] = players;
  return j;
}

bool classroom::kick(std::int64_t room_id, std::string_view participant) {
  const auto rt = find_runtime(room_id);
  if (!rt) return false;
  std::lock_guard lock(rt->mutex);
  if (!rt->state) return false;
  auto fx = rt->state->kick(participant, now_ms_());
  const bool found = !fx.kicked.empty();
  apply(*rt, std::move(fx));
  return found;
}

void classroom::end_class(std::int64_t room_id) {
  with_room(room_id, [this](runtime& rt) {
    if (rt.state) apply(rt, rt.state->end_class(now_ms_()));
    close_rtmp(
        rt,
        [](const rtmp_activity& a) {
          return a.access.role == "teacher" || a.access.role == "speaker";
        },
        "the class has ended");
  });
}

void classroom::room_changed(const room_summary& r) {
  const auto rt = find_runtime(r.id);
  if (!rt) return;
  std::lock_guard lock(rt->mutex);
  if (rt->state) apply(*rt, rt->state->update_info(info_of(r)));
}

void classroom::room_deleted(std::int64_t room_id) {
  const auto rt = find_runtime(room_id);
  if (!rt) return;
  std::lock_guard lock(rt->mutex);
  for (auto& [h, ws] : rt->conns) ws->close(4004, "the room was deleted");
  close_rtmp(
      *rt, [](const rtmp_activity&) { return true; }, "the room was deleted");
  // The room is gone: the leaves and unpublishes that follow must not write its shared
  // objects back (their rows went with the room: FOREIGN KEY failures in the log).
  rt->state.reset();
  rt->unsaved.take();
}

std::size_t classroom::ws_clients() const {
  return ws_clients_;
}

std::size_t classroom::rooms_active() const {
  std::lock_guard lock(mutex_);
  return runtimes_.size();
}

asio::awaitable<json> classroom::live_state(std::int64_t room_id) {
  json state{{"room_id", room_id}, {"teacher_live", false}, {"participants", json::array()}};
  std::vector<rtmp_activity> activities;
  std::vector<bool> publishes;  // decided with the room's lock held, not from the figures
  if (const auto rt = find_runtime(room_id)) {
    std::lock_guard lock(rt->mutex);
    if (rt->state) state = rt->state->snapshot();
    state["room_id"] = room_id;
    state["teacher_live"] = rt->teacher_live();
    for (const auto& [k, a] : rt->rtmp) {
      activities.push_back(a);
      publishes.push_back(rt->publishing.contains(k));
    }
  }
  const auto stats = co_await players_stats(activities);
  json publishers = json::array();
  json players = json::array();
  for (std::size_t i = 0; i < activities.size(); ++i) {
    const auto& a = activities[i];
    if (a.context == nullptr) continue;
    json p{{"session", a.session_id},
           {"stream", a.key},
           {"peer", a.peer},
           {"role", a.access.role},
           {"participant", a.access.participant},
           {"transport", a.transport}};
    if (publishes[i]) {
      publishers.push_back(std::move(p));
    } else if (const auto& st = stats[i]) {
      p["buffer_ms"] = st->buffer_ms;
      p["bytes_out"] = st->bytes_out;
      p["dropped_messages"] = st->dropped_messages;
      p["dropped_bytes"] = st->dropped_bytes;
      p["queued_bytes"] = st->queued_bytes;
      p["paused"] = st->paused;
      p["audio_only"] = !st->receive_video;
      players.push_back(std::move(p));
    }
    // A player without figures went away while its thread was asked: it is not listed (it
    // used to appear as a publisher, since only players have figures).
  }
  state["publishers"] = std::move(publishers);
  state["players"] = std::move(players);
  co_return state;
}

}  // namespace lectern::server
