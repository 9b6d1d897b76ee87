// Recordings: list, read, download (with ranges), the MP4 copy (with ranges), delete.
#include <filesystem>

#include "api_context.hpp"
#include "http_file.hpp"
#include "http_util.hpp"
#include "mp4_remuxer.hpp"
#include "options.hpp"
#include "store.hpp"

namespace lectern::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

json recording_json(const api_context& api, const recording_record& r) {
  // The MP4 exists only once complete (it appears by rename): its presence is the flag.
  std::error_code ec;
  const auto mp4 = mp4_remuxer::mp4_path(api.recordings_dir / r.path);
  const auto mp4_size = std::filesystem::file_size(mp4, ec);
  const auto base = "/api/v1/recordings/" + std::to_string(r.id);
  return json{{"id", r.id},
              {"room_id", r.room_id ? json(*r.room_id) : json(nullptr)},
              {"stream", r.stream},
              {"file", std::filesystem::path(r.path).filename().string()},
              {"started_at", r.started_at},
              {"duration_ms", r.duration_ms},
              {"size_bytes", r.size_bytes},
              {"created_at", r.created_at},
              {"download_url", base + "/download"},
              {"mp4", !ec},
              {"mp4_size", ec ? json(nullptr) : json(mp4_size)},
              {"mp4_url", base + "/mp4"}};
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
  for (const auto& r : rows) out.push_back(recording_json(api, r));
  co_return json_reply(ctx, http::status::ok, json{{"recordings", std::move(out)}});
}

asio::awaitable<http::message_generator> get(api_context& api, request_context& ctx) {
  (void)co_await require_admin(api, ctx);
  const auto r = co_await load(api, id_param(ctx));
  co_return json_reply(ctx, http::status::ok, recording_json(api, r));
}

asio::awaitable<http::message_generator> download(api_context& api, request_context& ctx) {
  (void)co_await require_admin(api, ctx);
  const auto r = co_await load(api, id_param(ctx));
  const auto file = api.recordings_dir / r.path;
  co_return file_reply(ctx, file, "video/x-flv", file.filename().string());
}

// The browser-playable copy; one not made yet is asked for (and 503 says to retry).
asio::awaitable<http::message_generator> mp4(api_context& api, request_context& ctx) {
  (void)co_await require_admin(api, ctx);
  const auto r = co_await load(api, id_param(ctx));
  const auto flv = api.recordings_dir / r.path;
  const auto file = mp4_remuxer::mp4_path(flv);
  std::error_code ec;
  if (std::filesystem::is_regular_file(file, ec)) co_return file_reply(ctx, file, "video/mp4");
  if (!std::filesystem::exists(flv, ec)) {
    throw api_error(http::status::not_found, "not_found",
                    "the file of recording " + std::to_string(r.id) + " is gone");
  }
  if (api.want_mp4) api.want_mp4(flv);
  nlohmann::json body;
  body["error"]["code"] = "not_ready";
  body["error"]["message"] = "the MP4 copy of this recording is being made; try again shortly";
  co_return json_reply(ctx, http::status::service_unavailable, body,
                       {{http::field::retry_after, "5"}});
}

asio::awaitable<http::message_generator> remove(api_context& api, request_context& ctx) {
  const auto who = co_await require_admin(api, ctx);
  const auto r = co_await load(api, id_param(ctx));
  std::error_code ec;
  // The MP4 copy first: a failure there leaves a recording that is still listed.
  std::filesystem::remove(mp4_remuxer::mp4_path(api.recordings_dir / r.path), ec);
  if (!ec) std::filesystem::remove(api.recordings_dir / r.path, ec);
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
  r.add(v::get, "/api/v1/recordings/{id}/mp4", [&api](request_context& c) { return mp4(api, c); });
  r.add(v::delete_, "/api/v1/recordings/{id}",
        [&api](request_context& c) { return remove(api, c); });
}

}  // namespace lectern::server
