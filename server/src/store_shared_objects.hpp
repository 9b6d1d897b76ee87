// Store repository for persistent shared objects (docs/control-protocol.md): each object is a
// row with its version, each slot a row with its JSON value.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "sqlite_db.hpp"
#include "store_types.hpp"

namespace lectern::server {

/// The shared_objects and shared_object_slots tables.
class shared_objects_repo {
 public:
  explicit shared_objects_repo(sqlite_db& db);

  /// Every persistent object of the room with its slots, by name and slot.
  std::vector<shared_object_record> load_room(std::int64_t room_id);
  /// Creates the object if needed, sets its version and applies the changes in order
  /// (nullopt value = delete the slot), all in one transaction.
  void save(std::int64_t room_id, std::string_view name, std::int64_t version,
            std::span<const shared_slot_change> changes, std::int64_t now);
  /// Removes every slot and sets the version (the object itself stays).
  void clear(std::int64_t room_id, std::string_view name, std::int64_t version, std::int64_t now);
  /// Deletes the object and its slots; false if there was no such object.
  bool remove(std::int64_t room_id, std::string_view name);

 private:
  sqlite_db& db_;
  statement objects_;
  statement slots_;
  statement upsert_object_;
  statement upsert_slot_;
  statement delete_slot_;
  statement clear_slots_;
  statement remove_;
};

}  // namespace lectern::server
