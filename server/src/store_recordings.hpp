// Store repositories for recordings and the admin audit log: both outlive the room or admin
// they mention.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "sqlite_db.hpp"
#include "store_types.hpp"

namespace lectern::server {

/// The recordings table.
class recordings_repo {
 public:
  explicit recordings_repo(sqlite_db& db);

  /// Throws store_error if the path is already recorded.
  std::int64_t add(const recording_fields& fields);
  /// Updates duration and size when a recording is finalized; false if it does not exist.
  bool set_stats(std::int64_t id, std::int64_t duration_ms, std::int64_t size_bytes);
  /// Newest first; all rooms, or one room's.
  std::vector<recording_record> list(std::optional<std::int64_t> room_id = {});
  std::optional<recording_record> find(std::int64_t id);
  std::optional<recording_record> find_by_path(std::string_view path);
  bool remove(std::int64_t id);

 private:
  std::optional<recording_record> read_one(statement& s);
  std::vector<recording_record> read_all(statement& s);

  sqlite_db& db_;
  statement add_;
  statement set_stats_;
  statement list_all_;
  statement list_room_;
  statement find_;
  statement find_by_path_;
  statement remove_;
};

/// The audit_log table: who did what in the admin API.
class audit_repo {
 public:
  explicit audit_repo(sqlite_db& db);

  std::int64_t add(const audit_fields& fields);
  /// Up to `limit` entries, newest first, older than `before_id` if given (paging).
  std::vector<audit_record> list(std::int64_t limit, std::optional<std::int64_t> before_id = {});

 private:
  sqlite_db& db_;
  statement add_;
  statement list_;
};

}  // namespace lectern::server
