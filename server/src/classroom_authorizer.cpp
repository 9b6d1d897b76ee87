#include "classroom_authorizer.hpp"

#include <charconv>

#include "http_util.hpp"

namespace lectern::server {

classroom_stream parse_classroom_stream(std::string_view app, std::string_view name) {
  classroom_stream out;
  if (app != "live") return out;
  const auto dash = name.find('-');
  const auto id_part = name.substr(0, dash);
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(id_part.data(), id_part.data() + id_part.size(), id);
  if (ec != std::errc() || end != id_part.data() + id_part.size() || id <= 0) return out;
  out.room_id = id;
  if (dash != std::string_view::npos) {
    out.suffix = std::string(name.substr(dash + 1));
    if (out.suffix.empty()) return out;
  }
  out.valid = true;
  return out;
}

std::string query_value(std::string_view query, std::string_view key) {
  for (auto& [k, v] : parse_query(query)) {
    if (k == key) return std::move(v);
  }
  return {};
}

namespace {

access_decision refuse(std::string reason) {
  access_decision d;
  d.reason = std::move(reason);
  return d;
}

std::string room_text(std::int64_t id) {
  return "room " + std::to_string(id);
}

constexpr std::string_view k_name_help =
    "stream names are live/ROOM (the teacher), live/ROOM-screen and live/ROOM-PARTICIPANT, "
    "with ?token=TOKEN from the room's join link";

}  // namespace

classroom_authorizer::classroom_authorizer(const room_directory& rooms,
                                           std::function<std::string(std::string_view)> hash)
    : rooms_(rooms), hash_(std::move(hash)) {}

access_decision classroom_authorizer::publish(const access_request& r) {
  const auto s = parse_classroom_stream(r.app, r.stream);
  if (!s.valid) return refuse("not a classroom stream; " + std::string(k_name_help) + ".");
  const auto room = rooms_.room(s.room_id);
  if (!room) return refuse(room_text(s.room_id) + " does not exist.");
  const auto token = query_value(r.query, "token");
  if (token.empty()) {
    return refuse(
        "publishing needs the teacher's token: add ?token=TOKEN from the teacher "
        "join link.");
  }
  const auto grant = rooms_.find(hash_(token));
  if (!grant || grant->room_id != s.room_id) {
    return refuse("the token is not valid for " + room_text(s.room_id) +
                  " (it may have been rotated); ask the room's admin for a fresh link.");
  }
  access_decision d;
  d.room_id = s.room_id;
  d.role = grant->role;
  d.participant =
      grant->role == "speaker" ? grant->participant : query_value(r.query, "participant");
  if (grant->role == "teacher" && (s.suffix.empty() || s.suffix == "screen")) {
    d.allowed = true;
    d.principal = "room:" + std::to_string(s.room_id) + ":teacher";
    d.record = room->record && s.suffix.empty();
    return d;
  }
  if (grant->role == "speaker" && grant->stream == r.stream) {
    d.allowed = true;
    d.principal = "grant:" + std::string(r.stream);
    return d;
  }
  if (grant->role == "student") {
    return refuse(
        "a student may publish only after the teacher grants the right to speak; "
        "the grant comes with its own publish token.");
  }
  return refuse("this token may not publish " + std::string(r.stream) + ".");
}

access_decision classroom_authorizer::play(const access_request& r) {
  const auto s = parse_classroom_stream(r.app, r.stream);
  if (!s.valid) return refuse("not a classroom stream; " + std::string(k_name_help) + ".");
  const auto room = rooms_.room(s.room_id);
  if (!room) return refuse(room_text(s.room_id) + " does not exist.");
  access_decision d;
  d.room_id = s.room_id;
  d.participant = query_value(r.query, "participant");
  const auto token = query_value(r.query, "token");
  const auto grant = token.empty() ? std::nullopt : rooms_.find(hash_(token));
  if (grant && grant->room_id == s.room_id) {
    d.allowed = true;
    d.role = grant->role == "teacher" ? "teacher" : "student";
    d.principal = "room:" + std::to_string(s.room_id) + ":" + d.role;
    return d;
  }
  if (room->is_public) {
    d.allowed = true;
    d.role = "guest";
    return d;
  }
  if (token.empty()) {
    return refuse(room_text(s.room_id) +
                  " is private: add ?token=TOKEN from the student join link.");
  }
  return refuse("the token is not valid for " + room_text(s.room_id) +
                " (it may have been rotated); ask the teacher for a fresh link.");
}

}  // namespace lectern::server
