#include "lectern/client/join_link.hpp"

#include <algorithm>
#include <cctype>

#include "url.hpp"

namespace lectern::client {
namespace {

constexpr std::string_view k_shape =
    "a join link looks like http://HOST:PORT/join/ROOM?token=TOKEN";

client_error bad_link(std::string what) {
  std::string m = std::move(what);
  m += " (";
  m += k_shape;
  m += ')';
  return {error_kind::bad_link, std::move(m)};
}

std::string in_quotes(std::string_view s) {
  std::string out = "\"";
  out += s;
  out += '"';
  return out;
}

client_error https_refused() {
  return {error_kind::unsupported,
          "https links are not supported yet; ask for the http:// link of the room"};
}

// Room ids are positive decimal integers (the server's database row id).
result<std::uint64_t> parse_room(std::string_view text) {
  if (text.empty()) return bad_link("the room id is missing");
  if (text.size() > 18 ||
      !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
    std::string m = "the room id ";
    m += in_quotes(text);
    m += " is not a number";
    return bad_link(std::move(m));
  }
  const std::uint64_t id = std::stoull(std::string(text));
  if (id == 0) return bad_link("the room id must not be 0");
  return id;
}

result<join_link> finish(const url_parts& u, std::string_view room, std::string_view token) {
  auto id = parse_room(room);
  if (!id) return id.error();
  if (token.empty()) return bad_link("the token is missing");
  join_link out;
  out.host = u.host;
  out.port = u.port.empty() ? "80" : u.port;
  out.http_base = "http://";
  out.http_base += host_and_port(out.host, out.port);
  out.room_id = id.value();
  out.token = token;
  return out;
}

}  // namespace

std::string join_link::url() const {
  std::string out = http_base;
  out += "/join/";
  out += std::to_string(room_id);
  out += "?token=";
  out += percent_encode(token);
  return out;
}

result<join_link> parse_join_link(std::string_view link) {
  while (!link.empty() && std::isspace(static_cast<unsigned char>(link.front())))
    link.remove_prefix(1);
  while (!link.empty() && std::isspace(static_cast<unsigned char>(link.back())))
    link.remove_suffix(1);
  if (link.empty()) return bad_link("the join link is empty");
  auto u = parse_url(link);
  if (!u) return bad_link(u.error().message);
  if (u->scheme == "https") return https_refused();
  if (u->scheme != "http")
    return bad_link(concat("the link must start with http://, not ", in_quotes(u->scheme), "://"));
  std::string_view path = u->target;
  path = path.substr(0, path.find('?'));
  constexpr std::string_view k_prefix = "/join/";
  if (path.substr(0, k_prefix.size()) != k_prefix) {
    return bad_link(concat("the path ", in_quotes(path), " is not /join/ROOM"));
  }
  path.remove_prefix(k_prefix.size());
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);  // a pasted trailing slash
  if (path.find('/') != std::string_view::npos) {
    return bad_link("the path has more than /join/ROOM");
  }
  auto token = query_param(u->target, "token");
  if (!token && u->target.find("token=") != std::string::npos) {
    return bad_link("the token has a broken %-escape");
  }
  return finish(u.value(), path, token.value_or(""));
}

result<join_link> make_join_link(std::string_view server, std::string_view room,
                                 std::string_view token) {
  std::string url(server);
  const bool has_scheme = url.find("://") != std::string::npos;
  if (!has_scheme) url.insert(0, "http://");
  auto u = parse_url(url);
  if (!u) {
    std::string m = "--server ";
    m += in_quotes(server);
    m += " is not HOST, HOST:PORT or http://HOST:PORT: ";
    m += u.error().message;
    return client_error{error_kind::bad_link, std::move(m)};
  }
  if (u->scheme == "https") return https_refused();
  if (u->scheme != "http") return bad_link("--server must be an http:// address");
  if (u->target != "/") return bad_link("--server must not have a path, only HOST:PORT");
  if (!has_scheme && u->port.empty()) u->port = "8080";  // lectern-server's default HTTP port
  return finish(u.value(), room, token);
}

}  // namespace lectern::client
