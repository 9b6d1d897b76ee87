#include "room_state.hpp"

#include <algorithm>
#include <utility>

namespace lectern::server {

namespace {

constexpr std::size_t k_max_name_chars = 64;
constexpr std::size_t k_max_id_chars = 64;

// Nesting depth of a JSON text, counted before parsing: serializing a value recurses, so a
// frame of 60,000 '[' must never become a value (docs/control-protocol.md, "Limits").
bool too_deep(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char ch : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (ch == '\\') {
        escaped = true;
      } else if (ch == '"') {
        in_string = false;
      }
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      if (++depth > max_depth) return true;
    } else if ((ch == ']' || ch == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

bool valid_id(const nlohmann::json& id) {
  if (id.is_string()) return id.get_ref<const std::string&>().size() <= k_max_id_chars;
  return id.is_number() && id.dump().size() <= k_max_id_chars;
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view k_space = " \t\r\n\f\v";
  auto first = s.find_first_not_of(k_space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(k_space) - first + 1);
}

}  // namespace

std::optional<std::size_t> room_state::utf8_chars(std::string_view s, bool allow_newlines) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++chars) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return std::nullopt;
    }
    bool newline = c == '\n' || c == '\t';
    if ((c < 0x20 && !(allow_newlines && newline)) || c == 0x7F) return std::nullopt;
    i += len;
  }
  return chars;
}

std::string_view room_state::role_name(participant_role role) noexcept {
  switch (role) {
    case participant_role::teacher:
      return "teacher";
    case participant_role::student:
      return "student";
    case participant_role::admin:
      return "admin";
  }
  return "student";
}

room_state::room_state(room_info info, std::vector<persisted_so> loaded, room_limits limits,
                       token_source random_token)
    : info_(std::move(info)), limits_(limits), random_token_(std::move(random_token)) {
  for (const auto& stored : loaded) {
    if (stored.name == k_roster) continue;  // temporary: a stale copy must not come back
    objects_.emplace(stored.name, object_entry{shared_object::restore(stored, limits_.object), {}});
  }
  objects_.try_emplace(std::string(k_room),
                       object_entry{{std::string(k_room), true, 0, limits_.object}, {}});
  objects_.try_emplace(std::string(k_chat),
                       object_entry{{std::string(k_chat), true, 0, limits_.object}, {}});
  objects_.insert_or_assign(std::string(k_roster),
                            object_entry{{std::string(k_roster), false, 0, limits_.object}, {}});
  for (const auto& [slot, entry] : object(k_chat).so.slots()) {
    if (slot.size() < 2 || slot[0] != 'm') continue;
    auto digits = std::string_view(slot).substr(1);
    if (digits.find_first_not_of("0123456789") != std::string_view::npos || digits.size() > 18) {
      continue;
    }
    next_message_ = std::max<std::uint64_t>(next_message_, std::stoull(std::string(digits)) + 1);
  }

  // The teacher's stream cannot be live before anyone connected; the welcome text and the
  // default buffer come from the room's settings.
  auto& room = object(k_room).so;
  std::vector<so_edit> edits;
  auto differs = [&](std::string_view slot, const json& value) {
    const json* now = room.get(slot);
    return !now || *now != value;
  };
  if (differs("teacher_live", false)) edits.push_back({"teacher_live", json(false)});
  if (differs("welcome", info_.welcome)) edits.push_back({"welcome", json(info_.welcome)});
  if (!room.get("buffer_ms")) edits.push_back({"buffer_ms", json(info_.buffer_ms)});
  if (!room.get("class")) {
    edits.push_back(
        {"class", json{{"state", "idle"}, {"started_at", nullptr}, {"ended_at", nullptr}}});
  }
  if (!edits.empty()) startup_persist_.push_back(room.apply(std::move(edits)));
}

room_effects room_state::startup_effects() {
  room_effects fx;
  fx.persist = std::exchange(startup_persist_, {});
  return fx;
}

std::optional<std::string> room_state::clean_name(std::string_view raw) {
  auto name = trim(raw);
  auto chars = utf8_chars(name, false);
  if (!chars || *chars == 0 || *chars > k_max_name_chars) return std::nullopt;
  return std::string(name);
}

room_state::join_result room_state::join(conn_handle conn, participant_role role,
                                         std::string_view raw_name, std::int64_t now_ms,
                                         std::optional<std::string> resume_key,
                                         std::string_view account) {
  join_result out;
  auto name = clean_name(raw_name);
  if (!name) {
    out.error_code = "bad_request";
    out.close_code = k_close_bad_request;
    return out;
  }
  if (connections_.count(conn) != 0) drop_connection(conn, out.effects);  // caller reused a handle
  participant* p = nullptr;
  if (resume_key && !resume_key->empty()) {
    for (auto& [id, candidate] : participants_) {
      if (candidate.resume_key == *resume_key && candidate.role == role) p = &candidate;
    }
  }
  if (p) {
    // Resumed: a connection still attached is a dead one the client gave up on.
    if (p->conn) {
      out.effects.close.emplace_back(*p->conn, k_close_replaced);
      drop_connection(*p->conn, out.effects);
    }
    if (p->name != *name) {
      p->name = *name;
      if (p->role != participant_role::admin) roster_write(*p, false, out.effects);
    }
  } else {
    if (role == participant_role::student && info_.max_students > 0 &&
        students() >= static_cast<std::size_t>(info_.max_students)) {
      out.error_code = "room_full";
      out.close_code = k_close_room_full;
      return out;
    }
    participant fresh;
    fresh.id = "p" + std::to_string(next_participant_++);
    fresh.role = role;
    fresh.name = *name;
    fresh.account = account;
    fresh.resume_key = random_token_();
    fresh.joined_at = now_ms;
    p = &participants_.emplace(fresh.id, std::move(fresh)).first->second;
    if (role != participant_role::admin) roster_write(*p, false, out.effects);
  }
  attach(conn, *p, now_ms, out.effects);
  out.ok = true;
  out.participant_id = p->id;
  out.resume_key = p->resume_key;
  out.name = p->name;
  return out;
}

void room_state::attach(conn_handle conn, participant& p, std::int64_t now_ms, room_effects& fx) {
  connection c;
  c.participant_id = p.id;
  c.tokens_milli = limits_.frame_burst * 1000;
  c.refilled_at = now_ms;
  connections_.insert_or_assign(conn, std::move(c));
  p.conn = conn;
  for (auto name : {k_room, k_roster, k_chat}) subscribe(conn, object(name), 0, fx);
  if (p.speak) send(fx, frames::speak_granted(*p.speak, p.publish_token), {conn});
}

void room_state::drop_connection(conn_handle conn, room_effects& fx) {
  auto it = connections_.find(conn);
  if (it == connections_.end()) return;
  for (auto& [name, entry] : objects_) unsubscribe(conn, entry, fx);
  if (auto* p = participant_of(conn)) p->conn.reset();
  it->second.participant_id.clear();
  it->second.closing = true;
}

room_effects room_state::leave(conn_handle conn, std::int64_t now_ms) {
  room_effects fx;
  auto it = connections_.find(conn);
  if (it == connections_.end()) return fx;
  if (auto* p = participant_of(conn)) p->left_at = now_ms;
  drop_connection(conn, fx);
  connections_.erase(conn);
  if (empty()) drop_idle_temporaries();
  return fx;
}

room_effects room_state::expire(std::int64_t now_ms) {
  room_effects fx;
  std::vector<std::string> gone;
  for (const auto& [id, p] : participants_) {
    if (!p.conn && now_ms - p.left_at >= limits_.resume_grace_ms) gone.push_back(id);
  }
  for (const auto& id : gone) remove_participant(id, fx);
  for (auto& [name, entry] : objects_) {
    if (entry.so.locked_by() && now_ms - entry.so.locked_at() >= limits_.lock_timeout_ms) {
      release_lock(entry, fx);
    }
  }
  if (empty()) drop_idle_temporaries();
  return fx;
}

void room_state::remove_participant(const std::string& id, room_effects& fx) {
  auto it = participants_.find(id);
  if (it == participants_.end()) return;
  if (it->second.conn) drop_connection(*it->second.conn, fx);
  revoke_speak(it->second, fx);
  if (it->second.role != participant_role::admin) roster_write(it->second, true, fx);
  participants_.erase(it);
}

bool room_state::take_token(connection& c, std::int64_t now_ms) const {
  // Token bucket in thousandths of a frame: `frames_per_second` come back per 1000 ms.
  if (now_ms > c.refilled_at) {
    c.tokens_milli =
        std::min(limits_.frame_burst * 1000,
                 c.tokens_milli + (now_ms - c.refilled_at) * limits_.frames_per_second);
    c.refilled_at = now_ms;
  }
  if (c.tokens_milli < 1000) return false;
  c.tokens_milli -= 1000;
  return true;
}

void room_state::count_malformed(conn_handle conn, connection& c, room_effects& fx) const {
  if (++c.malformed > limits_.max_malformed && !c.closing) {
    fx.close.emplace_back(conn, k_close_bad_request);
    c.closing = true;
  }
}

room_effects room_state::handle(conn_handle conn, std::string_view text, std::int64_t now_ms) {
  room_effects fx;
  auto it = connections_.find(conn);
  if (it == connections_.end() || it->second.closing) return fx;
  connection& c = it->second;
  if (!take_token(c, now_ms)) {
    send(fx, frames::error("rate_limited", "more than 50 frames per second"), {conn});
    fx.close.emplace_back(conn, k_close_rate_limited);
    c.closing = true;
    return fx;
  }
  auto refuse = [&](std::string_view message) {
    send(fx, frames::error("bad_request", message), {conn});
    count_malformed(conn, c, fx);
    return fx;
  };
  if (text.size() > limits_.max_frame_bytes) return refuse("frame too large");
  if (too_deep(text, limits_.max_json_depth)) return refuse("JSON nested too deep");
  json msg = json::parse(text, nullptr, false);
  if (msg.is_discarded() || !msg.is_object()) return refuse("not a JSON object");
  auto op = msg.find("op");
  if (op == msg.end() || !op->is_string()) return refuse("no op");
  static const json k_no_id;
  auto id_it = msg.find("id");
  if (id_it != msg.end() && !valid_id(*id_it))
    return refuse("id: a string or number, 64 characters at most");
  const json& id = id_it == msg.end() ? k_no_id : *id_it;
  auto h = handlers().find(op->get_ref<const std::string&>());
  if (h == handlers().end()) return refuse("unknown op");
  participant* p = participant_of(conn);
  if (!p) return fx;
  const auto& name = op->get_ref<const std::string&>();
  request r{conn, c, *p, msg, id, now_ms, name.rfind("so.", 0) == 0, fx};
  (this->*(h->second))(r);
  return fx;
}

void room_state::fail(request& r, std::string_view code, std::string_view message) {
  send(r.fx,
       r.so_op ? frames::so_result_error(r.id, code, message)
               : frames::result_error(r.id, code, message),
       {r.conn});
  if (code == "bad_request") count_malformed(r.conn, r.c, r.fx);
}

bool room_state::allowed(request& r, std::initializer_list<participant_role> roles) {
  if (std::find(roles.begin(), roles.end(), r.who.role) != roles.end()) return true;
  fail(r, "forbidden", "your role may not do this");
  return false;
}

const std::map<std::string, room_state::handler, std::less<>>& room_state::handlers() {
  static const std::map<std::string, handler, std::less<>> k_handlers{
      {"so.connect", &room_state::on_so_connect},
      {"so.close", &room_state::on_so_close},
      {"so.set", &room_state::on_so_set},
      {"so.delete", &room_state::on_so_delete},
      {"so.send", &room_state::on_so_send},
      {"so.lock", &room_state::on_so_lock},
      {"so.unlock", &room_state::on_so_unlock},
      {"chat.send", &room_state::on_chat_send},
      {"chat.delete", &room_state::on_chat_delete},
      {"hand.raise", &room_state::on_hand_raise},
      {"hand.lower", &room_state::on_hand_lower},
      {"speak.grant", &room_state::on_speak_grant},
      {"speak.revoke", &room_state::on_speak_revoke},
      {"mute", &room_state::on_mute},
      {"buffer.set", &room_state::on_buffer_set},
      {"class.start", &room_state::on_class_start},
      {"class.end", &room_state::on_class_end},
      {"kick", &room_state::on_kick},
      {"ping", &room_state::on_ping},
      {"hello", &room_state::on_hello},
  };
  return k_handlers;
}

void room_state::send(room_effects& fx, frames::frame_ptr frame,
                      std::vector<conn_handle> to) const {
  if (to.empty()) return;
  fx.deliveries.push_back({std::move(frame), std::move(to)});
}

room_state::participant* room_state::participant_of(conn_handle conn) {
  auto it = connections_.find(conn);
  if (it == connections_.end() || it->second.participant_id.empty()) return nullptr;
  auto p = participants_.find(it->second.participant_id);
  return p == participants_.end() ? nullptr : &p->second;
}

std::vector<conn_handle> room_state::connections_of(
    std::initializer_list<participant_role> roles) const {
  std::vector<conn_handle> out;
  for (const auto& [id, p] : participants_) {
    if (p.conn && std::find(roles.begin(), roles.end(), p.role) != roles.end()) {
      out.push_back(*p.conn);
    }
  }
  return out;
}

std::size_t room_state::students() const {
  return static_cast<std::size_t>(
      std::count_if(participants_.begin(), participants_.end(),
                    [](const auto& kv) { return kv.second.role == participant_role::student; }));
}

bool room_state::empty() const noexcept {
  return connections_.empty() && participants_.empty();
}

void room_state::drop_idle_temporaries() {
  for (auto it = objects_.begin(); it != objects_.end();) {
    bool idle =
        !it->second.so.persistent() && it->second.subscribers.empty() && it->first != k_roster;
    it = idle ? objects_.erase(it) : std::next(it);
  }
}

std::optional<std::string> room_state::participant_for_publish_token(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  for (const auto& [id, p] : participants_) {
    if (p.speak && p.publish_token == token) return id;
  }
  return std::nullopt;
}

std::string room_state::teacher_stream() const {
  std::string s = "live/";
  s += std::to_string(info_.id);
  return s;
}

std::string room_state::speak_stream(std::string_view participant_id) const {
  std::string s = teacher_stream();
  s += '-';
  s += participant_id;
  return s;
}

}  // namespace lectern::server
