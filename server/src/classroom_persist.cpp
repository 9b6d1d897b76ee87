// Persistent shared objects reach the database in batches: each room's changes are merged
// by slot (so_write_batch) and stored in one job every k_persist_interval, with at most one
// job per room in the store's queue. A flood of writes to a few slots costs a few jobs, so
// it cannot fill the queue and crowd out attendance rows (store::post drops when full).
#include "classroom.hpp"
#include "classroom_runtime.hpp"
#include "store.hpp"

namespace lectern::server {

namespace asio = boost::asio;

namespace {

void store_batch(database& db, std::int64_t room, const std::vector<so_persist>& changes,
                 std::int64_t now) {
  auto tx = db.begin();
  for (const auto& p : changes) {
    std::vector<shared_slot_change> slots;
    slots.reserve(p.writes.size());
    for (const auto& w : p.writes) {
      slots.push_back({w.slot, w.value_json, static_cast<std::int64_t>(w.version)});
    }
    const auto version = static_cast<std::int64_t>(p.version);
    if (p.cleared) db.shared_objects.clear(room, p.name, version, now);
    db.shared_objects.save(room, p.name, version, slots, now);
  }
  tx.commit();
}

}  // namespace

void classroom::store_due_objects() {
  store_objects(false);
}

void classroom::queue_objects(runtime& rt, std::vector<so_persist>&& persist) {
  if (persist.empty()) return;
  std::size_t replaced = 0;
  for (auto& p : persist) replaced += rt.unsaved.add(std::move(p));
  so_writes_coalesced_ += replaced;
  if (rt.listed) return;
  rt.listed = true;
  std::lock_guard lock(dirty_mutex_);  // a leaf lock: taken under a room's, never around one
  dirty_.push_back(rt.id);
}

void classroom::flush_objects() {
  store_objects(true);
}

void classroom::store_objects(bool all) {
  std::vector<std::int64_t> ids;
  {
    std::lock_guard lock(dirty_mutex_);
    ids.swap(dirty_);
  }
  for (const auto id : ids) {
    const auto rt = find_runtime(id);
    if (!rt) continue;  // retired: maybe_retire stored what it had
    std::lock_guard lock(rt->mutex);
    rt->listed = false;
    if (rt->unsaved.empty()) continue;
    if (!all && rt->batch_queued->load()) {
      // The room's previous batch is still waiting (a slow disk): merge into the next one
      // rather than queue a second.
      rt->listed = true;
      std::lock_guard l(dirty_mutex_);
      dirty_.push_back(id);
      continue;
    }
    post_batch(*rt);
  }
}

void classroom::post_batch(runtime& rt) {
  auto changes = rt.unsaved.take();
  rt.batch_queued->store(true);
  ++so_batches_;
  // Essential: at most one per room waits (store_objects), and dropping it would lose the
  // latest values for good.
  db_.post_essential([room = rt.id, changes = std::move(changes), queued = rt.batch_queued,
                      now = now_ms_()](database& db) {
    try {
      store_batch(db, room, changes, now);
    } catch (...) {
      queued->store(false);  // the store logs the failure; the next batch may be queued
      throw;
    }
    queued->store(false);
  });
}

}  // namespace lectern::server
