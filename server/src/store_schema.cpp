#include "store_schema.hpp"

#include <array>
#include <string>
#include <string_view>

namespace lectern::server {
namespace {

// Step N takes a file from user_version N-1 to N. Steps are only ever appended: a released
// step never changes, since files in the field have already run it.
// Times are unix milliseconds. Foreign keys cascade where the child means nothing without its
// parent; recordings and the audit log outlive the room or admin they mention (SET NULL).
constexpr std::string_view k_v1 = R"sql(
CREATE TABLE admins (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_login_at INTEGER
);

CREATE TABLE admin_sessions (
  id INTEGER PRIMARY KEY,
  admin_id INTEGER NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  peer TEXT NOT NULL DEFAULT ''
);
CREATE INDEX admin_sessions_admin ON admin_sessions(admin_id);
CREATE INDEX admin_sessions_expires ON admin_sessions(expires_at);

-- AUTOINCREMENT: a deleted room's id (which is in its links) is never given to a new room.
CREATE TABLE rooms (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  is_public INTEGER NOT NULL DEFAULT 1 CHECK (is_public IN (0, 1)),
  max_students INTEGER NOT NULL DEFAULT 100 CHECK (max_students >= 0),
  buffer_ms INTEGER NOT NULL DEFAULT 1000 CHECK (buffer_ms >= 0),
  record INTEGER NOT NULL DEFAULT 0 CHECK (record IN (0, 1)),
  welcome TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE room_tokens (
  id INTEGER PRIMARY KEY,
  room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('teacher', 'student')),
  nonce TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX room_tokens_room ON room_tokens(room_id);
-- At most one active token per room and role.
CREATE UNIQUE INDEX room_tokens_active ON room_tokens(room_id, role) WHERE revoked_at IS NULL;

CREATE TABLE class_sessions (
  id INTEGER PRIMARY KEY,
  room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  started_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX class_sessions_room ON class_sessions(room_id, started_at);
-- At most one open class per room.
CREATE UNIQUE INDEX class_sessions_open ON class_sessions(room_id) WHERE ended_at IS NULL;

CREATE TABLE attendance (
  id INTEGER PRIMARY KEY,
  room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  class_session_id INTEGER REFERENCES class_sessions(id) ON DELETE SET NULL,
  participant_id TEXT NOT NULL,
  role TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  via TEXT NOT NULL CHECK (via IN ('rtmp', 'ws', 'http')),
  peer TEXT NOT NULL DEFAULT '',
  joined_at INTEGER NOT NULL,
  left_at INTEGER
);
CREATE INDEX attendance_room ON attendance(room_id, joined_at);
CREATE INDEX attendance_class ON attendance(class_session_id);
CREATE INDEX attendance_open ON attendance(id) WHERE left_at IS NULL;

CREATE TABLE recordings (
  id INTEGER PRIMARY KEY,
  room_id INTEGER REFERENCES rooms(id) ON DELETE SET NULL,
  stream TEXT NOT NULL,
  path TEXT NOT NULL UNIQUE,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  size_bytes INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX recordings_room ON recordings(room_id, started_at);
CREATE INDEX recordings_started ON recordings(started_at);

CREATE TABLE shared_objects (
  room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (room_id, name)
) WITHOUT ROWID;

CREATE TABLE shared_object_slots (
  room_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  slot TEXT NOT NULL,
  value_json TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (room_id, name, slot),
  FOREIGN KEY (room_id, name) REFERENCES shared_objects(room_id, name) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  admin_id INTEGER REFERENCES admins(id) ON DELETE SET NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  detail_json TEXT NOT NULL DEFAULT '{}',
  peer TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_admin ON audit_log(admin_id);
)sql";

constexpr std::array<std::string_view, 1> k_steps = {k_v1};

}  // namespace

int latest_schema_version() noexcept {
  return static_cast<int>(k_steps.size());
}

int migrate(sqlite_db& db) {
  const int found = db.user_version();
  const int latest = latest_schema_version();
  if (found < 0) {
    std::string m = db.file().filename().string();
    m += " has an invalid schema version ";
    m += std::to_string(found);
    m += "; it was not written by lectern-server";
    throw store_error(m);
  }
  if (found > latest) {
    std::string m = db.file().filename().string();
    m += " has schema version ";
    m += std::to_string(found);
    m += " but this lectern-server knows up to ";
    m += std::to_string(latest);
    m += "; use a newer lectern-server or restore a backup";
    throw store_error(m);
  }
  for (int v = found + 1; v <= latest; ++v) {
    // user_version lives in the file header, so it commits (or rolls back) with the step.
    transaction tx(db);
    std::string what = "migrating the schema to version ";
    what += std::to_string(v);
    db.exec(k_steps[static_cast<std::size_t>(v - 1)], what);
    db.set_user_version(v);
    tx.commit();
  }
  return latest;
}

}  // namespace lectern::server
