// Minimal absolute-URL splitting for http:// and ws:// addresses (no userinfo, no
// fragments): enough for join links, API bases and the control channel's ws_url.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lectern/client/client_error.hpp"

namespace lectern::client {

/// The parts of "scheme://host[:port][/path][?query]".
struct url_parts {
  std::string scheme;  ///< lower case
  std::string host;    ///< without IPv6 brackets
  std::string port;    ///< empty when the URL has none
  std::string target;  ///< path and query, "/" at least
};

/// Appends every part to one string. Avoids `"literal" + std::string`, which trips GCC 12's
/// false -Wrestrict warning.
template <class... Parts>
std::string concat(const Parts&... parts) {
  std::string out;
  ((out += parts), ...);
  return out;
}

/// Splits an absolute URL; the error message names the wrong part.
result<url_parts> parse_url(std::string_view text);

/// "host:port" for a Host header or a base URL (brackets around IPv6 hosts).
std::string host_and_port(std::string_view host, std::string_view port);

/// The percent-decoded value of `key` in the query of `target`, if present.
std::optional<std::string> query_param(std::string_view target, std::string_view key);

/// `target` without every `key=…` parameter of its query (the '?' goes when nothing is left).
std::string without_query_param(std::string_view target, std::string_view key);

/// Percent-encodes everything but RFC 3986 unreserved characters.
std::string percent_encode(std::string_view text);

/// Decodes %XX escapes (and '+' as space, as in form queries); nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace lectern::client
