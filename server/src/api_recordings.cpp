// Recordings: list, read, download (with ranges), delete.
#include <filesystem>

#include "api_context.hpp"
#include "http_file.hpp"
#include "http_util.hpp"
#include "options.hpp"
#include "store.hpp"

namespace lectern::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

json recording_json(const recording_record& r) {
  return json{{"id", r.id},
              {"room_id", r.room_id ? json(*r.room_id) : json(nullptr)},
              {"stream", r.stream},
              {"file", std::filesystem::path(r.path).filename().string()},
              {"started_at", r.started_at},
              {"duration_ms", r.duration_ms},
              {"size_bytes", r.size_bytes},
              {"created_at", r.created_at},
              {"download_url", "/api/v1/recordings/" + std::to_string(r.id) + "/download"}};
}

asio::awaitable<recording_record> load(api_context& api, std::int64_t id) {
  auto r = co_await api.db.run([&](database& db) { return db.recordings.find(id); });
  if (!r) {
    throw api_error(http::status::not_found, "not_found",
                    "there is no recording " + std::to_string(id));
  }
  co_return std::move(*r);
}

asio::awaitable<http::message_generator> list(api_context& api, request_context& ctx) {
  (void)co_await require_admin(api, ctx);
  std::optional<std::int64_t> room;
  if (const auto q = ctx.query("room")) {
    try {
      room = std::stoll(*q);
    } catch (const std::exception&) {
      throw api_error(http::status::bad_request, "bad_request", "room must be a room id");
    }
  }
  const auto rows = co_await api.db.run([&](database& db) { return db.recordings.list(room); });
  json out = json::array();
  for (const auto& r : rows) out.push_back(recording_json(r));
  co_return json_reply(ctx, http::status::ok, json{{"recordings", std::move(out)}});
}

asio::awaitable<http::message_generator> get(api_context& api, request_context& ctx) {
  (void)co_await require_admin(api, ctx);
  const auto r = co_await load(api, id_param(ctx));
  co_return json_reply(ctx, http::status::ok, recording_json(r));
}

asio::awaitable<http::message_generator> download(api_context& api, request_context& ctx) {
  (void)co_await require_admin(api, ctx);
  const auto r = co_await load(api, id_param(ctx));
  const auto file = api.recordings_dir / r.path;
  co_return file_reply(ctx, file, "video/x-flv", file.filename().string());
}

asio::awaitable<http::message_generator> remove(api_context& api, request_context& ctx) {
  const auto who = co_await require_admin(api, ctx);
  const auto r = co_await load(api, id_param(ctx));
  std::error_code ec;
  std::filesystem::remove(api.recordings_dir / r.path, ec);
  if (ec) {
    throw api_error(http::status::internal_server_error, "io_error",
                    "cannot delete " + r.path + ": " + ec.message());
  }
  co_await api.db.run([&](database& db) { db.recordings.remove(r.id); });
  audit(api, who, ctx, "recording.delete", "recording:" + std::to_string(r.id),
        json{{"file", r.path}});
  auto res = http::response<http::string_body>(http::status::no_content, ctx.request().version());
  co_return finish_reply(ctx, std::move(res));
}

}  // namespace

void register_recording_routes(http_router& r, api_context& api) {
  using v = http::verb;
  r.add(v::get, "/api/v1/recordings", [&api](request_context& c) { return list(api, c); });
  r.add(v::get, "/api/v1/recordings/{id}", [&api](request_context& c) { return get(api, c); });
  r.add(v::get, "/api/v1/recordings/{id}/download",
        [&api](request_context& c) { return download(api, c); });
  r.add(v::delete_, "/api/v1/recordings/{id}",
        [&api](request_context& c) { return remove(api, c); });
}

}  // namespace lectern::server
