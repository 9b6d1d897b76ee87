// room_state: the classroom requests (docs/control-protocol.md, "Classroom requests").
#include <algorithm>
#include <cstdio>
#include <utility>

#include "room_state.hpp"

namespace lectern::server {

namespace {

using roles = std::initializer_list<participant_role>;
constexpr roles k_teachers{participant_role::teacher};
constexpr roles k_teachers_admins{participant_role::teacher, participant_role::admin};
constexpr roles k_students{participant_role::student};

std::string message_slot(std::uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "m%06llu", static_cast<unsigned long long>(n));
  return buf;
}

}  // namespace

nlohmann::json room_state::roster_entry(const participant& p) const {
  return {{"name", p.name},   {"role", role_name(p.role)},
          {"hand", p.hand},   {"speak", p.speak ? json(*p.speak) : json(nullptr)},
          {"muted", p.muted}, {"joined_at", p.joined_at}};
}

void room_state::roster_write(const participant& p, bool removed, room_effects& fx) {
  std::vector<so_edit> edits;
  edits.push_back({p.id, removed ? std::nullopt : std::optional<json>(roster_entry(p))});
  server_write(k_roster, std::move(edits), fx);
}

room_state::participant* room_state::target_student(request& r) {
  auto field = r.msg.find("participant");
  if (field == r.msg.end() || !field->is_string()) {
    fail(r, "bad_request", "participant: an id");
    return nullptr;
  }
  auto it = participants_.find(field->get_ref<const std::string&>());
  if (it == participants_.end() || it->second.role != participant_role::student) {
    fail(r, "not_found", "no such student in this room");
    return nullptr;
  }
  return &it->second;
}

void room_state::on_chat_send(request& r) {
  auto text = r.msg.find("text");
  if (text == r.msg.end() || !text->is_string()) return fail(r, "bad_request", "text: a string");
  const auto& s = text->get_ref<const std::string&>();
  auto chars = utf8_chars(s, true);
  bool blank = s.find_first_not_of(" \t\r\n") == std::string::npos;
  if (!chars || blank || *chars > limits_.chat_chars) {
    return fail(r, "bad_request", "text: 1-2000 characters");
  }
  json message{{"from", r.who.id},
               {"name", r.who.name},
               {"role", role_name(r.who.role)},
               {"text", s},
               {"at", r.now}};
  if (auto to = r.msg.find("to"); to != r.msg.end() && !to->is_null()) {
    if (*to != "teacher") return fail(r, "bad_request", "to: \"teacher\"");
    if (!allowed(r, k_students)) return;
    send(r.fx, frames::chat_private(message),
         connections_of({participant_role::teacher, participant_role::admin}));
    return send(r.fx, frames::result(r.id), {r.conn});
  }
  std::vector<so_edit> edits;
  edits.push_back({message_slot(next_message_++), std::move(message)});
  // The oldest messages leave in the same change, so that the object never holds more.
  auto& chat = object(k_chat).so;
  std::vector<std::pair<std::uint64_t, std::string>> by_age;
  for (const auto& [slot, entry] : chat.slots()) by_age.emplace_back(entry.version, slot);
  std::sort(by_age.begin(), by_age.end());
  for (std::size_t i = 0; i + limits_.chat_messages < by_age.size() + 1; ++i) {
    edits.push_back({by_age[i].second, std::nullopt});
  }
  server_write(k_chat, std::move(edits), r.fx);
  send(r.fx, frames::result(r.id), {r.conn});
}

void room_state::on_chat_delete(request& r) {
  if (!allowed(r, k_teachers_admins)) return;
  auto message = r.msg.find("message");
  if (message == r.msg.end() || !message->is_string()) {
    return fail(r, "bad_request", "message: a message id");
  }
  if (!remove_chat(message->get_ref<const std::string&>(), r.fx)) {
    return fail(r, "not_found", "no such message");
  }
  send(r.fx, frames::result(r.id), {r.conn});
}

bool room_state::remove_chat(std::string_view message_id, room_effects& fx) {
  if (!object(k_chat).so.get(message_id)) return false;
  std::vector<so_edit> edits;
  edits.push_back({std::string(message_id), std::nullopt});
  server_write(k_chat, std::move(edits), fx);
  return true;
}

void room_state::on_hand_raise(request& r) {
  if (!allowed(r, k_students)) return;
  if (!r.who.hand) {
    r.who.hand = true;
    roster_write(r.who, false, r.fx);
  }
  send(r.fx, frames::result(r.id), {r.conn});
}

void room_state::on_hand_lower(request& r) {
  participant* p = &r.who;
  auto field = r.msg.find("participant");
  if (field != r.msg.end() && *field != r.who.id) {
    if (!allowed(r, k_teachers) || !(p = target_student(r))) return;
  } else if (!allowed(r, k_students)) {
    return;
  }
  if (p->hand) {
    p->hand = false;
    roster_write(*p, false, r.fx);
  }
  send(r.fx, frames::result(r.id), {r.conn});
}

void room_state::on_speak_grant(request& r) {
  participant* p = nullptr;
  if (!allowed(r, k_teachers) || !(p = target_student(r))) return;
  // Every grant has a fresh token: a token handed out earlier stops being good for a new
  // publication, though one already running is not stopped.
  std::string stream = speak_stream(p->id);
  p->publish_token = random_token_();
  r.fx.speak_granted.emplace_back(stream, p->publish_token);
  if (p->speak != stream) {
    p->speak = stream;
    roster_write(*p, false, r.fx);
  }
  if (p->conn) send(r.fx, frames::speak_granted(stream, p->publish_token), {*p->conn});
  send(r.fx, frames::result(r.id), {r.conn});
}

void room_state::revoke_speak(participant& p, room_effects& fx) {
  if (!p.speak) return;
  fx.speak_revoked.push_back(*p.speak);
  p.speak.reset();
  p.publish_token.clear();
}

void room_state::on_speak_revoke(request& r) {
  participant* p = nullptr;
  if (!allowed(r, k_teachers) || !(p = target_student(r))) return;
  if (p->speak) {
    revoke_speak(*p, r.fx);
    roster_write(*p, false, r.fx);
  }
  send(r.fx, frames::result(r.id), {r.conn});
}

void room_state::on_mute(request& r) {
  participant* p = nullptr;
  if (!allowed(r, k_teachers)) return;
  auto muted = r.msg.find("muted");
  if (muted == r.msg.end() || !muted->is_boolean()) {
    return fail(r, "bad_request", "muted: true or false");
  }
  if (!(p = target_student(r))) return;
  if (p->muted != muted->get<bool>()) {
    p->muted = muted->get<bool>();
    roster_write(*p, false, r.fx);
  }
  send(r.fx, frames::result(r.id), {r.conn});
}

void room_state::on_buffer_set(request& r) {
  if (!allowed(r, k_teachers)) return;
  auto ms = r.msg.find("ms");
  if (ms == r.msg.end() || !ms->is_number_integer() || ms->get<std::int64_t>() < 0 ||
      ms->get<std::int64_t>() > limits_.max_buffer_ms) {
    return fail(r, "bad_request", "ms: 0-60000");
  }
  std::vector<so_edit> edits;
  if (*object(k_room).so.get("buffer_ms") != *ms) edits.push_back({"buffer_ms", *ms});
  server_write(k_room, std::move(edits), r.fx);
  send(r.fx, frames::result(r.id), {r.conn});
}

void room_state::on_class_start(request& r) {
  if (!allowed(r, k_teachers_admins)) return;
  start_class(r.now, r.who, r.fx);
  send(r.fx, frames::result(r.id), {r.conn});
}

void room_state::on_class_end(request& r) {
  if (!allowed(r, k_teachers_admins)) return;
  finish_class(r.now, r.fx);
  send(r.fx, frames::result(r.id), {r.conn});
}

void room_state::on_kick(request& r) {
  if (!allowed(r, k_teachers_admins)) return;
  auto field = r.msg.find("participant");
  if (field == r.msg.end() || !field->is_string()) {
    return fail(r, "bad_request", "participant: an id");
  }
  auto it = participants_.find(field->get_ref<const std::string&>());
  if (it == participants_.end() || it->first == r.who.id) {
    return fail(r, "not_found", "no such participant");
  }
  // A teacher removes students; anyone else needs an admin.
  if (r.who.role == participant_role::teacher && it->second.role != participant_role::student) {
    return fail(r, "forbidden", "teachers may remove students only");
  }
  kick_participant(it->first, r.fx);
  send(r.fx, frames::result(r.id), {r.conn});
}

void room_state::on_ping(request& r) {
  send(r.fx, frames::pong(r.id), {r.conn});
}

void room_state::on_hello(request& r) {
  fail(r, "bad_request", "already joined");
}

}  // namespace lectern::server
