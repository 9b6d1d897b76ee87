#include "url.hpp"

#include <algorithm>
#include <cctype>

namespace lectern::client {
namespace {

client_error bad(std::string what, std::string_view text) {
  std::string m = std::move(what);
  m += " in \"";
  m += text;
  m += '"';
  return {error_kind::bad_link, std::move(m)};
}

// Calls `f(param)` for each "name=value" of `query` (the part after '?') until it returns true.
template <class F>
void for_each_param(std::string_view query, F f) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    if (f(query.substr(0, amp))) return;
    if (amp == std::string_view::npos) return;
    query.remove_prefix(amp + 1);
  }
}

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

result<url_parts> parse_url(std::string_view text) {
  url_parts out;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return bad("missing \"http://\"", text);
  for (char c : text.substr(0, sep))
    out.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view rest = text.substr(sep + 3);
  const auto path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  std::string_view path = path_at == std::string_view::npos ? "" : rest.substr(path_at);
  path = path.substr(0, path.find('#'));
  if (path.empty() || path[0] != '/') out.target += '/';  // "h:80?x=1" → "/?x=1"
  out.target += path;
  if (authority.find('@') != std::string_view::npos)
    return bad("user names in URLs are not supported", text);
  if (!authority.empty() && authority[0] == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' around the IPv6 host", text);
    out.host = authority.substr(1, close - 1);
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority[0] != ':') return bad("junk after the IPv6 host", text);
    if (!authority.empty()) out.port = authority.substr(1);
  } else {
    const auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) out.port = authority.substr(colon + 1);
    if (colon != std::string_view::npos && out.port.empty()) return bad("empty port", text);
  }
  if (out.host.empty()) return bad("missing host name", text);
  if (!out.port.empty() && (!all_digits(out.port) || out.port.size() > 5 ||
                            std::stoul(out.port) == 0 || std::stoul(out.port) > 65535)) {
    return bad(concat("the port \"", out.port, "\" is not a number from 1 to 65535"), text);
  }
  return out;
}

std::string host_and_port(std::string_view host, std::string_view port) {
  std::string out;
  const bool v6 = host.find(':') != std::string_view::npos;
  if (v6) out += '[';
  out += host;
  if (v6) out += ']';
  out += ':';
  out += port;
  return out;
}

std::optional<std::string> query_param(std::string_view target, std::string_view key) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::optional<std::string> value;
  for_each_param(target.substr(q + 1), [&](std::string_view pair) {
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != key) return false;
    value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    return true;
  });
  return value;
}

std::string without_query_param(std::string_view target, std::string_view key) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, q));
  char sep = '?';
  for_each_param(target.substr(q + 1), [&](std::string_view pair) {
    if (pair.substr(0, pair.find('=')) != key) {
      out += sep;
      out += pair;
      sep = '&';
    }
    return false;
  });
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    }
  }
  return out;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] != '%') {
      out += text[i];
    } else {
      if (i + 2 >= text.size()) return std::nullopt;  // '%' needs two hex digits
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return out;
}

}  // namespace lectern::client
