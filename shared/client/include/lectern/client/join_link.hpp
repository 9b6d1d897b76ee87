// Join links: http://HOST:PORT/join/ROOM_ID?token=TOKEN, the same shape for teachers and
// students (the token decides the role).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lectern/client/client_error.hpp"

namespace lectern::client {

/// A parsed join link: where the server's HTTP API is, which room, which token.
struct join_link {
  std::string http_base;  ///< "http://HOST:PORT", no trailing slash
  std::string host;       ///< without IPv6 brackets
  std::string port;       ///< always set ("80" when the link names none)
  std::uint64_t room_id = 0;
  std::string token;  ///< percent-decoded

  /// The link again, in canonical form (token percent-encoded).
  std::string url() const;
};

/// Parses a join link pasted by a user. The error message says which part is wrong and
/// what a link looks like; https links are refused as not supported yet.
result<join_link> parse_join_link(std::string_view link);

/// Builds a link from command-line parts: server "HOST", "HOST:PORT" or "http://HOST:PORT"
/// (port 8080 when only a host is given, 80 for an http:// URL without one), a room id
/// and a token.
result<join_link> make_join_link(std::string_view server, std::string_view room,
                                 std::string_view token);

}  // namespace lectern::client
