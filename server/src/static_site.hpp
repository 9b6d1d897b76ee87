// The web panel's files (the built web/ directory): safe static serving of a few routes.
#pragma once

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "http_router.hpp"
#include "log.hpp"

namespace lectern::server {

/// Serves the web root (docs/api.md, "Web panel"): `/` → index.html, `/join/{room}` →
/// join.html, `/assets/{file}` (hashed names, cached for a year), other top-level files
/// (favicon.svg; revalidated). Only regular files directly in those two directories are
/// served: no listing, no "..", no hidden files, no symlinks out of the root. HTML answers
/// carry the Content-Security-Policy and the other security headers. A missing web root
/// is not fatal: the pages answer 503 with how to build the panel.
class static_site {
 public:
  /// `root` may not exist (yet): it is looked at on each request.
  static_site(std::filesystem::path root, logger& log);

  /// Adds the routes above to `r`.
  void register_routes(http_router& r);

  /// The MIME type for a file name by its extension; nullopt for types we do not serve.
  static std::optional<std::string_view> mime_type(std::string_view file_name);
  /// True for a single path segment we may serve: not empty, no '/', '\\' or control
  /// characters, not starting with '.' (covers "." and "..").
  static bool safe_segment(std::string_view name);

  const std::filesystem::path& root() const noexcept { return root_; }

 private:
  http::message_generator page(request_context& ctx, std::string_view name) const;
  http::message_generator file(request_context& ctx, std::string_view dir, std::string_view name,
                               bool immutable) const;

  std::filesystem::path root_;
  logger& log_;
  mutable std::atomic<bool> warned_{false};
};

}  // namespace lectern::server
