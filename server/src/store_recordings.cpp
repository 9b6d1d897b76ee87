#include "store_recordings.hpp"

#include <limits>
#include <string>

namespace lectern::server {
namespace {

std::string recording_query(std::string_view tail) {
  std::string sql =
      "SELECT id, room_id, stream, path, started_at, duration_ms, size_bytes, created_at "
      "FROM recordings ";
  sql += tail;
  return sql;
}

recording_record read_recording(const statement& s) {
  recording_record r;
  r.id = s.int64(0);
  r.room_id = s.optional_int64(1);
  r.stream = s.text(2);
  r.path = s.text(3);
  r.started_at = s.int64(4);
  r.duration_ms = s.int64(5);
  r.size_bytes = s.int64(6);
  r.created_at = s.int64(7);
  return r;
}

}  // namespace

recordings_repo::recordings_repo(sqlite_db& db)
    : db_(db),
      add_(db,
           "INSERT INTO recordings (room_id, stream, path, started_at, duration_ms, size_bytes, "
           "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      set_stats_(db, "UPDATE recordings SET duration_ms = ?, size_bytes = ? WHERE id = ?"),
      list_all_(db, recording_query("ORDER BY started_at DESC, id DESC")),
      list_room_(db, recording_query("WHERE room_id = ? ORDER BY started_at DESC, id DESC")),
      find_(db, recording_query("WHERE id = ?")),
      find_by_path_(db, recording_query("WHERE path = ?")),
      remove_(db, "DELETE FROM recordings WHERE id = ?") {}

std::int64_t recordings_repo::add(const recording_fields& f) {
  add_.bind_all(f.room_id, f.stream, f.path, f.started_at, f.duration_ms, f.size_bytes,
                f.created_at)
      .exec();
  return db_.last_insert_rowid();
}

bool recordings_repo::set_stats(std::int64_t id, std::int64_t duration_ms,
                                std::int64_t size_bytes) {
  return set_stats_.bind_all(duration_ms, size_bytes, id).exec() > 0;
}

std::optional<recording_record> recordings_repo::read_one(statement& s) {
  statement_reset guard(s);
  if (!s.step()) return std::nullopt;
  return read_recording(s);
}

std::vector<recording_record> recordings_repo::read_all(statement& s) {
  std::vector<recording_record> out;
  statement_reset guard(s);
  while (s.step()) out.push_back(read_recording(s));
  return out;
}

std::vector<recording_record> recordings_repo::list(std::optional<std::int64_t> room_id) {
  return room_id ? read_all(list_room_.bind_all(*room_id)) : read_all(list_all_.bind_all());
}

std::optional<recording_record> recordings_repo::find(std::int64_t id) {
  return read_one(find_.bind_all(id));
}

std::optional<recording_record> recordings_repo::find_by_path(std::string_view path) {
  return read_one(find_by_path_.bind_all(path));
}

bool recordings_repo::remove(std::int64_t id) {
  return remove_.bind_all(id).exec() > 0;
}

audit_repo::audit_repo(sqlite_db& db)
    : db_(db),
      add_(db,
           "INSERT INTO audit_log (at, admin_id, actor, action, target, detail_json, peer) "
           "VALUES (?, ?, ?, ?, ?, ?, ?)"),
      list_(db,
            "SELECT id, at, admin_id, actor, action, target, detail_json, peer FROM audit_log "
            "WHERE id < ? ORDER BY id DESC LIMIT ?") {}

std::int64_t audit_repo::add(const audit_fields& f) {
  add_.bind_all(f.at, f.admin_id, f.actor, f.action, f.target, f.detail_json, f.peer).exec();
  return db_.last_insert_rowid();
}

std::vector<audit_record> audit_repo::list(std::int64_t limit,
                                           std::optional<std::int64_t> before_id) {
  auto& s = list_.bind_all(before_id.value_or(std::numeric_limits<std::int64_t>::max()), limit);
  std::vector<audit_record> out;
  statement_reset guard(s);
  while (s.step()) {
    audit_record r;
    r.id = s.int64(0);
    r.at = s.int64(1);
    r.admin_id = s.optional_int64(2);
    r.actor = s.text(3);
    r.action = s.text(4);
    r.target = s.text(5);
    r.detail_json = s.text(6);
    r.peer = s.text(7);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace lectern::server
