#include "store_admins.hpp"

namespace lectern::server {

admins_repo::admins_repo(sqlite_db& db)
    : db_(db),
      count_(db, "SELECT count(*) FROM admins"),
      create_(db, "INSERT INTO admins (username, password_hash, created_at) VALUES (?, ?, ?)"),
      find_(db,
            "SELECT id, username, password_hash, created_at, last_login_at FROM admins "
            "WHERE id = ?"),
      find_by_username_(db,
                        "SELECT id, username, password_hash, created_at, last_login_at "
                        "FROM admins WHERE username = ?"),
      set_password_(db, "UPDATE admins SET password_hash = ? WHERE id = ?"),
      touch_login_(db, "UPDATE admins SET last_login_at = ? WHERE id = ?") {}

std::int64_t admins_repo::count() {
  statement_reset guard(count_);
  count_.step();
  return count_.int64(0);
}

std::int64_t admins_repo::create(std::string_view username, std::string_view password_hash,
                                 std::int64_t now) {
  create_.bind_all(username, password_hash, now).exec();
  return db_.last_insert_rowid();
}

std::optional<admin_record> admins_repo::read_one(statement& s) {
  statement_reset guard(s);
  if (!s.step()) return std::nullopt;
  return admin_record{s.int64(0), s.text(1), s.text(2), s.int64(3), s.optional_int64(4)};
}

std::optional<admin_record> admins_repo::find(std::int64_t id) {
  return read_one(find_.bind_all(id));
}

std::optional<admin_record> admins_repo::find_by_username(std::string_view username) {
  return read_one(find_by_username_.bind_all(username));
}

bool admins_repo::set_password(std::int64_t id, std::string_view password_hash) {
  return set_password_.bind_all(password_hash, id).exec() > 0;
}

bool admins_repo::touch_login(std::int64_t id, std::int64_t now) {
  return touch_login_.bind_all(now, id).exec() > 0;
}

admin_sessions_repo::admin_sessions_repo(sqlite_db& db)
    : db_(db),
      create_(db,
              "INSERT INTO admin_sessions (admin_id, token_hash, csrf_token, created_at, "
              "expires_at, last_seen_at, peer) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      find_valid_(db,
                  "SELECT s.id, s.admin_id, a.username, s.csrf_token, s.expires_at "
                  "FROM admin_sessions s JOIN admins a ON a.id = s.admin_id "
                  "WHERE s.token_hash = ? AND s.expires_at > ?"),
      touch_(db, "UPDATE admin_sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?"),
      remove_(db, "DELETE FROM admin_sessions WHERE token_hash = ?"),
      remove_for_admin_(db, "DELETE FROM admin_sessions WHERE admin_id = ? AND id <> ?"),
      remove_expired_(db, "DELETE FROM admin_sessions WHERE expires_at <= ?") {}

std::int64_t admin_sessions_repo::create(std::int64_t admin_id, std::string_view token_hash,
                                         std::string_view csrf_token, std::int64_t now,
                                         std::int64_t expires_at, std::string_view peer) {
  create_.bind_all(admin_id, token_hash, csrf_token, now, expires_at, now, peer).exec();
  return db_.last_insert_rowid();
}

std::optional<admin_session_record> admin_sessions_repo::find_valid(std::string_view token_hash,
                                                                    std::int64_t now) {
  auto& s = find_valid_.bind_all(token_hash, now);
  statement_reset guard(s);
  if (!s.step()) return std::nullopt;
  return admin_session_record{s.int64(0), s.int64(1), s.text(2), s.text(3), s.int64(4)};
}

bool admin_sessions_repo::touch(std::int64_t id, std::int64_t now, std::int64_t new_expires_at) {
  return touch_.bind_all(now, new_expires_at, id).exec() > 0;
}

bool admin_sessions_repo::remove(std::string_view token_hash) {
  return remove_.bind_all(token_hash).exec() > 0;
}

std::int64_t admin_sessions_repo::remove_for_admin(std::int64_t admin_id, std::int64_t except) {
  return remove_for_admin_.bind_all(admin_id, except).exec();
}

std::int64_t admin_sessions_repo::remove_expired(std::int64_t now) {
  return remove_expired_.bind_all(now).exec();
}

}  // namespace lectern::server
