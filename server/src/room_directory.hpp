#pragma once

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lectern::server {

/// What the RTMP and HTTP paths need to know about a room without a database round trip.
struct room_summary {
  std::int64_t id = 0;
  std::string name;
  bool is_public = true;
  int max_students = 100;
  int buffer_ms = 1000;
  bool record = false;
  std::string welcome;
};

/// A token's meaning: which room, which role.
struct token_grant {
  std::int64_t room_id = 0;
  std::string role;         ///< "teacher", "student" or "speaker"
  std::string participant;  ///< speakers: the participant the grant was given to
  std::string stream;       ///< speakers: the one stream name they may publish ("3-p7")
};

/// The in-memory mirror of rooms and active tokens: loaded from the store at start, kept
/// up to date by the API when rooms or tokens change, and read by every RTMP publish and
/// play (so authorization never waits for SQLite). Tokens are kept only as SHA-256
/// hashes, like in the database. Thread-safe.
class room_directory {
 public:
  void put_room(room_summary r);
  void remove_room(std::int64_t id);
  std::optional<room_summary> room(std::int64_t id) const;
  /// Every room, by id.
  std::vector<room_summary> rooms() const;

  /// Replaces the active token of `role` in `room_id` (rotation) or adds it.
  void put_token(std::string token_hash, std::int64_t room_id, std::string role);
  /// A speak grant: `token_hash` may publish `stream` until revoked.
  void put_grant(std::string token_hash, token_grant grant);
  void revoke_grant(std::string_view stream);
  std::optional<token_grant> find(std::string_view token_hash) const;

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::int64_t, room_summary> rooms_;
  std::unordered_map<std::string, token_grant> tokens_;  // by hash
};

}  // namespace lectern::server
