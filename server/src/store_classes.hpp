// Store repositories for classes held in rooms and the attendance of each participant.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "sqlite_db.hpp"
#include "store_types.hpp"

namespace lectern::server {

/// The class_sessions table: at most one open class per room.
class class_sessions_repo {
 public:
  explicit class_sessions_repo(sqlite_db& db);

  /// Opens a class in the room. A class still open there is ended at `now` first (in the same
  /// transaction), since a room holds one class at a time.
  std::int64_t start(std::int64_t room_id, std::int64_t now, std::string_view started_by);
  /// Ends an open class; false if it does not exist or has already ended.
  bool end(std::int64_t id, std::int64_t now);
  std::optional<class_session_record> find(std::int64_t id);
  std::optional<class_session_record> open_for(std::int64_t room_id);
  /// The room's classes, newest first.
  std::vector<class_session_record> list(std::int64_t room_id);
  /// Ends every open class at `now` (at start-up: classes a crash left open); returns how many.
  std::int64_t close_all_open(std::int64_t now);

 private:
  std::optional<class_session_record> read_one(statement& s);

  sqlite_db& db_;
  statement insert_;
  statement end_;
  statement end_open_in_room_;
  statement find_;
  statement open_for_;
  statement list_;
  statement close_all_;
};

/// The attendance table: one row per join, closed when the participant leaves.
class attendance_repo {
 public:
  explicit attendance_repo(sqlite_db& db);

  std::int64_t join(const attendance_fields& fields);
  /// Records the leave; false if the row does not exist or was already closed.
  bool leave(std::int64_t id, std::int64_t now);
  /// The room's attendance in join order, optionally only one class's: the rows whose
  /// presence overlaps the class (joined before it ended, left after it started).
  std::vector<attendance_record> list(std::int64_t room_id,
                                      std::optional<std::int64_t> class_session_id = {});
  /// Closes every open row at `now` (at start-up, after a crash); returns how many.
  std::int64_t close_all_open(std::int64_t now);

 private:
  sqlite_db& db_;
  statement join_;
  statement leave_;
  statement list_room_;
  statement list_class_;
  statement close_all_;
};

}  // namespace lectern::server
