// The server as a whole: health, Prometheus metrics, stats, the audit log, the OpenAPI
// document, and where clients reach us (public URLs).
#include "api_context.hpp"
#include "classroom.hpp"
#include "http_util.hpp"
#include "metrics.hpp"
#include "openapi_document.hpp"
#include "options.hpp"
#include "store.hpp"

namespace lectern::server {

namespace asio = boost::asio;
using nlohmann::json;

public_urls api_context::urls(const request_context& ctx) const {
  public_urls u;
  if (!options.public_url.empty()) {
    // --public-url http://classes.example.org:8080 (behind NAT or a proxy).
    u.http_base = options.public_url;
    while (!u.http_base.empty() && u.http_base.back() == '/') u.http_base.pop_back();
  } else {
    auto host = std::string(ctx.header(http::field::host).value_or(""));
    if (host.empty()) host = "localhost:" + std::to_string(options.http_listen.port);
    u.http_base = "http://" + host;
  }
  // The host alone: strip the scheme and a port ("[::1]:8080" keeps its brackets).
  auto host = u.http_base.substr(u.http_base.find("://") + 3);
  const auto bracket = host.rfind(']');
  const auto colon = host.rfind(':');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    host.resize(colon);
  }
  u.rtmp_base = "rtmp://" + host + ":" + std::to_string(rtmp_port);
  u.ws_base = (u.http_base.starts_with("https://") ? "wss://" : "ws://") +
              u.http_base.substr(u.http_base.find("://") + 3);
  return u;
}

namespace {

asio::awaitable<http::message_generator> healthz(api_context& api, request_context& ctx) {
  // Healthy = the store answers: the one dependency that can fail at run time.
  const auto version = co_await api.db.run([](database& db) { return db.schema_version; });
  co_return json_reply(
      ctx, http::status::ok,
      json{{"status", "ok"}, {"version", LECTERN_VERSION}, {"schema_version", version}});
}

asio::awaitable<http::message_generator> prometheus(api_context& api, request_context& ctx) {
  co_return text_reply(ctx, http::status::ok, api.stats.render(),
                       "text/plain; version=0.0.4; charset=utf-8");
}

asio::awaitable<http::message_generator> stats(api_context& api, request_context& ctx) {
  (void)co_await require_admin(api, ctx);
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now() - api.started);
  json j{{"version", LECTERN_VERSION},
         {"uptime_s", uptime.count()},
         {"rss_bytes", process_rss_bytes()},
         {"ws_clients", api.classes.ws_clients()},
         {"rooms_active", api.classes.rooms_active()}};
  if (api.relay_stats) j["relay"] = api.relay_stats();
  co_return json_reply(ctx, http::status::ok, j);
}

asio::awaitable<http::message_generator> audit_log(api_context& api, request_context& ctx) {
  (void)co_await require_admin(api, ctx);
  std::int64_t limit = 100;
  std::optional<std::int64_t> before;
  try {
    if (const auto l = ctx.query("limit"))
      limit = std::clamp<std::int64_t>(std::stoll(*l), 1, 1000);
    if (const auto b = ctx.query("before")) before = std::stoll(*b);
  } catch (const std::exception&) {
    throw api_error(http::status::bad_request, "bad_request", "limit and before are numbers");
  }
  const auto rows = co_await api.db.run([&](database& db) { return db.audit.list(limit, before); });
  json out = json::array();
  for (const auto& r : rows) {
    out.push_back({{"id", r.id},
                   {"at", r.at},
                   {"actor", r.actor},
                   {"action", r.action},
                   {"target", r.target},
                   {"detail", json::parse(r.detail_json, nullptr, false)},
                   {"peer", r.peer}});
  }
  co_return json_reply(ctx, http::status::ok, json{{"audit", std::move(out)}});
}

asio::awaitable<http::message_generator> openapi(api_context&, request_context& ctx) {
  co_return text_reply(ctx, http::status::ok, std::string(openapi_document()), "application/json");
}

}  // namespace

void register_server_routes(http_router& r, api_context& api) {
  using v = http::verb;
  r.add(v::get, "/healthz", [&api](request_context& c) { return healthz(api, c); });
  r.add(v::get, "/metrics", [&api](request_context& c) { return prometheus(api, c); });
  r.add(v::get, "/api/v1/stats", [&api](request_context& c) { return stats(api, c); });
  r.add(v::get, "/api/v1/audit", [&api](request_context& c) { return audit_log(api, c); });
  r.add(v::get, "/api/v1/openapi.json", [&api](request_context& c) { return openapi(api, c); });
}

}  // namespace lectern::server
