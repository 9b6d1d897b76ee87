#pragma once
// Internal to classroom*.cpp: the live side of one room.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>
#include <vector>

#include "classroom.hpp"
#include "so_write_batch.hpp"

namespace lectern::server {

struct classroom::runtime {
  explicit runtime(std::int64_t room_id) : id(room_id) {}
  const std::int64_t id;
  std::mutex mutex;                   // guards everything below
  std::unique_ptr<room_state> state;  // null while loading, or when the room is gone
  bool loaded = false;
  bool retired = false;  // removed from the map: callers must look again
  std::vector<room_fn> pending;
  std::unordered_map<conn_handle, std::shared_ptr<control_conn>> conns;
  std::map<std::pair<std::uint64_t, std::uint32_t>, rtmp_activity> rtmp;
  std::set<std::pair<std::uint64_t, std::uint32_t>> publishing;  // keys of `rtmp` that publish
  // Publications of the teacher's stream: a reconnecting teacher's new session starts
  // before the old one is told to stop, so "live" is a count, not a flag.
  int teacher_publications = 0;
  // Attendance keys whose join row was queued: their leave is stored whatever the queue's
  // state (classroom::attendance_leave). At most one per connection of the room.
  std::set<std::string> attendance_open;
  // Persistent shared-object changes not yet handed to the store (classroom_persist.cpp).
  so_write_batch unsaved;
  bool listed = false;  // the room is in classroom::dirty_
  // A batch of this room waits in the store's queue (cleared by the job, on the store thread).
  std::shared_ptr<std::atomic<bool>> batch_queued = std::make_shared<std::atomic<bool>>(false);
  bool teacher_live() const { return teacher_publications > 0; }
};

}  // namespace lectern::server
