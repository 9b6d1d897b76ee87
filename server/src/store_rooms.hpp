// Store repositories for rooms and their teacher/student tokens.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "sqlite_db.hpp"
#include "store_types.hpp"

namespace lectern::server {

/// The rooms table. Used only on the store thread.
class rooms_repo {
 public:
  explicit rooms_repo(sqlite_db& db);

  /// Throws store_error on values the schema refuses (negative max_students or buffer_ms).
  room_record create(const room_fields& fields, std::int64_t now);
  std::optional<room_record> find(std::int64_t id);
  /// All rooms by id.
  std::vector<room_record> list();
  /// Changes the fields set in `patch`; nullopt if there is no such room.
  std::optional<room_record> update(std::int64_t id, const room_patch& patch, std::int64_t now);
  /// Deletes the room with its tokens, classes, attendance and shared objects; its
  /// recordings stay with room_id = NULL. False if there was no such room.
  bool remove(std::int64_t id);

 private:
  sqlite_db& db_;
  statement create_;
  statement find_;
  statement list_;
  statement update_;
  statement remove_;
};

/// The room_tokens table: one active token per room and role, older ones kept revoked.
class room_tokens_repo {
 public:
  explicit room_tokens_repo(sqlite_db& db);

  /// Makes this the active token of `role` ("teacher" or "student") in the room, revoking the
  /// previous one in the same transaction. Returns the new token's id.
  std::int64_t set_active(std::int64_t room_id, std::string_view role, std::string_view nonce,
                          std::string_view token_hash, std::int64_t now);
  /// The room's active tokens (at most one per role), teacher first.
  std::vector<room_token_record> active(std::int64_t room_id);
  /// Every active token of every room (the server keeps them in memory).
  std::vector<room_token_record> all_active();
  /// The active token with this hash.
  std::optional<room_token_record> find_by_hash(std::string_view token_hash);
  /// Revokes the active token of `role`; false if there was none.
  bool revoke(std::int64_t room_id, std::string_view role, std::int64_t now);

 private:
  std::vector<room_token_record> read_all(statement& s);

  sqlite_db& db_;
  statement insert_;
  statement revoke_;
  statement active_;
  statement all_active_;
  statement find_by_hash_;
};

}  // namespace lectern::server
