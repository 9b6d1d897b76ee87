#include "lectern/client/shared_object_mirror.hpp"

namespace lectern::client {

bool apply_slot_change(nlohmann::json& slots, const nlohmann::json& change) {
  if (!change.is_object()) return false;
  const auto slot = change.find("slot");
  if (slot == change.end() || !slot->is_string()) return false;
  const auto deleted = change.find("deleted");
  if (deleted != change.end() && deleted->is_boolean() && deleted->get<bool>()) {
    slots.erase(slot->get<std::string>());
    return true;
  }
  const auto value = change.find("value");
  if (value == change.end()) return false;
  slots[slot->get<std::string>()] = *value;
  return true;
}

apply_outcome shared_object_mirror::apply_state(const std::string& name, std::uint64_t version,
                                                bool persistent, const nlohmann::json& slots) {
  if (!slots.is_object()) return apply_outcome::invalid;
  const auto it = objects_.find(name);
  if (it != objects_.end() && version < it->second.version) return apply_outcome::ignored;
  objects_[name] = shared_object{version, persistent, slots};
  return apply_outcome::applied;
}

apply_outcome shared_object_mirror::apply_change(const std::string& name, std::uint64_t version,
                                                 const nlohmann::json& changes) {
  if (!changes.is_array() || changes.size() > version) return apply_outcome::invalid;
  const std::uint64_t first = version - changes.size() + 1;  // version of changes[0]
  auto it = objects_.find(name);
  const std::uint64_t held = it == objects_.end() ? 0 : it->second.version;
  if (version <= held) return apply_outcome::ignored;  // duplicate or overtaken
  if (first > held + 1) return apply_outcome::gap;
  if (it == objects_.end()) it = objects_.emplace(name, shared_object{}).first;
  // Validate first so a malformed entry leaves the object untouched.
  nlohmann::json slots = it->second.slots;
  for (std::uint64_t v = held + 1; v <= version; ++v) {
    if (!apply_slot_change(slots, changes[v - first])) return apply_outcome::invalid;
  }
  it->second.slots = std::move(slots);
  it->second.version = version;
  return apply_outcome::applied;
}

apply_outcome shared_object_mirror::apply_own(const std::string& name, std::uint64_t version,
                                              const std::string& slot,
                                              const std::optional<nlohmann::json>& value) {
  const auto it = objects_.find(name);
  if (it == objects_.end()) return apply_outcome::gap;
  if (version <= it->second.version) return apply_outcome::ignored;
  if (version != it->second.version + 1) return apply_outcome::gap;
  if (value) {
    it->second.slots[slot] = *value;
  } else {
    it->second.slots.erase(slot);
  }
  it->second.version = version;
  return apply_outcome::applied;
}

const shared_object* shared_object_mirror::find(const std::string& name) const {
  const auto it = objects_.find(name);
  return it == objects_.end() ? nullptr : &it->second;
}

const nlohmann::json* shared_object_mirror::slot(const std::string& name,
                                                 const std::string& slot) const {
  const auto* o = find(name);
  if (o == nullptr) return nullptr;
  const auto it = o->slots.find(slot);
  return it == o->slots.end() ? nullptr : &*it;
}

std::uint64_t shared_object_mirror::version(const std::string& name) const {
  const auto* o = find(name);
  return o == nullptr ? 0 : o->version;
}

}  // namespace lectern::client
