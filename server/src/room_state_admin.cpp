// room_state: events from the server and the admin panel, and the live state for the API.
#include <utility>

#include "room_state.hpp"

namespace lectern::server {

room_effects room_state::set_teacher_live(bool live, std::int64_t now_ms) {
  room_effects fx;
  const json* now = object(k_room).so.get("teacher_live");
  if (now && *now == live) return fx;
  std::vector<so_edit> edits;
  edits.push_back({"teacher_live", json(live)});
  // The teacher going live starts the class (if nobody pressed start yet), in the same
  // change; stopping the stream does not end it: a teacher whose connection drops comes
  // back to the same class.
  const json* cls = object(k_room).so.get("class");
  if (live && (!cls || cls->value("state", "") != "live")) {
    edits.push_back(
        {"class", json{{"state", "live"}, {"started_at", now_ms}, {"ended_at", nullptr}}});
    fx.class_live = true;
    fx.class_started_by = "teacher";
  }
  server_write(k_room, std::move(edits), fx);
  std::vector<conn_handle> everyone;
  for (const auto& [conn, c] : connections_) {
    if (!c.closing) everyone.push_back(conn);
  }
  send(fx,
       frames::event(live ? "NetStream.Play.PublishNotify" : "NetStream.Play.UnpublishNotify",
                     teacher_stream()),
       std::move(everyone));
  return fx;
}

room_effects room_state::end_class(std::int64_t now_ms) {
  room_effects fx;
  finish_class(now_ms, fx);
  return fx;
}

room_effects room_state::kick(std::string_view participant_id, std::int64_t /*now_ms*/) {
  room_effects fx;
  if (auto it = participants_.find(participant_id); it != participants_.end()) {
    kick_participant(it->first, fx);
  }
  return fx;
}

room_effects room_state::delete_chat(std::string_view message_id, std::int64_t /*now_ms*/) {
  room_effects fx;
  remove_chat(message_id, fx);
  return fx;
}

room_effects room_state::update_info(room_info info) {
  room_effects fx;
  std::vector<so_edit> edits;
  if (info.welcome != info_.welcome) edits.push_back({"welcome", json(info.welcome)});
  // The teacher's own recommendation stands until the admin changes the room's default.
  if (info.buffer_ms != info_.buffer_ms) edits.push_back({"buffer_ms", json(info.buffer_ms)});
  info.id = info_.id;  // a room does not change its id
  info_ = std::move(info);
  server_write(k_room, std::move(edits), fx);
  return fx;
}

void room_state::start_class(std::int64_t now_ms, const participant& by, room_effects& fx) {
  const json* cls = object(k_room).so.get("class");
  if (cls && cls->value("state", "") == "live") return;
  std::vector<so_edit> edits;
  edits.push_back(
      {"class", json{{"state", "live"}, {"started_at", now_ms}, {"ended_at", nullptr}}});
  server_write(k_room, std::move(edits), fx);
  fx.class_live = true;
  // The class session records who started it: an admin by account (its shown name may be
  // anything), a teacher as "teacher" (a room's teachers share one token).
  if (by.role == participant_role::admin) {
    fx.class_started_by = "admin:";
    fx.class_started_by += by.account.empty() ? by.name : by.account;
  } else {
    fx.class_started_by = "teacher";
  }
}

void room_state::finish_class(std::int64_t now_ms, room_effects& fx) {
  const json* cls = object(k_room).so.get("class");
  if (!cls || cls->value("state", "") != "live") return;
  json started = cls->contains("started_at") ? (*cls)["started_at"] : json(nullptr);
  std::vector<so_edit> edits;
  edits.push_back(
      {"class", json{{"state", "ended"}, {"started_at", started}, {"ended_at", now_ms}}});
  server_write(k_room, std::move(edits), fx);
  fx.class_live = false;
  // The class is over for the students: they are told, disconnected and leave the roster
  // (their grants end with it). Teachers and admins stay.
  std::vector<std::string> students;
  for (const auto& [id, p] : participants_) {
    if (p.role == participant_role::student) students.push_back(id);
  }
  for (const auto& id : students) {
    participant& p = participants_.find(id)->second;
    if (p.conn) {
      send(fx, frames::class_ended(), {*p.conn});
      fx.close.emplace_back(*p.conn, k_close_class_ended);
    }
    remove_participant(id, fx);
  }
}

void room_state::kick_participant(const std::string& id, room_effects& fx) {
  participant& p = participants_.find(id)->second;
  if (p.conn) {
    send(fx, frames::kicked(), {*p.conn});
    fx.close.emplace_back(*p.conn, k_close_kicked);
  }
  fx.kicked.push_back(id);
  remove_participant(id, fx);
}

std::optional<participant_role> room_state::role_of(std::string_view participant_id) const {
  const auto it = participants_.find(participant_id);
  if (it == participants_.end()) return std::nullopt;
  return it->second.role;
}

nlohmann::json room_state::snapshot() const {
  json people = json::array();
  for (const auto& [id, p] : participants_) {
    json entry = roster_entry(p);
    entry["id"] = id;
    entry["connected"] = p.conn.has_value();
    people.push_back(std::move(entry));
  }
  const auto& room = objects_.find(k_room)->second.so;
  auto slot = [&](std::string_view name) {
    const json* v = room.get(name);
    return v ? *v : json(nullptr);
  };
  return {{"room", info_.id},
          {"participants", std::move(people)},
          {"class", slot("class")},
          {"buffer_ms", slot("buffer_ms")},
          {"teacher_live", slot("teacher_live")},
          {"chat_messages", objects_.find(k_chat)->second.so.slots().size()},
          {"shared_objects", client_objects()},
          {"connections", connections_.size()}};
}

}  // namespace lectern::server
