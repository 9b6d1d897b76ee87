// Admin authentication: login/logout, sessions by cookie or bearer token, CSRF, audit.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>

#include "api_context.hpp"
#include "crypto.hpp"
#include "http_util.hpp"
#include "login_limiter.hpp"
#include "options.hpp"
#include "store.hpp"

namespace lectern::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr std::string_view k_cookie = "lectern_session";
constexpr int k_max_kdf_queue = 8;
/// Longer names are refused before anything is counted or logged (admins are named by us).
constexpr std::size_t k_max_username_bytes = 64;
/// Failed logins by name are counted per bucket; control_plane sizes user_limiter above it.
constexpr std::size_t k_user_buckets = 1024;

std::optional<std::string> bearer_token(const request_context& ctx) {
  const auto h = ctx.header(http::field::authorization);
  if (!h) return std::nullopt;
  constexpr std::string_view prefix = "Bearer ";
  if (h->size() <= prefix.size() || h->substr(0, prefix.size()) != prefix) {
    throw api_error(http::status::unauthorized, "unauthorized",
                    "the Authorization header must be 'Bearer TOKEN' with the token from "
                    "POST /api/v1/login");
  }
  return std::string(h->substr(prefix.size()));
}

bool safe_method(http::verb v) {
  return v == http::verb::get || v == http::verb::head;
}

std::string string_field(const json& body, const char* name) {
  const auto it = body.find(name);
  if (it == body.end() || !it->is_string()) {
    throw api_error(http::status::bad_request, "bad_request",
                    std::string("the body needs a string field '") + name + "'");
  }
  return it->get<std::string>();
}

}  // namespace

bool same_origin(const request_context& ctx) {
  const auto origin = ctx.header(http::field::origin);
  if (!origin) return true;  // not a browser
  const auto host = ctx.header(http::field::host).value_or("");
  const auto scheme = origin->find("://");
  return scheme != std::string_view::npos && origin->substr(scheme + 3) == host;
}

asio::awaitable<std::optional<admin_identity>> optional_admin(api_context& api,
                                                              request_context& ctx) {
  std::optional<admin_identity> who;
  if (!ctx.header(http::field::authorization) && !ctx.cookie(k_cookie)) co_return who;
  try {
    who = co_await require_admin(api, ctx);
  } catch (const api_error&) {
    co_return std::nullopt;  // not an admin after all: a room token may still follow
  }
  // A browser sends the cookie from any page of the same site; only our own pages may use
  // it here (there is no CSRF header on an upgrade or a media GET).
  if (who->via_cookie && !same_origin(ctx)) who.reset();
  co_return who;
}

asio::awaitable<admin_identity> require_admin(api_context& api, request_context& ctx) {
  admin_identity who;
  auto token = bearer_token(ctx);
  if (!token) {
    token = ctx.cookie(k_cookie);
    who.via_cookie = token.has_value();
  }
  if (!token || token->empty()) {
    throw api_error(http::status::unauthorized, "unauthorized",
                    "log in first: POST /api/v1/login, then send 'Authorization: Bearer TOKEN' "
                    "or the session cookie");
  }
  const auto hash = sha256_hex(*token);
  const auto now = api.now_ms();
  const auto ttl_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(api.options.admin_session_ttl).count();
  auto session = co_await api.db.run([&](database& db) {
    auto s = db.admin_sessions.find_valid(hash, now);
    // Sliding expiry: an admin who keeps working stays logged in. Moved at most once a
    // minute: each move is a durable write, and reads should not wait for the disk.
    if (s && s->expires_at < now + ttl_ms - 60'000)
      db.admin_sessions.touch(s->id, now, now + ttl_ms);
    return s;
  });
  if (!session) {
    throw api_error(http::status::unauthorized, "unauthorized",
                    "the session has expired or the token is not valid; log in again");
  }
  if (who.via_cookie && !safe_method(ctx.method())) {
    const auto csrf = ctx.header("X-CSRF-Token");
    if (!csrf || !constant_time_equal(*csrf, session->csrf_token)) {
      throw api_error(http::status::forbidden, "csrf",
                      "a request authenticated by cookie must carry the X-CSRF-Token header "
                      "from the login answer");
    }
  }
  who.admin_id = session->admin_id;
  who.username = session->username;
  who.csrf_token = session->csrf_token;
  who.session_id = session->id;
  co_return who;
}

void audit(api_context& api, const admin_identity& who, const request_context& ctx,
           std::string action, std::string target, json detail) {
  audit_fields f;
  f.at = api.now_ms();
  f.admin_id = who.admin_id;
  f.actor = who.username;
  f.action = std::move(action);
  f.target = std::move(target);
  f.detail_json = detail.dump();
  f.peer = ctx.peer();
  api.db.post([f = std::move(f)](database& db) { db.audit.add(f); });
}

namespace {

asio::awaitable<http::message_generator> login(api_context& api, request_context& ctx) {
  const auto body = parse_json_body(ctx);
  const auto username = string_field(body, "username");
  const auto password = string_field(body, "password");
  if (username.size() > k_max_username_bytes) {
    throw api_error(http::status::unprocessable_entity, "invalid_username",
                    "a user name has at most " + std::to_string(k_max_username_bytes) + " bytes");
  }
  const auto now = login_limiter::clock::now();
  const auto peer_key = "addr:" + ctx.peer();
  // Names are counted in a fixed set of buckets: memory stays bounded whatever names a flood
  // makes up, and an unknown name is limited exactly like a known one (no name probing).
  const auto user_key = std::to_string(std::hash<std::string>{}(username) % k_user_buckets);
  const auto wait =
      std::max(api.limiter.retry_after(peer_key, now), api.user_limiter.retry_after(user_key, now));
  if (wait > 0) {
    auto res = error_reply(ctx, http::status::too_many_requests, "rate_limited",
                           "too many failed logins; try again in " + std::to_string(wait) + " s");
    co_return res;
  }
  // The attempt counts as a failure from now on (undone on success): guesses sent all at
  // once cannot slip past the limit while their hashes are computed.
  api.limiter.failed(peer_key, now);
  api.user_limiter.failed(user_key, now);
  // One password hash at a time costs ~0.1-1 s of a core; a queue of them is refused.
  if (api.kdf_in_flight.fetch_add(1) >= k_max_kdf_queue) {
    --api.kdf_in_flight;
    co_return error_reply(ctx, http::status::too_many_requests, "rate_limited",
                          "too many logins at once; try again in a few seconds");
  }
  struct in_flight_guard {
    std::atomic<int>& n;
    ~in_flight_guard() { --n; }
  } guard{api.kdf_in_flight};
  auto admin =
      co_await api.db.run([&](database& db) { return db.admins.find_by_username(username); });
  // Hash even for an unknown user, so timing does not tell which names exist.
  const std::string stored = admin ? admin->password_hash : std::string();
  const bool ok = co_await asio::co_spawn(
      api.kdf_pool,
      [&]() -> asio::awaitable<bool> {
        if (stored.empty()) {
          (void)verify_password(password, api.dummy_password_hash);
          co_return false;
        }
        co_return verify_password(password, stored);
      },
      asio::use_awaitable);
  if (!ok) {
    api.log.info("api", "failed login for '" + username + "' from " + ctx.peer());
    throw api_error(http::status::unauthorized, "unauthorized", "wrong user name or password");
  }
  api.limiter.succeeded(peer_key);
  api.user_limiter.succeeded(user_key);
  const auto token = random_token(32);
  const auto csrf = random_token(16);
  const auto now_ms = api.now_ms();
  const auto ttl = std::chrono::duration_cast<std::chrono::seconds>(api.options.admin_session_ttl);
  const auto expires = now_ms + ttl.count() * 1000;
  co_await api.db.run([&](database& db) {
    db.admin_sessions.remove_expired(now_ms);
    db.admin_sessions.create(admin->id, sha256_hex(token), csrf, now_ms, expires, ctx.peer());
    db.admins.touch_login(admin->id, now_ms);
  });
  admin_identity who{admin->id, admin->username, false, csrf};
  audit(api, who, ctx, "login", "admin:" + admin->username);
  cookie_options c;
  c.max_age = ttl;
  co_return json_reply(ctx, http::status::ok,
                       json{{"token", token},
                            {"csrf_token", csrf},
                            {"username", admin->username},
                            {"expires_at", expires}},
                       {{http::field::set_cookie, set_cookie(k_cookie, token, c)}});
}

asio::awaitable<http::message_generator> logout(api_context& api, request_context& ctx) {
  auto token = bearer_token(ctx);
  if (!token) token = ctx.cookie(k_cookie);
  if (token) {
    const auto who = co_await require_admin(api, ctx);
    const auto hash = sha256_hex(*token);
    co_await api.db.run([&](database& db) { db.admin_sessions.remove(hash); });
    audit(api, who, ctx, "logout", "admin:" + who.username);
  }
  cookie_options c;
  c.max_age = std::chrono::seconds(0);
  co_return json_reply(ctx, http::status::ok, json{{"logged_out", true}},
                       {{http::field::set_cookie, set_cookie(k_cookie, "", c)}});
}

asio::awaitable<http::message_generator> me(api_context& api, request_context& ctx) {
  const auto who = co_await require_admin(api, ctx);
  json body{{"username", who.username}, {"id", who.admin_id}};
  // The web panel keeps no secret in storage: after a reload it asks here for the CSRF token
  // of its cookie session (SameSite=Strict, so only a page of this server can read it).
  if (who.via_cookie) body["csrf_token"] = who.csrf_token;
  co_return json_reply(ctx, http::status::ok, body);
}

asio::awaitable<http::message_generator> change_password(api_context& api, request_context& ctx) {
  const auto who = co_await require_admin(api, ctx);
  const auto body = parse_json_body(ctx);
  const auto current = string_field(body, "current_password");
  const auto next = string_field(body, "new_password");
  if (next.size() < 12 || next.size() > 1024) {
    throw api_error(http::status::bad_request, "bad_request",
                    "the new password must be 12 to 1024 characters long");
  }
  auto admin = co_await api.db.run([&](database& db) { return db.admins.find(who.admin_id); });
  const auto hash = co_await asio::co_spawn(
      api.kdf_pool,
      [&]() -> asio::awaitable<std::string> {
        if (!admin || !verify_password(current, admin->password_hash)) co_return std::string();
        co_return hash_password(next);
      },
      asio::use_awaitable);
  if (hash.empty()) {
    throw api_error(http::status::forbidden, "forbidden", "the current password is wrong");
  }
  co_await api.db.run([&](database& db) {
    db.admins.set_password(who.admin_id, hash);
    // Every other session of this admin ends (a stolen cookie stops working); the one
    // that changed the password goes on, as the panel that asked expects.
    db.admin_sessions.remove_for_admin(who.admin_id, who.session_id);
  });
  audit(api, who, ctx, "change_password", "admin:" + who.username);
  co_return json_reply(ctx, http::status::ok,
                       json{{"changed", true},
                            {"message", "password changed; your other sessions were logged out"}});
}

}  // namespace

void register_auth_routes(http_router& r, api_context& api) {
  r.add(http::verb::post, "/api/v1/login", [&api](request_context& c) { return login(api, c); });
  r.add(http::verb::post, "/api/v1/logout", [&api](request_context& c) { return logout(api, c); });
  r.add(http::verb::get, "/api/v1/me", [&api](request_context& c) { return me(api, c); });
  r.add(http::verb::post, "/api/v1/me/password",
        [&api](request_context& c) { return change_password(api, c); });
}

}  // namespace lectern::server
