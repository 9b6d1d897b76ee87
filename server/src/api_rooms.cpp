// Rooms: create, list, read, edit, delete, rotate tokens, and the join check clients make.
#include <charconv>
#include <set>

#include "api_context.hpp"
#include "classroom.hpp"
#include "crypto.hpp"
#include "http_util.hpp"
#include "options.hpp"
#include "store.hpp"

namespace lectern::server {

namespace asio = boost::asio;
using nlohmann::json;

std::int64_t id_param(const request_context& ctx, std::string_view name) {
  const auto text = ctx.param(name);
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    throw api_error(http::status::not_found, "not_found",
                    "'" + std::string(text) + "' is not an id; ids are positive integers");
  }
  return id;
}

room_summary summary_of(const room_record& r) {
  room_summary s;
  s.id = r.id;
  s.name = r.name;
  s.is_public = r.is_public;
  s.max_students = static_cast<int>(r.max_students);
  s.buffer_ms = static_cast<int>(r.buffer_ms);
  s.record = r.record;
  s.welcome = r.welcome;
  return s;
}

std::string room_token(const api_context& api, std::int64_t room_id, std::string_view role,
                       std::string_view nonce) {
  return derive_room_token(api.secret, room_id, role, nonce);
}

json room_json(const api_context& api, const request_context& ctx, const room_record& r,
               const std::vector<room_token_record>& tokens) {
  const auto urls = api.urls(ctx);
  json j{{"id", r.id},
         {"name", r.name},
         {"is_public", r.is_public},
         {"max_students", r.max_students},
         {"buffer_ms", r.buffer_ms},
         {"record", r.record},
         {"welcome", r.welcome},
         {"created_at", r.created_at},
         {"updated_at", r.updated_at},
         {"stream", "live/" + std::to_string(r.id)},
         {"rtmp_url", urls.rtmp_base + "/live/" + std::to_string(r.id)}};
  for (const auto& t : tokens) {
    const auto token = room_token(api, r.id, t.role, t.nonce);
    const auto link = urls.http_base + "/join/" + std::to_string(r.id) + "?token=" + token;
    j[t.role + "_token"] = token;
    j[t.role + "_link"] = link;
  }
  return j;
}

namespace {

void check_text(const std::string& value, const char* field, std::size_t min, std::size_t max) {
  if (value.size() < min || value.size() > max) {
    throw api_error(http::status::unprocessable_entity, "invalid",
                    std::string(field) + " must be " + std::to_string(min) + " to " +
                        std::to_string(max) + " bytes long");
  }
  for (const unsigned char c : value) {
    if (c < 0x20 && c != '\n' && c != '\t') {
      throw api_error(http::status::unprocessable_entity, "invalid",
                      std::string(field) + " must not contain control characters");
    }
  }
}

template <class T>
std::optional<T> field(const json& body, const char* name) {
  const auto it = body.find(name);
  if (it == body.end()) return std::nullopt;
  const bool type_ok = std::is_same_v<T, bool>          ? it->is_boolean()
                       : std::is_same_v<T, std::string> ? it->is_string()
                                                        : it->is_number_integer();
  if (!type_ok) {
    throw api_error(http::status::bad_request, "bad_request",
                    std::string("field '") + name + "' has the wrong type");
  }
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw api_error(http::status::bad_request, "bad_request",
                    std::string("field '") + name + "' has the wrong type");
  }
}

std::int64_t in_range(std::int64_t v, const char* name, std::int64_t lo, std::int64_t hi) {
  if (v < lo || v > hi) {
    throw api_error(http::status::unprocessable_entity, "invalid",
                    std::string(name) + " must be between " + std::to_string(lo) + " and " +
                        std::to_string(hi));
  }
  return v;
}

/// The editable fields of a room, validated; absent fields stay unset.
room_patch parse_room(const json& body) {
  static const std::set<std::string> known = {"name",      "is_public", "max_students",
                                              "buffer_ms", "record",    "welcome"};
  for (const auto& [k, v] : body.items()) {
    if (!known.contains(k)) {
      throw api_error(http::status::bad_request, "bad_request",
                      "unknown field '" + k +
                          "'; rooms have name, is_public, max_students, "
                          "buffer_ms, record and welcome");
    }
  }
  room_patch p;
  p.name = field<std::string>(body, "name");
  if (p.name) check_text(*p.name, "name", 1, 100);
  p.is_public = field<bool>(body, "is_public");
  p.max_students = field<std::int64_t>(body, "max_students");
  if (p.max_students) in_range(*p.max_students, "max_students", 1, 10000);
  p.buffer_ms = field<std::int64_t>(body, "buffer_ms");
  if (p.buffer_ms) in_range(*p.buffer_ms, "buffer_ms", 0, 60000);
  p.record = field<bool>(body, "record");
  p.welcome = field<std::string>(body, "welcome");
  if (p.welcome) check_text(*p.welcome, "welcome", 0, 2000);
  return p;
}

/// New random nonces for `roles`, stored with the tokens' hashes (revoking the old ones).
void rotate(api_context& api, database& db, std::int64_t room_id,
            const std::vector<std::string>& roles, std::int64_t now) {
  for (const auto& role : roles) {
    const auto nonce = random_token(16);
    const auto token = room_token(api, room_id, role, nonce);
    db.room_tokens.set_active(room_id, role, nonce, sha256_hex(token), now);
  }
}

/// Once committed, the active tokens go into the directory: an old token stops working at
/// once, and a failed transaction leaves the directory as it was.
void publish_tokens(api_context& api, const std::vector<room_token_record>& tokens) {
  for (const auto& t : tokens) api.rooms.put_token(t.token_hash, t.room_id, t.role);
}

struct room_and_tokens {
  room_record room;
  std::vector<room_token_record> tokens;
};

asio::awaitable<room_and_tokens> load_room(api_context& api, std::int64_t id) {
  auto found = co_await api.db.run([&](database& db) -> std::optional<room_and_tokens> {
    auto r = db.rooms.find(id);
    if (!r) return std::nullopt;
    return room_and_tokens{*r, db.room_tokens.active(id)};
  });
  if (!found) {
    throw api_error(http::status::not_found, "not_found", "there is no room " + std::to_string(id));
  }
  co_return std::move(*found);
}

asio::awaitable<http::message_generator> create_room(api_context& api, request_context& ctx) {
  const auto who = co_await require_admin(api, ctx);
  const auto patch = parse_room(parse_json_body(ctx));
  if (!patch.name) {
    throw api_error(http::status::unprocessable_entity, "invalid", "a room needs a name");
  }
  room_fields f;
  f.name = *patch.name;
  f.is_public = patch.is_public.value_or(f.is_public);
  f.max_students = patch.max_students.value_or(f.max_students);
  f.buffer_ms = patch.buffer_ms.value_or(f.buffer_ms);
  f.record = patch.record.value_or(f.record);
  f.welcome = patch.welcome.value_or(f.welcome);
  const auto now = api.now_ms();
  auto created = co_await api.db.run([&](database& db) {
    auto tx = db.begin();
    auto r = db.rooms.create(f, now);
    rotate(api, db, r.id, {"teacher", "student"}, now);
    tx.commit();
    return room_and_tokens{r, db.room_tokens.active(r.id)};
  });
  api.rooms.put_room(summary_of(created.room));
  publish_tokens(api, created.tokens);
  audit(api, who, ctx, "room.create", "room:" + std::to_string(created.room.id),
        json{{"name", f.name}});
  co_return json_reply(
      ctx, http::status::created, room_json(api, ctx, created.room, created.tokens),
      {{http::field::location, "/api/v1/rooms/" + std::to_string(created.room.id)}});
}

asio::awaitable<http::message_generator> list_rooms(api_context& api, request_context& ctx) {
  (void)co_await require_admin(api, ctx);
  auto all = co_await api.db.run([&](database& db) {
    std::vector<room_and_tokens> out;
    for (auto& r : db.rooms.list()) out.push_back({r, db.room_tokens.active(r.id)});
    return out;
  });
  json rooms = json::array();
  for (const auto& r : all) {
    auto j = room_json(api, ctx, r.room, r.tokens);
    j["live"] = api.classes.brief(r.room.id);
    rooms.push_back(std::move(j));
  }
  co_return json_reply(ctx, http::status::ok, json{{"rooms", std::move(rooms)}});
}

asio::awaitable<http::message_generator> get_room(api_context& api, request_context& ctx) {
  (void)co_await require_admin(api, ctx);
  const auto r = co_await load_room(api, id_param(ctx));
  auto j = room_json(api, ctx, r.room, r.tokens);
  j["live"] = api.classes.brief(r.room.id);
  co_return json_reply(ctx, http::status::ok, j);
}

asio::awaitable<http::message_generator> update_room(api_context& api, request_context& ctx) {
  const auto who = co_await require_admin(api, ctx);
  const auto id = id_param(ctx);
  const auto body = parse_json_body(ctx);
  const auto patch = parse_room(body);
  const auto now = api.now_ms();
  auto updated = co_await api.db.run([&](database& db) -> std::optional<room_and_tokens> {
    auto r = db.rooms.update(id, patch, now);
    if (!r) return std::nullopt;
    return room_and_tokens{*r, db.room_tokens.active(id)};
  });
  if (!updated) {
    throw api_error(http::status::not_found, "not_found", "there is no room " + std::to_string(id));
  }
  api.rooms.put_room(summary_of(updated->room));
  api.classes.room_changed(summary_of(updated->room));
  audit(api, who, ctx, "room.update", "room:" + std::to_string(id), body);
  co_return json_reply(ctx, http::status::ok, room_json(api, ctx, updated->room, updated->tokens));
}

asio::awaitable<http::message_generator> delete_room(api_context& api, request_context& ctx) {
  const auto who = co_await require_admin(api, ctx);
  const auto id = id_param(ctx);
  // Memory first (both do nothing for a room that does not exist): once the room is gone
  // from memory, no join, attendance row or shared-object batch can be queued behind the
  // DELETE and fail on the missing room's FOREIGN KEY.
  api.rooms.remove_room(id);
  api.classes.room_deleted(id);
  const bool removed = co_await api.db.run([&](database& db) { return db.rooms.remove(id); });
  if (!removed) {
    throw api_error(http::status::not_found, "not_found", "there is no room " + std::to_string(id));
  }
  audit(api, who, ctx, "room.delete", "room:" + std::to_string(id));
  auto res = http::response<http::string_body>(http::status::no_content, ctx.request().version());
  co_return finish_reply(ctx, std::move(res));
}

asio::awaitable<http::message_generator> rotate_tokens(api_context& api, request_context& ctx) {
  const auto who = co_await require_admin(api, ctx);
  const auto id = id_param(ctx);
  const auto body = ctx.request().body().empty() ? json::object() : parse_json_body(ctx);
  const auto role = field<std::string>(body, "role").value_or("both");
  std::vector<std::string> roles;
  if (role == "teacher" || role == "student") {
    roles = {role};
  } else if (role == "both") {
    roles = {"teacher", "student"};
  } else {
    throw api_error(http::status::unprocessable_entity, "invalid",
                    "role must be teacher, student or both");
  }
  const auto now = api.now_ms();
  auto done = co_await api.db.run([&](database& db) -> std::optional<room_and_tokens> {
    auto r = db.rooms.find(id);
    if (!r) return std::nullopt;
    auto tx = db.begin();
    rotate(api, db, id, roles, now);
    tx.commit();
    return room_and_tokens{*r, db.room_tokens.active(id)};
  });
  if (!done) {
    throw api_error(http::status::not_found, "not_found", "there is no room " + std::to_string(id));
  }
  publish_tokens(api, done->tokens);
  audit(api, who, ctx, "room.rotate_tokens", "room:" + std::to_string(id), json{{"role", role}});
  co_return json_reply(ctx, http::status::ok, room_json(api, ctx, done->room, done->tokens));
}

/// What a client checks before joining: is the link good, and where do I connect?
asio::awaitable<http::message_generator> join_info(api_context& api, request_context& ctx) {
  const auto id = id_param(ctx);
  const auto room = api.rooms.room(id);
  if (!room) {
    throw api_error(http::status::not_found, "not_found",
                    "there is no room " + std::to_string(id) + "; check the join link");
  }
  const auto token = ctx.query("token").value_or("");
  const auto grant = token.empty() ? std::nullopt : api.rooms.find(sha256_hex(token));
  if (!grant || grant->room_id != id || grant->role == "speaker") {
    throw api_error(http::status::unauthorized, "unauthorized",
                    token.empty() ? "the link has no token; ask for the room's join link"
                                  : "the token is not valid for room " + std::to_string(id) +
                                        " (it may have been rotated); ask for a fresh link");
  }
  const auto urls = api.urls(ctx);
  const auto stream = "live/" + std::to_string(id);
  co_return json_reply(ctx, http::status::ok,
                       json{{"room",
                             {{"id", room->id},
                              {"name", room->name},
                              {"welcome", room->welcome},
                              {"buffer_ms", room->buffer_ms},
                              {"is_public", room->is_public}}},
                            {"role", grant->role},
                            {"stream", stream},
                            {"rtmp_url", urls.rtmp_base + "/" + stream + "?token=" + token},
                            {"ws_url", urls.ws_base + "/api/v1/ws?token=" + token}});
}

}  // namespace

void register_room_routes(http_router& r, api_context& api) {
  using v = http::verb;
  r.add(v::post, "/api/v1/rooms", [&api](request_context& c) { return create_room(api, c); });
  r.add(v::get, "/api/v1/rooms", [&api](request_context& c) { return list_rooms(api, c); });
  r.add(v::get, "/api/v1/rooms/{id}", [&api](request_context& c) { return get_room(api, c); });
  r.add(v::patch, "/api/v1/rooms/{id}", [&api](request_context& c) { return update_room(api, c); });
  r.add(v::delete_, "/api/v1/rooms/{id}",
        [&api](request_context& c) { return delete_room(api, c); });
  r.add(v::post, "/api/v1/rooms/{id}/tokens/rotate",
        [&api](request_context& c) { return rotate_tokens(api, c); });
  r.add(v::get, "/api/v1/rooms/{id}/join",
        [&api](request_context& c) { return join_info(api, c); });
}

}  // namespace lectern::server
