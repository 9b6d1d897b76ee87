#include "store_classes.hpp"

#include <string>

namespace lectern::server {
namespace {

std::string class_query(std::string_view tail) {
  std::string sql = "SELECT id, room_id, started_at, ended_at, started_by FROM class_sessions ";
  sql += tail;
  return sql;
}

std::string attendance_query(std::string_view tail) {
  std::string sql =
      "SELECT id, room_id, class_session_id, participant_id, role, display_name, via, peer, "
      "joined_at, left_at FROM attendance ";
  sql += tail;
  return sql;
}

attendance_record read_attendance(const statement& s) {
  attendance_record r;
  r.id = s.int64(0);
  r.room_id = s.int64(1);
  r.class_session_id = s.optional_int64(2);
  r.participant_id = s.text(3);
  r.role = s.text(4);
  r.display_name = s.text(5);
  r.via = s.text(6);
  r.peer = s.text(7);
  r.joined_at = s.int64(8);
  r.left_at = s.optional_int64(9);
  return r;
}

}  // namespace

class_sessions_repo::class_sessions_repo(sqlite_db& db)
    : db_(db),
      insert_(db, "INSERT INTO class_sessions (room_id, started_at, started_by) VALUES (?, ?, ?)"),
      end_(db, "UPDATE class_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL"),
      end_open_in_room_(db,
                        "UPDATE class_sessions SET ended_at = ? "
                        "WHERE room_id = ? AND ended_at IS NULL"),
      find_(db, class_query("WHERE id = ?")),
      open_for_(db, class_query("WHERE room_id = ? AND ended_at IS NULL")),
      list_(db, class_query("WHERE room_id = ? ORDER BY started_at DESC, id DESC")),
      close_all_(db, "UPDATE class_sessions SET ended_at = ? WHERE ended_at IS NULL") {}

std::int64_t class_sessions_repo::start(std::int64_t room_id, std::int64_t now,
                                        std::string_view started_by) {
  transaction tx(db_);
  end_open_in_room_.bind_all(now, room_id).exec();
  insert_.bind_all(room_id, now, started_by).exec();
  const auto id = db_.last_insert_rowid();
  tx.commit();
  return id;
}

bool class_sessions_repo::end(std::int64_t id, std::int64_t now) {
  return end_.bind_all(now, id).exec() > 0;
}

std::optional<class_session_record> class_sessions_repo::read_one(statement& s) {
  statement_reset guard(s);
  if (!s.step()) return std::nullopt;
  return class_session_record{s.int64(0), s.int64(1), s.int64(2), s.optional_int64(3), s.text(4)};
}

std::optional<class_session_record> class_sessions_repo::find(std::int64_t id) {
  return read_one(find_.bind_all(id));
}

std::optional<class_session_record> class_sessions_repo::open_for(std::int64_t room_id) {
  return read_one(open_for_.bind_all(room_id));
}

std::vector<class_session_record> class_sessions_repo::list(std::int64_t room_id) {
  std::vector<class_session_record> out;
  auto& s = list_.bind_all(room_id);
  statement_reset guard(s);
  while (s.step())
    out.push_back({s.int64(0), s.int64(1), s.int64(2), s.optional_int64(3), s.text(4)});
  return out;
}

std::int64_t class_sessions_repo::close_all_open(std::int64_t now) {
  return close_all_.bind_all(now).exec();
}

attendance_repo::attendance_repo(sqlite_db& db)
    : db_(db),
      join_(db,
            "INSERT INTO attendance (room_id, class_session_id, participant_id, role, "
            "display_name, via, peer, joined_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      leave_(db, "UPDATE attendance SET left_at = ? WHERE id = ? AND left_at IS NULL"),
      list_room_(db, attendance_query("WHERE room_id = ? ORDER BY joined_at, id")),
      // A class's attendance is everyone present while it ran, by time, not only the rows
      // that joined during it: students who waited in the room for the class to start
      // count too, and someone who left before it started does not.
      list_class_(db,
                  "SELECT a.id, a.room_id, a.class_session_id, a.participant_id, a.role, "
                  "a.display_name, a.via, a.peer, a.joined_at, a.left_at FROM attendance a "
                  "JOIN class_sessions c ON c.id = ? AND c.room_id = a.room_id "
                  "WHERE a.room_id = ? AND (c.ended_at IS NULL OR a.joined_at < c.ended_at) "
                  "AND (a.left_at IS NULL OR a.left_at > c.started_at) "
                  "ORDER BY a.joined_at, a.id"),
      close_all_(db, "UPDATE attendance SET left_at = ? WHERE left_at IS NULL") {}

std::int64_t attendance_repo::join(const attendance_fields& f) {
  join_
      .bind_all(f.room_id, f.class_session_id, f.participant_id, f.role, f.display_name, f.via,
                f.peer, f.joined_at)
      .exec();
  return db_.last_insert_rowid();
}

bool attendance_repo::leave(std::int64_t id, std::int64_t now) {
  return leave_.bind_all(now, id).exec() > 0;
}

std::vector<attendance_record> attendance_repo::list(std::int64_t room_id,
                                                     std::optional<std::int64_t> class_session_id) {
  auto& s = class_session_id ? list_class_.bind_all(*class_session_id, room_id)
                             : list_room_.bind_all(room_id);
  std::vector<attendance_record> out;
  statement_reset guard(s);
  while (s.step()) out.push_back(read_attendance(s));
  return out;
}

std::int64_t attendance_repo::close_all_open(std::int64_t now) {
  return close_all_.bind_all(now).exec();
}

}  // namespace lectern::server
