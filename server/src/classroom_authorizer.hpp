#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "authorizer.hpp"
#include "room_directory.hpp"

namespace lectern::server {

/// Stream names of a classroom (RTMP app "live"):
///   ROOM          the teacher's camera and microphone     (room id, e.g. "3")
///   ROOM-screen   the teacher's shared screen
///   ROOM-PID      a student who was called on ("3-p7")
struct classroom_stream {
  bool valid = false;
  std::int64_t room_id = 0;
  std::string suffix;  ///< "", "screen" or a participant id
};
classroom_stream parse_classroom_stream(std::string_view app, std::string_view name);

/// The value of `key` in a query string "a=1&token=x", percent-decoded as the HTTP API's
/// queries are. Empty when absent.
std::string query_value(std::string_view query, std::string_view key);

/// Token rules of design.md: a room's teacher token may publish ROOM and ROOM-screen, a
/// speak grant's token its one ROOM-PID stream; any token of the room may play the
/// room's streams, and so may anyone when the room is public.
class classroom_authorizer final : public authorizer {
 public:
  /// `hash` turns a token into the form the directory keeps (SHA-256 hex).
  classroom_authorizer(const room_directory& rooms,
                       std::function<std::string(std::string_view)> hash);
  access_decision publish(const access_request& r) override;
  access_decision play(const access_request& r) override;

 private:
  const room_directory& rooms_;
  std::function<std::string(std::string_view)> hash_;
};

}  // namespace lectern::server
