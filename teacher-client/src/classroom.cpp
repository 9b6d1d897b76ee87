// Control-channel callbacks turned into events and a snapshot; commands into requests.
#include "classroom.hpp"

#include <algorithm>
#include <charconv>

namespace lectern::teacher {

namespace {
using json = nlohmann::json;

std::string str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool flag_of(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::vector<roster_entry> read_roster(const client::shared_object* so) {
  std::vector<roster_entry> out;
  if (so == nullptr) return out;
  for (const auto& [id, v] : so->slots.items()) {
    if (!v.is_object()) continue;
    out.push_back({id, str(v, "name"), str(v, "role"), flag_of(v, "hand"), flag_of(v, "muted"),
                   str(v, "speak")});
  }
  return out;
}
}  // namespace

classroom::classroom(boost::asio::io_context& io, client::control_options options, event_log& log,
                     std::function<void(const std::string&, const std::string&)> on_speaker)
    : log_(log),
      on_speaker_(std::move(on_speaker)),
      channel_(io, std::move(options), callbacks()) {}

client::control_callbacks classroom::callbacks() {
  client::control_callbacks cb;
  cb.on_welcome = [this](const client::welcome_info& w) {
    {
      std::lock_guard lock(mutex_);
      state_.connected = true;
      state_.me = w.participant_id;
    }
    log_.emit({{"event", "welcome"},
               {"participant", w.participant_id},
               {"role", w.role},
               {"reconnect", w.reconnect},
               {"room", w.room}});
  };
  cb.on_state_changed = [this](const std::string& so) {
    if (so == "roster") roster_changed();
    if (so == "chat") chat_changed();
    if (so == "room") room_changed();
  };
  cb.on_private_chat = [this](const json& m) {
    chat_entry c{str(m, "id"), str(m, "name"), str(m, "role"), str(m, "text"), true};
    log_.emit({{"event", "chat"},
               {"private", true},
               {"from", str(m, "from")},
               {"name", c.name},
               {"text", c.text}});
    std::lock_guard lock(mutex_);
    state_.chat.push_back(std::move(c));
  };
  cb.on_disconnected = [this](const client::disconnect_info& d) {
    {
      std::lock_guard lock(mutex_);
      state_.connected = false;
      state_.last_error = d.reason;
    }
    log_.emit({{"event", "disconnected"}, {"reason", d.reason}, {"will_retry", d.will_retry}});
  };
  cb.on_result = [this](const client::request_result& r) {
    // id 0 answers the library's hello, which a connection that joined by its URL does not
    // need (the server refuses it as a second hello): not the teacher's request.
    if (r.id == 0) return;
    log_.emit({{"event", "result"},
               {"id", r.id},
               {"ok", r.ok},
               {"code", r.code},
               {"message", r.message}});
    if (r.ok) return;
    std::lock_guard lock(mutex_);
    state_.last_error = r.code + ": " + r.message;
  };
  return cb;
}

void classroom::diff_roster(const std::vector<roster_entry>& now) {
  const auto find = [](const std::vector<roster_entry>& in, const std::string& id) {
    const auto it = std::find_if(in.begin(), in.end(), [&](const auto& e) { return e.id == id; });
    return it == in.end() ? nullptr : &*it;
  };
  const auto before = state_.roster;  // copy: callbacks below may not hold the lock
  for (const auto& e : now) {
    const roster_entry* old = find(before, e.id);
    if (old == nullptr) {
      log_.emit({{"event", "join"}, {"participant", e.id}, {"name", e.name}, {"role", e.role}});
    }
    if (e.hand != (old != nullptr && old->hand)) {
      log_.emit({{"event", "hand"}, {"participant", e.id}, {"name", e.name}, {"raised", e.hand}});
    }
    if (e.speak != (old != nullptr ? old->speak : std::string())) {
      log_.emit({{"event", "speak"},
                 {"participant", e.id},
                 {"name", e.name},
                 {"stream", e.speak.empty() ? json(nullptr) : json(e.speak)}});
      if (on_speaker_) on_speaker_(e.id, e.speak);
    }
    if (old != nullptr && e.muted != old->muted) {
      log_.emit({{"event", "muted"}, {"participant", e.id}, {"muted", e.muted}});
    }
  }
  for (const auto& e : before) {
    if (find(now, e.id) != nullptr) continue;
    log_.emit({{"event", "leave"}, {"participant", e.id}, {"name", e.name}});
    if (!e.speak.empty() && on_speaker_) on_speaker_(e.id, "");
  }
}

void classroom::roster_changed() {
  auto now = read_roster(channel_.objects().find("roster"));
  diff_roster(now);
  std::lock_guard lock(mutex_);
  state_.roster = std::move(now);
}

void classroom::chat_changed() {
  const auto* so = channel_.objects().find("chat");
  std::vector<chat_entry> now;
  if (so != nullptr) {
    for (const auto& [id, v] : so->slots.items()) {  // ids "m000123" sort in order
      if (v.is_object()) now.push_back({id, str(v, "name"), str(v, "role"), str(v, "text")});
    }
  }
  std::lock_guard lock(mutex_);
  for (const auto& c : now) {
    const bool seen = std::any_of(state_.chat.begin(), state_.chat.end(),
                                  [&](const chat_entry& o) { return o.id == c.id; });
    if (!seen) {
      log_.emit(
          {{"event", "chat"}, {"id", c.id}, {"name", c.name}, {"role", c.role}, {"text", c.text}});
    }
  }
  std::vector<chat_entry> privates;
  std::copy_if(state_.chat.begin(), state_.chat.end(), std::back_inserter(privates),
               [](const chat_entry& c) { return c.is_private; });
  now.insert(now.end(), privates.begin(), privates.end());
  state_.chat = std::move(now);
}

void classroom::room_changed() {
  const auto& objects = channel_.objects();
  const json* cls = objects.slot("room", "class");
  const json* buffer = objects.slot("room", "buffer_ms");
  const std::string state = cls != nullptr && cls->is_object() ? str(*cls, "state") : "idle";
  const int buffer_ms = buffer != nullptr && buffer->is_number_integer() ? buffer->get<int>() : 0;
  std::lock_guard lock(mutex_);
  if (state != state_.class_state) log_.emit({{"event", "class"}, {"state", state}});
  if (buffer_ms != state_.buffer_ms) log_.emit({{"event", "buffer"}, {"ms", buffer_ms}});
  state_.class_state = state;
  state_.buffer_ms = buffer_ms;
}

class_snapshot classroom::snapshot() const {
  std::lock_guard lock(mutex_);
  return state_;
}

bool classroom::command(const std::string& line, std::string& error) {
  const auto space = line.find(' ');
  const std::string verb = line.substr(0, space);
  const std::string arg = space == std::string::npos ? std::string() : line.substr(space + 1);
  const bool needs_arg = verb != "start" && verb != "end";
  if (needs_arg && arg.empty()) {
    error = "'" + verb + "' needs an argument";
    return false;
  }
  if (verb == "start")
    channel_.class_start();
  else if (verb == "end")
    channel_.class_end();
  else if (verb == "chat")
    channel_.chat_send(arg);
  else if (verb == "grant")
    channel_.speak_grant(arg);
  else if (verb == "revoke")
    channel_.speak_revoke(arg);
  else if (verb == "mute")
    channel_.mute(arg, true);
  else if (verb == "unmute")
    channel_.mute(arg, false);
  else if (verb == "kick")
    channel_.kick(arg);
  else if (verb == "buffer") {
    int ms = 0;
    const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), ms);
    if (ec != std::errc() || end != arg.data() + arg.size() || ms < 0 || ms > 60000) {
      error = "buffer needs milliseconds from 0 to 60000";
      return false;
    }
    channel_.set_buffer(ms);
  } else {
    error = "unknown command '" + verb + "'";
    return false;
  }
  return true;
}

}  // namespace lectern::teacher
