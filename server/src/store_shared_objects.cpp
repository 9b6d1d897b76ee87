#include "store_shared_objects.hpp"

#include <map>
#include <string>

namespace lectern::server {

shared_objects_repo::shared_objects_repo(sqlite_db& db)
    : db_(db),
      objects_(db,
               "SELECT name, version, updated_at FROM shared_objects WHERE room_id = ? "
               "ORDER BY name"),
      slots_(db,
             "SELECT name, slot, value_json, version FROM shared_object_slots WHERE room_id = ? "
             "ORDER BY name, slot"),
      upsert_object_(db,
                     "INSERT INTO shared_objects (room_id, name, version, updated_at) "
                     "VALUES (?, ?, ?, ?) ON CONFLICT (room_id, name) DO UPDATE SET "
                     "version = excluded.version, updated_at = excluded.updated_at"),
      upsert_slot_(db,
                   "INSERT INTO shared_object_slots (room_id, name, slot, value_json, version) "
                   "VALUES (?, ?, ?, ?, ?) ON CONFLICT (room_id, name, slot) DO UPDATE SET "
                   "value_json = excluded.value_json, version = excluded.version"),
      delete_slot_(db,
                   "DELETE FROM shared_object_slots WHERE room_id = ? AND name = ? AND slot = ?"),
      clear_slots_(db, "DELETE FROM shared_object_slots WHERE room_id = ? AND name = ?"),
      remove_(db, "DELETE FROM shared_objects WHERE room_id = ? AND name = ?") {}

std::vector<shared_object_record> shared_objects_repo::load_room(std::int64_t room_id) {
  // The store has one connection and runs one job at a time, so nothing writes between the
  // two reads.
  std::vector<shared_object_record> out;
  std::map<std::string, std::size_t, std::less<>> index;
  {
    auto& s = objects_.bind_all(room_id);
    statement_reset guard(s);
    while (s.step()) {
      index.emplace(s.text(0), out.size());
      out.push_back({s.text(0), s.int64(1), s.int64(2), {}});
    }
  }
  {
    auto& s = slots_.bind_all(room_id);
    statement_reset guard(s);
    while (s.step()) {
      // The foreign key guarantees the object exists.
      out[index.at(s.text(0))].slots.push_back({s.text(1), s.text(2), s.int64(3)});
    }
  }
  return out;
}

void shared_objects_repo::save(std::int64_t room_id, std::string_view name, std::int64_t version,
                               std::span<const shared_slot_change> changes, std::int64_t now) {
  transaction tx(db_);
  upsert_object_.bind_all(room_id, name, version, now).exec();
  for (const auto& c : changes) {
    if (c.value_json) {
      upsert_slot_.bind_all(room_id, name, c.slot, *c.value_json, c.version).exec();
    } else {
      delete_slot_.bind_all(room_id, name, c.slot).exec();
    }
  }
  tx.commit();
}

void shared_objects_repo::clear(std::int64_t room_id, std::string_view name, std::int64_t version,
                                std::int64_t now) {
  transaction tx(db_);
  upsert_object_.bind_all(room_id, name, version, now).exec();
  clear_slots_.bind_all(room_id, name).exec();
  tx.commit();
}

bool shared_objects_repo::remove(std::int64_t room_id, std::string_view name) {
  return remove_.bind_all(room_id, name).exec() > 0;
}

}  // namespace lectern::server
