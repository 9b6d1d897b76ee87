#include "store_rooms.hpp"

namespace lectern::server {
namespace {

constexpr std::string_view k_room_columns =
    "id, name, is_public, max_students, buffer_ms, record, welcome, created_at, updated_at";

std::string room_query(std::string_view tail) {
  std::string sql = "SELECT ";
  sql += k_room_columns;
  sql += " FROM rooms";
  sql += tail;
  return sql;
}

room_record read_room(const statement& s) {
  room_record r;
  r.id = s.int64(0);
  r.name = s.text(1);
  r.is_public = s.boolean(2);
  r.max_students = s.int64(3);
  r.buffer_ms = s.int64(4);
  r.record = s.boolean(5);
  r.welcome = s.text(6);
  r.created_at = s.int64(7);
  r.updated_at = s.int64(8);
  return r;
}

constexpr std::string_view k_token_columns =
    "SELECT id, room_id, role, nonce, token_hash, created_at, revoked_at FROM room_tokens ";

std::string token_query(std::string_view tail) {
  std::string sql(k_token_columns);
  sql += tail;
  return sql;
}

room_token_record read_token(const statement& s) {
  return room_token_record{s.int64(0), s.int64(1), s.text(2),          s.text(3),
                           s.text(4),  s.int64(5), s.optional_int64(6)};
}

}  // namespace

rooms_repo::rooms_repo(sqlite_db& db)
    : db_(db),
      create_(db,
              "INSERT INTO rooms (name, is_public, max_students, buffer_ms, record, welcome, "
              "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      find_(db, room_query(" WHERE id = ?")),
      list_(db, room_query(" ORDER BY id")),
      // coalesce(NULL, column) keeps the column: one statement serves every patch.
      update_(db,
              "UPDATE rooms SET name = coalesce(?, name), is_public = coalesce(?, is_public), "
              "max_students = coalesce(?, max_students), buffer_ms = coalesce(?, buffer_ms), "
              "record = coalesce(?, record), welcome = coalesce(?, welcome), updated_at = ? "
              "WHERE id = ?"),
      remove_(db, "DELETE FROM rooms WHERE id = ?") {}

room_record rooms_repo::create(const room_fields& f, std::int64_t now) {
  create_.bind_all(f.name, f.is_public, f.max_students, f.buffer_ms, f.record, f.welcome, now, now)
      .exec();
  room_record r;
  static_cast<room_fields&>(r) = f;
  r.id = db_.last_insert_rowid();
  r.created_at = now;
  r.updated_at = now;
  return r;
}

std::optional<room_record> rooms_repo::find(std::int64_t id) {
  auto& s = find_.bind_all(id);
  statement_reset guard(s);
  if (!s.step()) return std::nullopt;
  return read_room(s);
}

std::vector<room_record> rooms_repo::list() {
  std::vector<room_record> out;
  auto& s = list_.bind_all();
  statement_reset guard(s);
  while (s.step()) out.push_back(read_room(s));
  return out;
}

std::optional<room_record> rooms_repo::update(std::int64_t id, const room_patch& p,
                                              std::int64_t now) {
  const auto changed =
      update_
          .bind_all(p.name, p.is_public, p.max_students, p.buffer_ms, p.record, p.welcome, now, id)
          .exec();
  if (changed == 0) return std::nullopt;
  return find(id);
}

bool rooms_repo::remove(std::int64_t id) {
  return remove_.bind_all(id).exec() > 0;
}

room_tokens_repo::room_tokens_repo(sqlite_db& db)
    : db_(db),
      insert_(db,
              "INSERT INTO room_tokens (room_id, role, nonce, token_hash, created_at) "
              "VALUES (?, ?, ?, ?, ?)"),
      revoke_(db,
              "UPDATE room_tokens SET revoked_at = ? "
              "WHERE room_id = ? AND role = ? AND revoked_at IS NULL"),
      // 'teacher' sorts after 'student': DESC puts the teacher first.
      active_(db, token_query("WHERE room_id = ? AND revoked_at IS NULL ORDER BY role DESC")),
      all_active_(db, token_query("WHERE revoked_at IS NULL ORDER BY room_id, role DESC")),
      find_by_hash_(db, token_query("WHERE token_hash = ? AND revoked_at IS NULL")) {}

std::int64_t room_tokens_repo::set_active(std::int64_t room_id, std::string_view role,
                                          std::string_view nonce, std::string_view token_hash,
                                          std::int64_t now) {
  transaction tx(db_);
  revoke_.bind_all(now, room_id, role).exec();
  insert_.bind_all(room_id, role, nonce, token_hash, now).exec();
  const auto id = db_.last_insert_rowid();
  tx.commit();
  return id;
}

std::vector<room_token_record> room_tokens_repo::read_all(statement& s) {
  std::vector<room_token_record> out;
  statement_reset guard(s);
  while (s.step()) out.push_back(read_token(s));
  return out;
}

std::vector<room_token_record> room_tokens_repo::active(std::int64_t room_id) {
  return read_all(active_.bind_all(room_id));
}

std::vector<room_token_record> room_tokens_repo::all_active() {
  return read_all(all_active_.bind_all());
}

std::optional<room_token_record> room_tokens_repo::find_by_hash(std::string_view token_hash) {
  auto& s = find_by_hash_.bind_all(token_hash);
  statement_reset guard(s);
  if (!s.step()) return std::nullopt;
  return read_token(s);
}

bool room_tokens_repo::revoke(std::int64_t room_id, std::string_view role, std::int64_t now) {
  return revoke_.bind_all(now, room_id, role).exec() > 0;
}

}  // namespace lectern::server
