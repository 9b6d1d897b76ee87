// Shared-object changes of one room waiting to be stored: a flood of writes to a few slots
// becomes one store job with the last value of each slot (docs/control-protocol.md).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "room_types.hpp"

namespace lectern::server {

/// The persistent changes of one room not yet handed to the store, merged by slot: the
/// latest value (or removal) of each slot and the latest version of each object win. Its
/// size is bounded by the room's objects themselves (each slot waits once however often it
/// is written; objects and slots are limited by room_limits).
class so_write_batch {
 public:
  /// Adds one change (in the order they were made); returns how many earlier slot writes
  /// it replaced before they were stored.
  std::size_t add(so_persist&& change);
  bool empty() const noexcept { return objects_.empty(); }
  /// The merged changes, one per object, and an empty batch.
  std::vector<so_persist> take();

 private:
  struct object {
    std::uint64_t version = 0;
    bool cleared = false;
    std::map<std::string, so_slot_write, std::less<>> slots;
  };
  std::map<std::string, object, std::less<>> objects_;
};

}  // namespace lectern::server
