// The /api/v1/ws control channel: who a connection is (token, name, admin session), its
// join into the room, and its frames handed to the room in order.
#include <boost/asio/steady_timer.hpp>

#include "api_context.hpp"
#include "classroom.hpp"
#include "classroom_runtime.hpp"
#include "crypto.hpp"
#include "ws_connection.hpp"

namespace lectern::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr auto k_hello_timeout = std::chrono::seconds(10);

std::shared_ptr<const std::string> error_frame(std::string_view code, std::string_view message) {
  return std::make_shared<const std::string>(
      json{{"op", "error"}, {"code", code}, {"message", message}}.dump());
}

std::optional<participant_role> role_of(std::string_view r) {
  if (r == "teacher") return participant_role::teacher;
  if (r == "student") return participant_role::student;
  return std::nullopt;
}

/// A WebSocket as the room's control connection. The room calls it with its lock held,
/// which is safe because ws_connection's send and close always post.
struct ws_control_conn final : control_conn {
  explicit ws_control_conn(std::shared_ptr<ws_connection> w) : ws(std::move(w)) {}
  void send(std::shared_ptr<const std::string> frame) override { ws->send(std::move(frame)); }
  void close(std::uint16_t code, std::string reason) override {
    ws->close(code, std::move(reason));
  }
  const std::string& peer() const override { return ws->peer(); }
  std::shared_ptr<ws_connection> ws;
};

}  // namespace

struct classroom::participant_handler final : ws_connection::handler,
                                              std::enable_shared_from_this<participant_handler> {
  participant_handler(classroom& c, api_context& a, std::shared_ptr<ws_connection> w, public_urls u)
      : owner(c), api(a), ws(w), urls(std::move(u)), handle(c.next_handle_++) {}

  // on_text and on_close run on the connection's thread; joined() runs wherever the room
  // operation runs (possibly the store thread while the room loads): `mutex` guards the
  // fields both touch.
  void on_text(std::string_view text) override {
    std::int64_t room = 0;
    {
      std::lock_guard lock(mutex);
      if (closed) return;
      room = room_id;
    }
    if (room == 0) {
      hello(text);
      return;
    }
    owner.with_room(room, [self = shared_from_this(), frame = std::string(text)](runtime& rt) {
      if (!rt.state || !rt.conns.contains(self->handle)) return;
      self->owner.apply(rt, rt.state->handle(self->handle, frame, self->owner.now_ms_()));
    });
  }

  void on_close(std::string_view) override {
    std::int64_t room = 0;
    {
      std::lock_guard lock(mutex);
      if (closed) return;
      closed = true;
      room = room_id;
    }
    if (hello_timer) hello_timer->cancel();
    if (room == 0) return;
    --owner.ws_clients_;
    // In the room's order: after joined() if it ran (then the attendance join is queued
    // before this leave), and nothing at all if the connection never joined.
    owner.with_room(room, [self = shared_from_this(), room](runtime& rt) {
      if (rt.conns.erase(self->handle) == 0) return;
      if (rt.state) self->owner.apply(rt, rt.state->leave(self->handle, self->owner.now_ms_()));
      self->owner.attendance_leave(rt, self->attendance_key());
      std::string pid;
      {
        std::lock_guard lock(self->mutex);
        pid = self->participant_id;
      }
      self->owner.emit("participant.left",
                       json{{"room_id", room}, {"participant", pid}, {"role", self->role_name}});
    });
  }

  void hello(std::string_view text) {
    const auto j = json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("op") || j["op"] != "hello") {
      refuse(k_close_unauthorized, "unauthorized",
             "send {\"op\":\"hello\",\"token\":…,\"name\":…} first");
      return;
    }
    const auto text_field = [&](const char* k) -> std::optional<std::string> {
      if (!j.contains(k)) return std::string();
      if (!j[k].is_string()) return std::nullopt;
      return j[k].get<std::string>();
    };
    const auto token = text_field("token");
    const auto name = text_field("name");
    const auto resume = text_field("resume");
    const bool room_ok = !j.contains("room") || j["room"].is_number_integer();
    if (!token || !name || !resume || !room_ok) {
      refuse(k_close_bad_request, "bad_request",
             "hello: token, name and resume are strings, room is a number");
      return;
    }
    join(*token, *name, *resume, room_ok && j.contains("room") ? j["room"].get<std::int64_t>() : 0);
  }

  /// Tells the client why and closes (may run with a room's lock held: ws_connection posts;
  /// a pending hello timer finds `closed` and does nothing).
  void refuse(std::uint16_t code, std::string_view error, std::string_view message) {
    {
      std::lock_guard lock(mutex);
      if (closed) return;
      closed = true;
      if (room_id != 0) --owner.ws_clients_;  // counted at the join
    }
    if (auto w = ws.lock()) {
      w->send(error_frame(error, message));
      w->close(code, std::string(message.substr(0, 120)));
    }
  }

  /// Admins are already known (session); others present a room token. A token wins over an
  /// admin session: an admin who opens a student's join link in the same browser joins as
  /// that student, with the name given, as the link promises.
  void join(const std::string& token, const std::string& name, const std::string& resume,
            std::int64_t admin_room) {
    participant_role role = participant_role::admin;
    std::int64_t room = admin_room;
    if (admin && token.empty()) {
      if (room <= 0) {
        refuse(k_close_no_room, "not_found",
               "an admin names the room: ?room=ID or \"room\" in hello");
        return;
      }
      role_name = "admin";
    } else {
      const auto grant = token.empty() ? std::nullopt : owner.rooms_.find(sha256_hex(token));
      const auto r = grant ? role_of(grant->role) : std::nullopt;
      if (!r) {
        refuse(k_close_unauthorized, "unauthorized",
               token.empty() ? "no token: join with the room's link (?token=…)"
                             : "the token is not valid (it may have been rotated); ask for a "
                               "fresh link");
        return;
      }
      role = *r;
      room = grant->room_id;
      role_name = grant->role;
    }
    const auto info = owner.rooms_.room(room);
    if (!info) {
      refuse(k_close_no_room, "not_found", "there is no room " + std::to_string(room));
      return;
    }
    if (hello_timer) hello_timer->cancel();
    {
      std::lock_guard lock(mutex);
      if (closed) return;
      room_id = room;
    }
    ++owner.ws_clients_;
    // An admin without a name shows as their user name; room_state checks names.
    const auto shown = admin && name.empty() ? admin->username : name;
    owner.with_room(room, [self = shared_from_this(), role, shown, resume, info = *info](
                              runtime& rt) { self->joined(rt, role, shown, resume, info); });
  }

  void joined(runtime& rt, participant_role role, const std::string& name,
              const std::string& resume, const room_summary& info) {
    auto w = ws.lock();
    if (!w) return;
    {
      std::lock_guard lock(mutex);
      if (closed) return;
    }
    if (!rt.state) {
      refuse(k_close_no_room, "not_found", "the room no longer exists");
      return;
    }
    const std::string account =
        role == participant_role::admin && admin ? admin->username : std::string();
    auto r =
        rt.state->join(handle, role, name, owner.now_ms_(),
                       resume.empty() ? std::nullopt : std::optional<std::string>(resume), account);
    if (!r.ok) {
      refuse(r.close_code != 0 ? r.close_code : k_close_room_full,
             r.error_code.empty() ? "refused" : r.error_code,
             r.error_code == "room_full"
                 ? "the room is full"
                 : "cannot join: a display name of 1 to 64 characters is needed (?name=…)");
      return;
    }
    {
      std::lock_guard lock(mutex);
      participant_id = r.participant_id;
    }
    auto conn = std::make_shared<ws_control_conn>(w);
    rt.conns[handle] = conn;
    const auto stream = "live/" + std::to_string(info.id);
    conn->send(std::make_shared<const std::string>(json{
        {"op", "welcome"},
        {"room",
         {{"id", info.id},
          {"name", info.name},
          {"welcome", info.welcome},
          {"buffer_ms", info.buffer_ms},
          {"stream", stream},
          {"rtmp_url", urls.rtmp_base + "/" + stream}}},
        {"you", {{"id", r.participant_id}, {"role", role_name}, {"name", r.name}}},
        {"session", r.resume_key}}.dump()));
    owner.apply(rt, std::move(r.effects));
    owner.attendance_join(rt, attendance_key(), r.participant_id, role_name, r.name, "ws",
                          w->peer());
  }

  std::string attendance_key() const { return "ws:" + std::to_string(handle); }

  classroom& owner;
  api_context& api;
  std::weak_ptr<ws_connection> ws;
  public_urls urls;
  const conn_handle handle;
  std::optional<admin_identity> admin;
  std::unique_ptr<asio::steady_timer> hello_timer;  // the connection's thread only
  std::string role_name;                            // set before the join is queued
  std::mutex mutex;                                 // guards the three below
  std::int64_t room_id = 0;
  std::string participant_id;
  bool closed = false;
};

asio::awaitable<void> classroom::serve_ws(api_context& api, request_context& ctx,
                                          std::shared_ptr<ws_connection> ws) {
  auto h = std::make_shared<participant_handler>(*this, api, ws, api.urls(ctx));
  h->admin = co_await optional_admin(api, ctx);
  ws->set_handler(h);
  const auto token = ctx.query("token");
  const auto room = ctx.query("room");
  if (token || (h->admin && room)) {
    std::int64_t room_id = 0;
    if (room) room_id = std::atoll(room->c_str());
    h->join(token.value_or(""), ctx.query("name").value_or(""), ctx.query("resume").value_or(""),
            room_id);
    co_return;
  }
  // Wait for a hello frame, not forever.
  h->hello_timer = std::make_unique<asio::steady_timer>(ws->executor(), k_hello_timeout);
  h->hello_timer->async_wait([weak = std::weak_ptr<participant_handler>(h)](auto ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    {
      std::lock_guard lock(self->mutex);
      if (self->room_id != 0 || self->closed) return;
    }
    self->refuse(k_close_unauthorized, "unauthorized", "no hello within 10 s");
  });
}

}  // namespace lectern::server
