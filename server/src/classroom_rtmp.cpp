// RTMP remote shared objects (RTMP spec 7.1.3) on the room's store: an RTMP connection
// joins the room as a participant, like a WebSocket, at its first shared object message,
// and rtmp_so_mapper turns its events into control-channel requests and the room's frames
// back into events (docs/control-protocol.md, "Shared objects over RTMP").
#include <atomic>
#include <mutex>

#include "classroom.hpp"
#include "classroom_runtime.hpp"
#include "crypto.hpp"
#include "http_util.hpp"
#include "rtmp_so_mapper.hpp"

namespace lectern::server {

namespace rtmp = shared::rtmp;
using nlohmann::json;

namespace {

constexpr std::string_view k_default_name = "RTMP client";

std::string query_value(std::string_view query, std::string_view key) {
  for (auto& [k, v] : parse_query(query)) {
    if (k == key) return std::move(v);
  }
  return {};
}

}  // namespace

/// One RTMP connection using shared objects: the session's link and the room's control
/// connection at once. The room calls send/close with its lock held; both only post to the
/// session's thread (rtmp_so_client), never back into the classroom.
struct classroom::rtmp_so_handler final : rtmp_so_link,
                                          control_conn,
                                          std::enable_shared_from_this<rtmp_so_handler> {
  rtmp_so_handler(classroom& c, rtmp_so_client cl, std::int64_t room, participant_role r,
                  std::string rn, std::string n)
      : owner(c),
        client(std::move(cl)),
        handle(c.next_handle_++),
        room_id(room),
        role(r),
        role_name(std::move(rn)),
        name(std::move(n)) {}

  void on_message(rtmp::shared_object_message m) override {
    if (closed) return;
    if (!join_asked) {
      join_asked = true;
      first_so = m.name;
      owner.with_room(room_id, [self = shared_from_this()](runtime& rt) { self->joined(rt); });
    }
    rtmp_so_mapper::output out;
    {
      std::lock_guard lock(mapper_mutex);
      out = mapper.from_client(m);
    }
    for (auto& r : out.replies) client.send(std::move(r));
    if (out.frames.empty()) return;
    owner.with_room(
        room_id, [self = shared_from_this(), frames = std::move(out.frames)](runtime& rt) {
          if (!rt.state || !rt.conns.contains(self->handle)) return;
          for (const auto& f : frames) {
            self->owner.apply(rt, rt.state->handle(self->handle, f, self->owner.now_ms_()));
          }
        });
  }

  void on_close() override {
    if (closed.exchange(true) || !join_asked) return;
    owner.with_room(room_id, [self = shared_from_this()](runtime& rt) {
      if (rt.conns.erase(self->handle) == 0) return;
      if (rt.state) self->owner.apply(rt, rt.state->leave(self->handle, self->owner.now_ms_()));
      self->owner.attendance_leave(rt, self->attendance_key());
      self->owner.emit("participant.left", json{{"room_id", self->room_id},
                                                {"participant", self->participant_id},
                                                {"role", self->role_name}});
    });
  }

  // control_conn: called with the room's lock held.
  void send(std::shared_ptr<const std::string> frame) override {
    std::optional<rtmp::shared_object_message> m;
    {
      std::lock_guard lock(mapper_mutex);
      m = mapper.to_client(*frame);
    }
    if (m) client.send(std::move(*m));
  }
  void close(std::uint16_t code, std::string reason) override {
    std::string why = "closed by the room (";
    why += std::to_string(code);
    why += "): ";
    why += reason;
    client.close(std::move(why));
  }
  const std::string& peer() const override { return client.peer; }

  void joined(runtime& rt) {
    if (!rt.state) return refuse("the room no longer exists");
    auto r = rt.state->join(handle, role, name, owner.now_ms_());
    if (!r.ok) {
      return refuse(r.error_code == "room_full" ? "the room is full"
                                                : "cannot join the room (is ?name= valid?)");
    }
    participant_id = r.participant_id;
    rt.conns[handle] = shared_from_this();
    owner.apply(rt, std::move(r.effects));
    owner.attendance_join(rt, attendance_key(), participant_id, role_name, r.name, "rtmp",
                          client.peer);
  }

  void refuse(const std::string& why) {
    client.send(rtmp_so_mapper::status(first_so, k_so_no_access));
    std::string reason = "shared objects refused: ";
    reason += why;
    client.close(std::move(reason));
  }

  std::string attendance_key() const {
    std::string key = "rtmp-so:";
    key += std::to_string(handle);
    return key;
  }

  classroom& owner;
  const rtmp_so_client client;
  const conn_handle handle;
  const std::int64_t room_id;
  const participant_role role;
  const std::string role_name;
  const std::string name;
  // On the session's thread.
  bool join_asked = false;
  std::string first_so;
  std::atomic<bool> closed{false};
  // Read by room operations, under the room's lock, after the join.
  std::string participant_id;
  std::mutex mapper_mutex;  // guards mapper (the session's and the room's threads use it)
  rtmp_so_mapper mapper;
};

std::shared_ptr<rtmp_so_link> classroom::open_shared_objects(rtmp_so_client client,
                                                             std::string& refusal) {
  const auto token = query_value(client.query, "token");
  const auto grant = token.empty() ? std::nullopt : rooms_.find(sha256_hex(token));
  if (!grant || (grant->role != "teacher" && grant->role != "student")) {
    refusal = token.empty() ? "no token: connect to rtmp://HOST/live?token=TOKEN&name=NAME"
                            : "the token is not a valid teacher or student token";
    return nullptr;
  }
  if (!rooms_.room(grant->room_id)) {
    refusal = "the token's room no longer exists";
    return nullptr;
  }
  auto name = query_value(client.query, "name");
  if (name.empty()) name = k_default_name;
  const auto role =
      grant->role == "teacher" ? participant_role::teacher : participant_role::student;
  return std::make_shared<rtmp_so_handler>(*this, std::move(client), grant->room_id, role,
                                           grant->role, std::move(name));
}

}  // namespace lectern::server
