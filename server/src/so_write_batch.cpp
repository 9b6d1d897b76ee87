#include "so_write_batch.hpp"

#include <utility>

namespace lectern::server {

std::size_t so_write_batch::add(so_persist&& change) {
  auto& o = objects_[change.name];
  std::size_t replaced = 0;
  if (change.cleared) {
    // Every stored slot goes: what was waiting for this object goes with it.
    replaced = o.slots.size();
    o.slots.clear();
    o.cleared = true;
  }
  o.version = change.version;
  for (auto& w : change.writes) {
    auto slot = w.slot;
    const auto [it, inserted] = o.slots.insert_or_assign(std::move(slot), std::move(w));
    if (!inserted) ++replaced;
  }
  return replaced;
}

std::vector<so_persist> so_write_batch::take() {
  std::vector<so_persist> out;
  out.reserve(objects_.size());
  for (auto& [name, o] : objects_) {
    so_persist p;
    p.name = name;
    p.version = o.version;
    p.cleared = o.cleared;
    p.writes.reserve(o.slots.size());
    for (auto& [slot, w] : o.slots) p.writes.push_back(std::move(w));
    out.push_back(std::move(p));
  }
  objects_.clear();
  return out;
}

}  // namespace lectern::server
