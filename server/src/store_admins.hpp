// Store repositories for web panel administrators and their login sessions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "sqlite_db.hpp"
#include "store_types.hpp"

namespace lectern::server {

/// The admins table. Used only on the store thread.
class admins_repo {
 public:
  explicit admins_repo(sqlite_db& db);

  std::int64_t count();
  /// Throws store_error if the username is taken.
  std::int64_t create(std::string_view username, std::string_view password_hash, std::int64_t now);
  std::optional<admin_record> find(std::int64_t id);
  std::optional<admin_record> find_by_username(std::string_view username);
  /// False if there is no such admin.
  bool set_password(std::int64_t id, std::string_view password_hash);
  bool touch_login(std::int64_t id, std::int64_t now);

 private:
  std::optional<admin_record> read_one(statement& s);

  sqlite_db& db_;
  statement count_;
  statement create_;
  statement find_;
  statement find_by_username_;
  statement set_password_;
  statement touch_login_;
};

/// The admin_sessions table: the database keeps a hash of each session token.
class admin_sessions_repo {
 public:
  explicit admin_sessions_repo(sqlite_db& db);

  std::int64_t create(std::int64_t admin_id, std::string_view token_hash,
                      std::string_view csrf_token, std::int64_t now, std::int64_t expires_at,
                      std::string_view peer);
  /// The session with this token hash if it expires after `now`.
  std::optional<admin_session_record> find_valid(std::string_view token_hash, std::int64_t now);
  /// Records activity and slides the expiry.
  bool touch(std::int64_t id, std::int64_t now, std::int64_t new_expires_at);
  /// Logout. False if there was no such session.
  bool remove(std::string_view token_hash);
  /// Removes every session of one admin but `except` (after a password change: the session
  /// that changed it stays); returns how many.
  std::int64_t remove_for_admin(std::int64_t admin_id, std::int64_t except = 0);
  /// Removes sessions that expired at or before `now`; returns how many.
  std::int64_t remove_expired(std::int64_t now);

 private:
  sqlite_db& db_;
  statement create_;
  statement find_valid_;
  statement touch_;
  statement remove_;
  statement remove_for_admin_;
  statement remove_expired_;
};

}  // namespace lectern::server
