// Live classes: the live state of a room, kick, end a class; past classes and attendance.
#include "api_context.hpp"
#include "classroom.hpp"
#include "http_util.hpp"
#include "store.hpp"
#include "ws_connection.hpp"

namespace lectern::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

asio::awaitable<void> require_room(api_context& api, std::int64_t id) {
  if (!api.rooms.room(id)) {
    throw api_error(http::status::not_found, "not_found", "there is no room " + std::to_string(id));
  }
  co_return;
}

json opt(const std::optional<std::int64_t>& v) {
  return v ? json(*v) : json(nullptr);
}

asio::awaitable<http::message_generator> live(api_context& api, request_context& ctx) {
  (void)co_await require_admin(api, ctx);
  const auto id = id_param(ctx);
  co_await require_room(api, id);
  auto state = co_await api.classes.live_state(id);
  if (api.stream_stats) state["stream"] = api.stream_stats("live/" + std::to_string(id));
  co_return json_reply(ctx, http::status::ok, state);
}

asio::awaitable<http::message_generator> kick(api_context& api, request_context& ctx) {
  const auto who = co_await require_admin(api, ctx);
  const auto id = id_param(ctx);
  co_await require_room(api, id);
  const auto body = parse_json_body(ctx);
  const auto it = body.find("participant");
  if (it == body.end() || !it->is_string()) {
    throw api_error(http::status::bad_request, "bad_request",
                    "the body needs {\"participant\": ID} (ids are in the live state)");
  }
  const auto participant = it->get<std::string>();
  if (!api.classes.kick(id, participant)) {
    throw api_error(http::status::not_found, "not_found",
                    "nobody with id " + participant + " is in room " + std::to_string(id));
  }
  audit(api, who, ctx, "participant.kick", "room:" + std::to_string(id),
        json{{"participant", participant}});
  co_return json_reply(ctx, http::status::ok, json{{"kicked", participant}});
}

asio::awaitable<http::message_generator> end_class(api_context& api, request_context& ctx) {
  const auto who = co_await require_admin(api, ctx);
  const auto id = id_param(ctx);
  co_await require_room(api, id);
  api.classes.end_class(id);
  audit(api, who, ctx, "class.end", "room:" + std::to_string(id));
  co_return json_reply(ctx, http::status::ok, json{{"ended", true}});
}

asio::awaitable<http::message_generator> sessions(api_context& api, request_context& ctx) {
  (void)co_await require_admin(api, ctx);
  const auto id = id_param(ctx);
  co_await require_room(api, id);
  const auto list = co_await api.db.run([&](database& db) { return db.class_sessions.list(id); });
  json out = json::array();
  for (const auto& s : list) {
    out.push_back({{"id", s.id},
                   {"room_id", s.room_id},
                   {"started_at", s.started_at},
                   {"ended_at", opt(s.ended_at)},
                   {"started_by", s.started_by}});
  }
  co_return json_reply(ctx, http::status::ok, json{{"sessions", std::move(out)}});
}

/// RFC 4180 field: quoted when it holds a comma, quote or line break; a leading = + - @
/// is prefixed with ' so spreadsheets do not run it as a formula.
std::string csv_field(std::string v) {
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v.insert(0, "'");
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (const char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string iso_time(std::int64_t ms) {
  const std::time_t t = ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

asio::awaitable<http::message_generator> attendance(api_context& api, request_context& ctx) {
  (void)co_await require_admin(api, ctx);
  const auto id = id_param(ctx);
  co_await require_room(api, id);
  std::optional<std::int64_t> session;
  if (const auto s = ctx.query("session")) {
    try {
      session = std::stoll(*s);
    } catch (const std::exception&) {
      throw api_error(http::status::bad_request, "bad_request",
                      "session must be a class session id");
    }
  }
  const auto rows =
      co_await api.db.run([&](database& db) { return db.attendance.list(id, session); });
  const bool csv = ctx.query("format").value_or("json") == "csv" || ctx.path().ends_with(".csv");
  if (csv) {
    std::string out = "participant,name,role,via,peer,class_session,joined_at,left_at,seconds\r\n";
    for (const auto& r : rows) {
      const auto end = r.left_at.value_or(api.now_ms());
      out += csv_field(r.participant_id) + ',' + csv_field(r.display_name) + ',' + r.role + ',' +
             r.via + ',' + csv_field(r.peer) + ',' +
             (r.class_session_id ? std::to_string(*r.class_session_id) : std::string()) + ',' +
             iso_time(r.joined_at) + ',' + (r.left_at ? iso_time(*r.left_at) : std::string()) +
             ',' + std::to_string((end - r.joined_at) / 1000) + "\r\n";
    }
    auto res = http::response<http::string_body>(http::status::ok, ctx.request().version());
    res.set(http::field::content_type, "text/csv; charset=utf-8");
    res.set(http::field::content_disposition,
            "attachment; filename=\"room-" + std::to_string(id) + "-attendance.csv\"");
    res.set(http::field::cache_control, "no-store");
    res.body() = std::move(out);
    co_return finish_reply(ctx, std::move(res));
  }
  json out = json::array();
  for (const auto& r : rows) {
    out.push_back({{"id", r.id},
                   {"participant", r.participant_id},
                   {"name", r.display_name},
                   {"role", r.role},
                   {"via", r.via},
                   {"peer", r.peer},
                   {"class_session_id", opt(r.class_session_id)},
                   {"joined_at", r.joined_at},
                   {"left_at", opt(r.left_at)}});
  }
  co_return json_reply(ctx, http::status::ok, json{{"attendance", std::move(out)}});
}

}  // namespace

void register_class_routes(http_router& r, api_context& api) {
  using v = http::verb;
  r.add(v::get, "/api/v1/rooms/{id}/live", [&api](request_context& c) { return live(api, c); });
  r.add(v::post, "/api/v1/rooms/{id}/kick", [&api](request_context& c) { return kick(api, c); });
  r.add(v::post, "/api/v1/rooms/{id}/end",
        [&api](request_context& c) { return end_class(api, c); });
  r.add(v::get, "/api/v1/rooms/{id}/sessions",
        [&api](request_context& c) { return sessions(api, c); });
  r.add(v::get, "/api/v1/rooms/{id}/attendance",
        [&api](request_context& c) { return attendance(api, c); });
  r.add(v::get, "/api/v1/rooms/{id}/attendance.csv",
        [&api](request_context& c) { return attendance(api, c); });
  r.add_websocket("/api/v1/ws", [&api](request_context& c, std::shared_ptr<ws_connection> ws) {
    return api.classes.serve_ws(api, c, std::move(ws));
  });
}

}  // namespace lectern::server
