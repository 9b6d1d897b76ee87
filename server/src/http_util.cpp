#include "http_util.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>

#ifndef LECTERN_VERSION
#define LECTERN_VERSION "dev"  // CMake defines the project version; this is for direct builds
#endif

namespace lectern::server {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Calls f(piece) for each piece of `text` between separators.
template <class F>
void split(std::string_view text, char separator, F&& f) {
  while (true) {
    const auto at = text.find(separator);
    f(text.substr(0, at));
    if (at == std::string_view::npos) return;
    text.remove_prefix(at + 1);
  }
}

std::optional<std::string> first_value(
    const std::vector<std::pair<std::string, std::string>>& pairs, std::string_view name) {
  for (const auto& [key, value] : pairs) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::string server_header() {
  std::string s = "lectern/";
  s += LECTERN_VERSION;
  return s;
}

}  // namespace

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      // A decoded NUL has no business in a path, name or value and truncates C strings.
      if (c == '\0') return std::nullopt;
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    out += c;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  if (query.empty()) return out;
  split(query, '&', [&](std::string_view pair) {
    if (pair.empty()) return;
    const auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                              : percent_decode(pair.substr(eq + 1), true);
    if (name && value && !name->empty()) out.emplace_back(std::move(*name), std::move(*value));
  });
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_cookies(std::string_view header) {
  std::vector<std::pair<std::string, std::string>> out;
  split(header, ';', [&](std::string_view pair) {
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) return;
    const auto name = trim_ows(pair.substr(0, eq));
    auto value = trim_ows(pair.substr(eq + 1));
    // RFC 6265 4.1.1: a value may be wrapped in double quotes, which are not part of it.
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (!name.empty()) out.emplace_back(std::string(name), std::string(value));
  });
  return out;
}

std::string set_cookie(std::string_view name, std::string_view value,
                       const cookie_options& options) {
  std::string s(name);
  s += '=';
  s += value;
  s += "; Path=";
  s += options.path;
  if (options.max_age) {
    s += "; Max-Age=";
    s += std::to_string(options.max_age->count());
  }
  if (options.secure) s += "; Secure";
  s += "; HttpOnly; SameSite=Strict";
  return s;
}

request_context::request_context(const http_request& req, std::string path,
                                 std::string_view raw_query, std::string peer)
    : req_(req),
      path_(std::move(path)),
      raw_query_(raw_query),
      query_(parse_query(raw_query)),
      peer_(std::move(peer)) {}

std::optional<std::string> request_context::query(std::string_view name) const {
  return first_value(query_, name);
}

std::string_view request_context::param(std::string_view name) const {
  for (const auto& [key, value] : params_) {
    if (key == name) return value;
  }
  return {};
}

std::optional<std::string> request_context::cookie(std::string_view name) const {
  if (!cookies_) {
    cookies_.emplace();
    // A client may send several Cookie headers (HTTP/2 proxies split them).
    for (auto it = req_.find(http::field::cookie);
         it != req_.end() && it->name() == http::field::cookie; ++it) {
      auto more = parse_cookies(it->value());
      cookies_->insert(cookies_->end(), more.begin(), more.end());
    }
  }
  return first_value(*cookies_, name);
}

std::optional<std::string_view> request_context::header(http::field name) const {
  const auto it = req_.find(name);
  if (it == req_.end()) return std::nullopt;
  return it->value();
}

std::optional<std::string_view> request_context::header(std::string_view name) const {
  const auto it = req_.find(name);
  if (it == req_.end()) return std::nullopt;
  return it->value();
}

void request_context::set_route(std::string pattern, param_list params) {
  route_ = std::move(pattern);
  params_ = std::move(params);
}

void add_common_headers(const request_context& ctx, http::response_header<>& header) {
  header.set(http::field::server, server_header());
  header.set("X-Content-Type-Options", "nosniff");
  // Keep-alive as the request asked (HTTP/1.1 default, HTTP/1.0 only with the header).
  const auto version = ctx.request().version();
  header.version(version);
  if (ctx.request().keep_alive()) {
    if (version < 11) header.set(http::field::connection, "keep-alive");
  } else {
    header.set(http::field::connection, "close");
  }
}

namespace detail {
http::message_generator strip_body_for_head(http::response_header<>&& header) {
  // Content-Length stays: a HEAD answer describes the body a GET would get (RFC 9110 9.3.2).
  http::response<http::empty_body> res(std::move(header));
  return http::message_generator(std::move(res));
}
}  // namespace detail

http::message_generator json_reply(request_context& ctx, http::status status,
                                   const nlohmann::json& body, const header_list& extra) {
  http::response<http::string_body> res(status, ctx.request().version());
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  for (const auto& [name, value] : extra) res.insert(name, value);
  // Invalid UTF-8 from a stored string must not make a reply throw: replace it.
  res.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  res.prepare_payload();
  return finish_reply(ctx, std::move(res));
}

http::message_generator error_reply(request_context& ctx, http::status status,
                                    std::string_view code, std::string_view message) {
  nlohmann::json body;
  body["error"]["code"] = std::string(code);
  body["error"]["message"] = std::string(message);
  return json_reply(ctx, status, body);
}

http::message_generator text_reply(request_context& ctx, http::status status, std::string body,
                                   std::string_view content_type, const header_list& extra) {
  http::response<http::string_body> res(status, ctx.request().version());
  res.set(http::field::content_type, content_type);
  for (const auto& [name, value] : extra) res.insert(name, value);
  res.body() = std::move(body);
  res.prepare_payload();
  return finish_reply(ctx, std::move(res));
}

nlohmann::json parse_json_body(const request_context& ctx) {
  if (const auto type = ctx.header(http::field::content_type)) {
    const auto media = trim_ows(type->substr(0, type->find(';')));
    if (!boost::beast::iequals(media, "application/json")) {
      throw api_error(http::status::unsupported_media_type, "unsupported_media_type",
                      "the request body must be application/json");
    }
  }
  auto json = nlohmann::json::parse(ctx.request().body(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    throw api_error(http::status::bad_request, "bad_json",
                    "the request body must be a JSON object");
  }
  return json;
}

}  // namespace lectern::server
