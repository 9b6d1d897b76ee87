// The records the store reads and writes: plain structs, std::optional for nullable columns.
// All times are unix milliseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lectern::server {

/// An administrator of the web panel.
struct admin_record {
  std::int64_t id = 0;
  std::string username;
  std::string password_hash;  // crypto.hpp hash_password()
  std::int64_t created_at = 0;
  std::optional<std::int64_t> last_login_at;
};

/// A valid (unexpired) admin login session, joined with its admin's name.
struct admin_session_record {
  std::int64_t id = 0;
  std::int64_t admin_id = 0;
  std::string username;
  std::string csrf_token;
  std::int64_t expires_at = 0;
};

/// What an admin sets when creating a room.
struct room_fields {
  std::string name;
  bool is_public = true;
  std::int64_t max_students = 100;
  std::int64_t buffer_ms = 1000;
  bool record = false;
  std::string welcome;
};

/// A partial room update: only the fields that are set change.
struct room_patch {
  std::optional<std::string> name;
  std::optional<bool> is_public;
  std::optional<std::int64_t> max_students;
  std::optional<std::int64_t> buffer_ms;
  std::optional<bool> record;
  std::optional<std::string> welcome;
};

/// A stored room.
struct room_record : room_fields {
  std::int64_t id = 0;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

/// A room token: the database keeps the nonce (to derive the token again with the server
/// secret) and sha256_hex(token), never the token.
struct room_token_record {
  std::int64_t id = 0;
  std::int64_t room_id = 0;
  std::string role;  // "teacher" or "student"
  std::string nonce;
  std::string token_hash;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> revoked_at;
};

/// One class held in a room, from start to end.
struct class_session_record {
  std::int64_t id = 0;
  std::int64_t room_id = 0;
  std::int64_t started_at = 0;
  std::optional<std::int64_t> ended_at;  // nullopt while the class runs
  std::string started_by;
};

/// Who joined a room, how and when.
struct attendance_fields {
  std::int64_t room_id = 0;
  std::optional<std::int64_t> class_session_id;
  std::string participant_id;
  std::string role;
  std::string display_name;
  std::string via;  // "rtmp", "ws" or "http"
  std::string peer;
  std::int64_t joined_at = 0;
};

struct attendance_record : attendance_fields {
  std::int64_t id = 0;
  std::optional<std::int64_t> left_at;  // nullopt while present
};

/// A finished or running FLV recording.
struct recording_fields {
  std::optional<std::int64_t> room_id;  // nullopt once the room is deleted
  std::string stream;
  std::string path;
  std::int64_t started_at = 0;
  std::int64_t duration_ms = 0;
  std::int64_t size_bytes = 0;
  std::int64_t created_at = 0;
};

struct recording_record : recording_fields {
  std::int64_t id = 0;
};

/// One slot of a persistent shared object; value_json is serialized JSON.
struct shared_slot {
  std::string slot;
  std::string value_json;
  std::int64_t version = 0;
};

/// A persistent shared object with all its slots.
struct shared_object_record {
  std::string name;
  std::int64_t version = 0;
  std::int64_t updated_at = 0;
  std::vector<shared_slot> slots;
};

/// A change to save: a new value, or nullopt to delete the slot.
struct shared_slot_change {
  std::string slot;
  std::optional<std::string> value_json;
  std::int64_t version = 0;
};

/// One admin audit log entry.
struct audit_fields {
  std::int64_t at = 0;
  std::optional<std::int64_t> admin_id;
  std::string actor;
  std::string action;
  std::string target;
  std::string detail_json = "{}";
  std::string peer;
};

struct audit_record : audit_fields {
  std::int64_t id = 0;
};

}  // namespace lectern::server
