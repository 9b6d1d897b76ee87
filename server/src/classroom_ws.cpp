// The /api/v1/ws control channel: who a connection is (token, name, admin session), its
// join into the room, and its frames handed to the room in order.
#include <boost/asio/post.hpp>
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

constexpr std::size_t k_max_name = 64;
constexpr auto k_hello_timeout = std::chrono::seconds(10);

std::shared_ptr<const std::string> error_frame(std::string_view code, std::string_view message) {
  return std::make_shared<const std::string>(
      json{{"op", "error"}, {"code", code}, {"message", message}}.dump());
}

/// A display name: trimmed, 1 to 64 bytes, no control characters; empty if not acceptable.
std::string clean_name(std::string_view name) {
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  if (name.empty() || name.size() > k_max_name) return {};
  for (const unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return {};
  }
  return std::string(name);
}

std::optional<participant_role> role_of(std::string_view r) {
  if (r == "teacher") return participant_role::teacher;
  if (r == "student") return participant_role::student;
  return std::nullopt;
}

/// A WebSocket as the room's control connection. The room calls it with its lock held;
/// ws_connection dispatches (may run inline, and closing calls back into the room), so
/// both go through a post.
struct ws_control_conn final : control_conn {
  explicit ws_control_conn(std::shared_ptr<ws_connection> w) : ws(std::move(w)) {}
  void send(std::shared_ptr<const std::string> frame) override {
    asio::post(ws->executor(), [w = ws, f = std::move(frame)]() mutable { w->send(std::move(f)); });
  }
  void close(std::uint16_t code, std::string reason) override {
    asio::post(ws->executor(),
               [w = ws, code, r = std::move(reason)]() mutable { w->close(code, std::move(r)); });
  }
  const std::string& peer() const override { return ws->peer(); }
  std::shared_ptr<ws_connection> ws;
};

}  // namespace

struct classroom::participant_handler final : ws_connection::handler,
                                              std::enable_shared_from_this<participant_handler> {
  participant_handler(classroom& c, api_context& a, std::shared_ptr<ws_connection> w, public_urls u)
      : owner(c), api(a), ws(w), urls(std::move(u)), handle(c.next_handle_++) {}

  void on_text(std::string_view text) override {
    if (closed) return;
    if (room_id == 0) {
      hello(text);
      return;
    }
    owner.with_room(room_id, [self = shared_from_this(), frame = std::string(text)](runtime& rt) {
      if (!rt.state || !rt.conns.contains(self->handle)) return;
      self->owner.apply(rt, rt.state->handle(self->handle, frame, self->owner.now_ms_()));
    });
  }

  void on_close(std::string_view) override {
    if (closed) return;
    closed = true;
    if (hello_timer) hello_timer->cancel();
    if (room_id == 0) return;
    --owner.ws_clients_;
    owner.with_room(room_id, [self = shared_from_this()](runtime& rt) {
      if (rt.conns.erase(self->handle) == 0) return;
      if (rt.state) self->owner.apply(rt, rt.state->leave(self->handle, self->owner.now_ms_()));
    });
    owner.attendance_leave(attendance_key());
    owner.emit("participant.left",
               json{{"room_id", room_id}, {"participant", participant_id}, {"role", role_name}});
  }

  void hello(std::string_view text) {
    const auto j = json::parse(text, nullptr, false);
    if (!j.is_object() || j.value("op", "") != "hello") {
      refuse(4001, "unauthorized", "send {\"op\":\"hello\",\"token\":…,\"name\":…} first");
      return;
    }
    join(j.value("token", ""), j.value("name", ""), j.value("resume", ""),
         j.value("room", std::int64_t{0}));
  }

  void refuse(std::uint16_t code, std::string_view error, std::string_view message) {
    if (!closed && room_id != 0) --owner.ws_clients_;  // counted at the join
    closed = true;
    if (hello_timer) hello_timer->cancel();
    if (auto w = ws.lock()) {
      w->send(error_frame(error, message));
      w->close(code, std::string(message.substr(0, 120)));
    }
  }

  /// Admins are already known (session); others present a room token.
  void join(const std::string& token, const std::string& raw_name, const std::string& resume,
            std::int64_t admin_room) {
    participant_role role = participant_role::admin;
    std::int64_t room = admin_room;
    if (admin) {
      if (room <= 0) {
        refuse(4004, "not_found", "an admin names the room: ?room=ID or \"room\" in hello");
        return;
      }
      role_name = "admin";
    } else {
      const auto grant = token.empty() ? std::nullopt : owner.rooms_.find(sha256_hex(token));
      const auto r = grant ? role_of(grant->role) : std::nullopt;
      if (!r) {
        refuse(4001, "unauthorized",
               token.empty() ? "no token: join with the room's link (?token=…)"
                             : "the token is not valid (it may have been rotated); ask for a "
                               "fresh link");
        return;
      }
      role = *r;
      room = grant->room_id;
      role_name = grant->role;
    }
    const auto name =
        admin ? (raw_name.empty() ? admin->username : clean_name(raw_name)) : clean_name(raw_name);
    if (name.empty()) {
      refuse(4005, "bad_name", "a display name of 1 to 64 characters is needed (?name=…)");
      return;
    }
    const auto info = owner.rooms_.room(room);
    if (!info) {
      refuse(4004, "not_found", "there is no room " + std::to_string(room));
      return;
    }
    if (hello_timer) hello_timer->cancel();
    room_id = room;
    ++owner.ws_clients_;
    owner.with_room(room, [self = shared_from_this(), role, name, resume, info = *info](
                              runtime& rt) { self->joined(rt, role, name, resume, info); });
  }

  void joined(runtime& rt, participant_role role, const std::string& name,
              const std::string& resume, const room_summary& info) {
    auto w = ws.lock();
    if (!w || closed) return;
    if (!rt.state) {
      refuse(4004, "not_found", "the room no longer exists");
      return;
    }
    auto r = rt.state->join(handle, role, name, owner.now_ms_(),
                            resume.empty() ? std::nullopt : std::optional<std::string>(resume));
    if (!r.ok) {
      refuse(4003, r.error_code.empty() ? "refused" : r.error_code,
             r.error_code == "room_full" ? "the room is full" : "cannot join the room");
      return;
    }
    participant_id = r.participant_id;
    rt.conns[handle] = std::make_shared<ws_control_conn>(w);
    const auto stream = "live/" + std::to_string(info.id);
    w->send(std::make_shared<const std::string>(json{
        {"op", "welcome"},
        {"room",
         {{"id", info.id},
          {"name", info.name},
          {"welcome", info.welcome},
          {"buffer_ms", info.buffer_ms},
          {"stream", stream},
          {"rtmp_url", urls.rtmp_base + "/" + stream}}},
        {"you", {{"id", r.participant_id}, {"role", role_name}, {"name", name}}},
        {"session", r.resume_key}}.dump()));
    owner.apply(rt, std::move(r.effects));
    owner.attendance_join(info.id, attendance_key(), participant_id, role_name, name, "ws",
                          w->peer());
  }

  std::string attendance_key() const { return "ws:" + std::to_string(handle); }

  classroom& owner;
  api_context& api;
  std::weak_ptr<ws_connection> ws;
  public_urls urls;
  const conn_handle handle;
  std::optional<admin_identity> admin;
  std::unique_ptr<asio::steady_timer> hello_timer;
  // Set on the connection's thread; read by room operations only after the join.
  std::int64_t room_id = 0;
  std::string participant_id;
  std::string role_name;
  bool closed = false;
};

asio::awaitable<void> classroom::serve_ws(api_context& api, request_context& ctx,
                                          std::shared_ptr<ws_connection> ws) {
  auto h = std::make_shared<participant_handler>(*this, api, ws, api.urls(ctx));
  if (ctx.header(http::field::authorization) || ctx.cookie("lectern_session")) {
    try {
      h->admin = co_await require_admin(api, ctx);
    } catch (const api_error&) {
      // Not an admin after all: a room token may still follow.
    }
  }
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
    if (ec || !self || self->room_id != 0 || self->closed) return;
    self->refuse(4001, "unauthorized", "no hello within 10 s");
  });
}

}  // namespace lectern::server
