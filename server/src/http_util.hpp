// Helpers for HTTP handlers: parsing what a request carries (query, cookies, percent-encoding,
// JSON bodies) and building replies with the headers every Lectern response has.
#pragma once

#include <boost/beast/http/message_generator.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http_types.hpp"

namespace lectern::server {

/// Extra response headers, e.g. {{http::field::set_cookie, set_cookie(...)}}.
using header_list = std::vector<std::pair<http::field, std::string>>;

/// `s` without leading and trailing spaces and tabs (HTTP's optional whitespace, RFC 9110 5.6.3).
std::string_view trim_ows(std::string_view s);

/// Decodes %XX escapes (and '+' as a space when `plus_is_space`, for query strings).
/// nullopt for a malformed escape or a decoded NUL byte.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

/// "a=1&b=x%20y&c" → {{"a","1"},{"b","x y"},{"c",""}}; malformed pairs are skipped.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

/// A Cookie header, "a=1; b=\"2\"" → {{"a","1"},{"b","2"}}; malformed pairs are skipped.
std::vector<std::pair<std::string, std::string>> parse_cookies(std::string_view header);

/// Options of a Set-Cookie header; the cookie is always HttpOnly and SameSite=Strict.
struct cookie_options {
  std::string path = "/";
  std::optional<std::chrono::seconds> max_age;  ///< none: a session cookie; 0 deletes it
  bool secure = false;
};

/// "name=value; Path=/; Max-Age=N; HttpOnly; SameSite=Strict" (Secure when asked).
std::string set_cookie(std::string_view name, std::string_view value,
                       const cookie_options& options = {});

/// Adds the headers every response carries (Server, X-Content-Type-Options, keep-alive as
/// the request asked), records the status in `ctx`, and for a HEAD request keeps the
/// Content-Length but drops the body. Handlers that build their own response use this.
template <class Body>
http::message_generator finish_reply(request_context& ctx, http::response<Body>&& res);

/// The common headers alone (what finish_reply() adds), for responses built by hand.
void add_common_headers(const request_context& ctx, http::response_header<>& header);

/// A JSON response with Cache-Control: no-store.
http::message_generator json_reply(request_context& ctx, http::status status,
                                   const nlohmann::json& body, const header_list& extra = {});

/// {"error":{"code":code,"message":message}} with `status`.
http::message_generator error_reply(request_context& ctx, http::status status,
                                    std::string_view code, std::string_view message);

/// A text/plain (or other `content_type`) response.
http::message_generator text_reply(request_context& ctx, http::status status, std::string body,
                                   std::string_view content_type = "text/plain; charset=utf-8",
                                   const header_list& extra = {});

/// The request body as a JSON object. Throws api_error: 415 unsupported_media_type if the
/// Content-Type is present and not application/json, 400 bad_json if the body is not a JSON
/// object.
nlohmann::json parse_json_body(const request_context& ctx);

// Implementation of the template above.
namespace detail {
http::message_generator strip_body_for_head(http::response_header<>&& header);
}

template <class Body>
http::message_generator finish_reply(request_context& ctx, http::response<Body>&& res) {
  add_common_headers(ctx, res.base());
  ctx.set_status(res.result_int());
  if (!res.has_content_length() && !res.chunked()) res.prepare_payload();
  if (ctx.is_head()) return detail::strip_body_for_head(std::move(res.base()));
  return http::message_generator(std::move(res));
}

}  // namespace lectern::server
