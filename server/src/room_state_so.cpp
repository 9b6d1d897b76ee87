// room_state: the shared-object requests (docs/control-protocol.md, "Shared objects").
#include <algorithm>
#include <utility>

#include "room_state.hpp"

namespace lectern::server {

namespace {

bool server_owned(std::string_view name) {
  return name == "room" || name == "roster" || name == "chat";
}

// Object and handler names: 1..max bytes of printable UTF-8.
const std::string* name_field(const nlohmann::json& msg, const char* key, std::size_t max) {
  auto it = msg.find(key);
  if (it == msg.end() || !it->is_string()) return nullptr;
  const auto& s = it->get_ref<const std::string&>();
  if (s.empty() || s.size() > max) return nullptr;
  bool printable = std::none_of(s.begin(), s.end(), [](char ch) {
    return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F;
  });
  return printable ? &s : nullptr;
}

}  // namespace

room_state::object_entry& room_state::object(std::string_view name) {
  return objects_.find(name)->second;  // the classroom objects always exist
}

std::size_t room_state::client_objects() const {
  return static_cast<std::size_t>(std::count_if(
      objects_.begin(), objects_.end(), [](const auto& kv) { return !server_owned(kv.first); }));
}

so_error room_state::write_permission(const participant& p, std::string_view name) const {
  if (server_owned(name)) return so_error::forbidden;
  if (name.rfind("teacher.", 0) == 0 && p.role == participant_role::student) {
    return so_error::forbidden;
  }
  return so_error::none;
}

void room_state::on_so_connect(request& r) {
  const std::string* name = name_field(r.msg, "so", limits_.max_name);
  if (!name) return fail(r, "bad_request", "so: a name of 1-128 printable bytes");
  std::uint64_t version = 0;
  if (auto v = r.msg.find("version"); v != r.msg.end() && !v->is_null()) {
    if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<std::int64_t>() >= 0)) {
      return fail(r, "bad_request", "version: a whole number");
    }
    version = v->get<std::uint64_t>();
  }
  bool persistent = false;
  if (auto p = r.msg.find("persistent"); p != r.msg.end() && !p->is_null()) {
    if (!p->is_boolean()) return fail(r, "bad_request", "persistent: true or false");
    persistent = p->get<bool>();
  }
  auto it = objects_.find(*name);
  if (it == objects_.end()) {
    if (client_objects() >= limits_.max_objects) {
      return fail(r, "limit", "too many shared objects in this room");
    }
    // A temporary object starts at the time in ms rather than 0, so that a version a client
    // kept from an earlier life of the object is not taken for one of this life.
    std::uint64_t first =
        persistent ? 0 : static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.now));
    it =
        objects_.emplace(*name, object_entry{{*name, persistent, first, limits_.object}, {}}).first;
  }
  subscribe(r.conn, it->second, version, r.fx);
}

void room_state::subscribe(conn_handle conn, object_entry& e, std::uint64_t version,
                           room_effects& fx) {
  std::optional<std::vector<so_change>> changes;
  if (version != 0) changes = e.so.changes_since(version);
  send(fx,
       changes ? frames::so_change(e.so.name(), e.so.version(), *changes) : frames::so_state(e.so),
       {conn});
  e.subscribers.insert_or_assign(conn, e.so.version());
}

void room_state::on_so_close(request& r) {
  const std::string* name = name_field(r.msg, "so", limits_.max_name);
  if (!name) return fail(r, "bad_request", "so: a name of 1-128 printable bytes");
  if (auto it = objects_.find(*name); it != objects_.end()) unsubscribe(r.conn, it->second, r.fx);
}

void room_state::unsubscribe(conn_handle conn, object_entry& e, room_effects& fx) {
  e.subscribers.erase(conn);
  if (e.so.locked_by() == conn) release_lock(e, fx);
}

room_state::object_entry* room_state::subscribed(request& r) {
  const std::string* name = name_field(r.msg, "so", limits_.max_name);
  if (!name) {
    fail(r, "bad_request", "so: a name of 1-128 printable bytes");
    return nullptr;
  }
  auto it = objects_.find(*name);
  if (it == objects_.end() || it->second.subscribers.count(r.conn) == 0) {
    fail(r, "bad_request", "so.connect to the object first");
    return nullptr;
  }
  return &it->second;
}

void room_state::on_so_set(request& r) {
  auto value = r.msg.find("value");
  if (value == r.msg.end()) return fail(r, "bad_request", "value missing");
  client_write(r, *value);
}

void room_state::on_so_delete(request& r) {
  client_write(r, std::nullopt);
}

void room_state::client_write(request& r, std::optional<json> value) {
  object_entry* e = subscribed(r);
  if (!e) return;
  if (write_permission(r.who, e->so.name()) != so_error::none) {
    return fail(r, "forbidden", "your role may not write this object");
  }
  auto slot = r.msg.find("slot");
  if (slot == r.msg.end() || !slot->is_string()) return fail(r, "bad_request", "slot: a string");
  if (e->so.locked_by() && *e->so.locked_by() != r.conn) {
    return fail(r, "locked", "another participant holds the lock");
  }
  std::optional<std::size_t> bytes;
  if (value) bytes = value->dump(-1, ' ', false, json::error_handler_t::replace).size();
  const auto& slot_name = slot->get_ref<const std::string&>();
  if (auto err = e->so.check(slot_name, bytes); err != so_error::none) {
    return fail(r, so_error_code(err),
                err == so_error::bad_request ? "slot: 1-128 bytes" : "over the object's limits");
  }
  so_persist change = e->so.apply({{slot_name, std::move(value)}});
  if (e->so.persistent() && !change.writes.empty()) r.fx.persist.push_back(std::move(change));
  e->subscribers[r.conn] = e->so.version();  // the writer has its own change already
  send(r.fx, frames::so_result(r.id, e->so.version()), {r.conn});
  catch_up(*e, r.fx);
}

void room_state::on_so_send(request& r) {
  object_entry* e = subscribed(r);
  if (!e) return;
  if (write_permission(r.who, e->so.name()) != so_error::none) {
    return fail(r, "forbidden", "your role may not send on this object");
  }
  const std::string* handler_name = name_field(r.msg, "handler", limits_.max_name);
  if (!handler_name) return fail(r, "bad_request", "handler: a name of 1-128 printable bytes");
  static const json k_no_args = json::array();
  auto args = r.msg.find("args");
  if (args != r.msg.end() && !args->is_array()) return fail(r, "bad_request", "args: an array");
  std::vector<conn_handle> to;
  for (const auto& [conn, version] : e->subscribers) to.push_back(conn);
  send(r.fx,
       frames::so_message(e->so.name(), *handler_name, args == r.msg.end() ? k_no_args : *args,
                          r.who.id),
       std::move(to));
}

void room_state::on_so_lock(request& r) {
  object_entry* e = subscribed(r);
  if (!e) return;
  if (write_permission(r.who, e->so.name()) != so_error::none) {
    return fail(r, "forbidden", "your role may not write this object");
  }
  if (e->so.locked_by() && *e->so.locked_by() != r.conn) {
    return fail(r, "locked", "another participant holds the lock");
  }
  if (!e->so.locked_by()) e->so.lock(r.conn, r.now);
  send(r.fx, frames::so_result(r.id, e->so.version()), {r.conn});
}

void room_state::on_so_unlock(request& r) {
  object_entry* e = subscribed(r);
  if (!e) return;
  if (e->so.locked_by() != r.conn) return fail(r, "bad_request", "you do not hold the lock");
  send(r.fx, frames::so_result(r.id, e->so.version()), {r.conn});
  release_lock(*e, r.fx);
}

void room_state::release_lock(object_entry& e, room_effects& fx) {
  e.so.unlock();
  catch_up(e, fx);
}

void room_state::catch_up(object_entry& e, room_effects& fx) {
  if (e.so.locked_by()) return;  // the holder's changes go out as one batch at unlock
  // Subscribers are grouped by the version they have, so that one frame serves each group
  // (after a change everyone but the writer has the same version: one frame).
  std::map<std::uint64_t, std::vector<conn_handle>> behind;
  for (auto& [conn, version] : e.subscribers) {
    if (version < e.so.version()) behind[version].push_back(conn);
    version = e.so.version();
  }
  for (auto& [version, conns] : behind) {
    auto changes = e.so.changes_since(version);
    send(
        fx,
        changes ? frames::so_change(e.so.name(), e.so.version(), *changes) : frames::so_state(e.so),
        std::move(conns));
  }
}

void room_state::server_write(std::string_view name, std::vector<so_edit> edits, room_effects& fx) {
  object_entry& e = object(name);
  so_persist change = e.so.apply(std::move(edits));
  if (change.writes.empty()) return;
  if (e.so.persistent()) fx.persist.push_back(std::move(change));
  catch_up(e, fx);
}

}  // namespace lectern::server
