#include "static_site.hpp"

#include <array>
#include <utility>

#include "http_file.hpp"
#include "http_util.hpp"

namespace lectern::server {
namespace {

namespace fs = std::filesystem;
using asio_message = boost::asio::awaitable<http::message_generator>;

// The panel has no inline scripts or styles (docs/api.md, "Web panel"); media comes from
// blob: URLs (the MSE player), previews and chat over ws: to this same server.
constexpr std::string_view k_csp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self' ws: wss:; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

constexpr std::string_view k_not_built =
    "The web panel is not built, so there is nothing to show here.\n\n"
    "Build it with `deploy/install-deps.sh` (Node.js and the panel's npm packages), then\n"
    "`cmake --build build --target lectern_web` (it writes BUILD_DIR/web), or point the\n"
    "server at a built panel with --web-root DIR (LECTERN_WEB_ROOT, config key web_root).\n\n"
    "The API (/api/v1/), /healthz, /metrics and live playback work without it.\n";

constexpr std::array<std::pair<std::string_view, std::string_view>, 16> k_types{{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".json", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".map", "application/json"},
    {".wasm", "application/wasm"},
    {".txt", "text/plain; charset=utf-8"},
}};

named_headers html_headers() {
  return {{"Cache-Control", "no-cache"},
          {"Content-Security-Policy", std::string(k_csp)},
          {"Referrer-Policy", "no-referrer"},
          {"X-Frame-Options", "DENY"}};
}

// The file must be a regular file inside `root` once symlinks are resolved: a link in the
// web root must not expose the rest of the disk.
bool inside(const fs::path& root, const fs::path& file) {
  std::error_code ec;
  const auto real_root = fs::canonical(root, ec);
  if (ec) return false;
  const auto real_file = fs::canonical(file, ec);
  if (ec || !fs::is_regular_file(real_file, ec)) return false;
  const auto rel = real_file.lexically_relative(real_root);
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

static_site::static_site(fs::path root, logger& log) : root_(std::move(root)), log_(log) {}

std::optional<std::string_view> static_site::mime_type(std::string_view file_name) {
  const auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto ext = file_name.substr(dot);
  for (const auto& [e, type] : k_types) {
    if (e == ext) return type;
  }
  return std::nullopt;
}

bool static_site::safe_segment(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  for (const char c : name) {
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

http::message_generator static_site::page(request_context& ctx, std::string_view name) const {
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) {
    // Once: a crawler asking for / every second must not fill the log.
    if (!warned_.exchange(true)) {
      log_.warn("http", "the web root " + root_.string() + " does not exist; answering 503 for " +
                            sanitize_log_text(ctx.path()) + " and the other pages");
    }
    return text_reply(ctx, http::status::service_unavailable, std::string(k_not_built),
                      "text/plain; charset=utf-8", {{http::field::retry_after, "60"}});
  }
  return file(ctx, "", name, false);
}

http::message_generator static_site::file(request_context& ctx, std::string_view dir,
                                          std::string_view name, bool immutable) const {
  const auto type = mime_type(name);
  const auto path = dir.empty() ? root_ / name : root_ / dir / name;
  if (!safe_segment(name) || !type || !inside(root_, path)) {
    return error_reply(ctx, http::status::not_found, "not_found", "no such file");
  }
  named_headers extra;
  if (type->starts_with("text/html")) {
    extra = html_headers();
  } else {
    extra.emplace_back("Cache-Control",
                       immutable ? "public, max-age=31536000, immutable" : "no-cache");
  }
  return file_reply(ctx, path, *type, std::nullopt, extra);
}

void static_site::register_routes(http_router& r) {
  using v = http::verb;
  // The handlers do blocking stat/open of small local files: as the recording download
  // does, they run on the connection's thread.
  r.add(v::get, "/",
        [this](request_context& c) -> asio_message { co_return page(c, "index.html"); });
  r.add(v::get, "/join/{room}",
        [this](request_context& c) -> asio_message { co_return page(c, "join.html"); });
  r.add(v::get, "/assets/{file}", [this](request_context& c) -> asio_message {
    co_return file(c, "assets", c.param("file"), true);
  });
  // Other top-level files (favicon.svg, robots.txt): literal routes (/healthz, /metrics)
  // are more specific and win.
  r.add(v::get, "/{file}", [this](request_context& c) -> asio_message {
    co_return file(c, "", c.param("file"), false);
  });
}

}  // namespace lectern::server
