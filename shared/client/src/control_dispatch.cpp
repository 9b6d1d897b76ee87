// Incoming control frames: shared-object frames feed the mirror, the rest become callbacks.
// Frames are checked field by field (no exceptions); malformed or unknown ones are ignored
// so that a newer server can add ops and fields.
#include <string_view>

#include "control_channel_impl.hpp"

namespace lectern::client {
namespace {

using nlohmann::json;

std::string str(const json& f, const char* key) {
  const auto it = f.find(key);
  return it != f.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::uint64_t uint(const json& f, const char* key) {
  const auto it = f.find(key);
  return it != f.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

bool flag(const json& f, const char* key) {
  const auto it = f.find(key);
  return it != f.end() && it->is_boolean() && it->get<bool>();
}

const json& member(const json& f, const char* key) {
  static const json k_null;  // immutable: a stand-in for a missing member
  const auto it = f.find(key);
  return it == f.end() ? k_null : *it;
}

// "rtmp://HOST:1935/live/3" → "rtmp://HOST:1935"
std::string rtmp_base(const std::string& rtmp_url) {
  const auto scheme = rtmp_url.find("://");
  if (scheme == std::string::npos) return {};
  return rtmp_url.substr(0, rtmp_url.find('/', scheme + 3));
}

}  // namespace

bool control_channel::impl::handle_welcome(const json& frame) {
  const json& you = member(frame, "you");
  if (!you.is_object()) return false;
  welcome_info w;
  w.room = member(frame, "room");
  w.participant_id = str(you, "id");
  w.role = str(you, "role");
  w.name = str(you, "name");
  w.session = str(frame, "session");
  w.reconnect = welcomed_once_;
  if (w.participant_id.empty()) return false;
  session_key_ = w.session;
  welcomed_once_ = true;
  live_ = true;
  attempt_ = 0;
  pending_writes_.clear();  // their results died with the old connection
  room_ = w.room;
  if (callbacks_.on_welcome) callbacks_.on_welcome(w);
  return true;
}

void control_channel::impl::handle(const std::string& text) {
  const json f = json::parse(text, nullptr, false);
  if (!f.is_object() || stopped_) return;
  const std::string op = str(f, "op");
  const std::string so = str(f, "so");
  if (op == "so.state") {
    state_changed(
        so, mirror_.apply_state(so, uint(f, "version"), flag(f, "persistent"), member(f, "slots")));
  } else if (op == "so.change") {
    state_changed(so, mirror_.apply_change(so, uint(f, "version"), member(f, "changes")));
  } else if (op == "so.result") {
    handle_so_result(f);
  } else if (op == "so.message") {
    const json& args = member(f, "args");
    if (callbacks_.on_message) {
      callbacks_.on_message(so, str(f, "handler"), args.is_null() ? json::array() : args,
                            str(f, "from"));
    }
  } else if (op == "result") {
    if (callbacks_.on_result) {
      callbacks_.on_result({uint(f, "id"), flag(f, "ok"), str(f, "code"), str(f, "message")});
    }
  } else if (op == "chat.private") {
    if (callbacks_.on_private_chat) callbacks_.on_private_chat(f);
  } else if (op == "speak.granted") {
    client::speak_grant g{str(f, "stream"), str(f, "publish_token"), {}};
    std::string base = rtmp_base(str(room_, "rtmp_url"));
    if (base.empty()) base = concat("rtmp://", host_and_port(url_->host, "1935"));
    g.publish_url = concat(base, "/", g.stream, "?token=", percent_encode(g.publish_token));
    if (callbacks_.on_speak_granted) callbacks_.on_speak_granted(g);
  } else if (op == "event" || op == "class.ended") {
    if (op == "class.ended") {
      terminal_ = true;  // the server closes next; there is no class to go back to
      last_error_ = "the class has ended";
    }
    if (callbacks_.on_event) callbacks_.on_event(f);
  } else if (op == "kicked") {
    terminal_ = true;
    last_error_ = "removed from the room by the teacher";
    if (callbacks_.on_kicked) callbacks_.on_kicked();
  } else if (op == "error") {
    last_error_ = concat(str(f, "code"), ": ", str(f, "message"));
  }
}

void control_channel::impl::handle_so_result(const json& f) {
  const std::uint64_t id = uint(f, "id");
  const bool ok = flag(f, "ok");
  if (const auto it = pending_writes_.find(id); it != pending_writes_.end()) {
    pending_write w = std::move(it->second);
    pending_writes_.erase(it);
    if (ok) state_changed(w.so, mirror_.apply_own(w.so, uint(f, "version"), w.slot, w.value));
  }
  if (callbacks_.on_result) callbacks_.on_result({id, ok, str(f, "code"), str(f, "message")});
}

void control_channel::impl::state_changed(const std::string& so, apply_outcome outcome) {
  if (outcome == apply_outcome::gap) resync(so);
  if (outcome == apply_outcome::applied && callbacks_.on_state_changed) {
    callbacks_.on_state_changed(so);
  }
}

json control_channel::impl::connect_frame(const std::string& so) const {
  const auto sub = subscriptions_.find(so);
  const auto* held = mirror_.find(so);
  const bool persistent = sub != subscriptions_.end() ? sub->second : held && held->persistent;
  return {{"op", "so.connect"},
          {"so", so},
          {"persistent", persistent},
          {"version", mirror_.version(so)}};
}

// A hole in the versions: connect again with what we hold; the server answers with the
// missing changes or a full state.
void control_channel::impl::resync(const std::string& so) {
  if (live_) enqueue(serialize(connect_frame(so)));
}

// After a welcome, before anything queued while offline: re-subscribe with held versions.
void control_channel::impl::resubscribe_all() {
  for (auto it = subscriptions_.rbegin(); it != subscriptions_.rend(); ++it) {
    queue_.push_front(serialize(connect_frame(it->first)));
  }
}

}  // namespace lectern::client
