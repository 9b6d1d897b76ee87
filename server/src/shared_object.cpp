#include "shared_object.hpp"

#include <algorithm>
#include <utility>

namespace lectern::server {

std::string_view so_error_code(so_error e) noexcept {
  switch (e) {
    case so_error::none:
      return "ok";
    case so_error::forbidden:
      return "forbidden";
    case so_error::locked:
      return "locked";
    case so_error::too_large:
      return "too_large";
    case so_error::limit:
      return "limit";
    case so_error::bad_request:
      return "bad_request";
    case so_error::not_found:
      return "not_found";
  }
  return "bad_request";
}

shared_object::shared_object(std::string name, bool persistent, std::uint64_t version,
                             so_limits limits)
    : name_(std::move(name)),
      persistent_(persistent),
      version_(version),
      limits_(limits),
      history_floor_(version) {}

shared_object shared_object::restore(const persisted_so& stored, so_limits limits) {
  shared_object so(stored.name, true, stored.version, limits);
  for (const auto& [slot, text, version] : stored.slots) {
    auto value = nlohmann::json::parse(text, nullptr, false);
    if (value.is_discarded()) continue;  // a damaged row must not keep the room from opening
    slot_entry entry{std::make_shared<const nlohmann::json>(std::move(value)), text.size(),
                     version};
    so.bytes_ += slot.size() + entry.bytes;
    so.slots_.insert_or_assign(slot, std::move(entry));
  }
  return so;
}

const nlohmann::json* shared_object::get(std::string_view slot) const {
  auto it = slots_.find(slot);
  return it == slots_.end() ? nullptr : it->second.value.get();
}

so_error shared_object::check(std::string_view slot, std::optional<std::size_t> value_bytes) const {
  if (slot.empty() || slot.size() > limits_.max_slot_name) return so_error::bad_request;
  if (!value_bytes) return so_error::none;  // a removal always fits
  if (*value_bytes > limits_.max_value_bytes) return so_error::too_large;
  auto it = slots_.find(slot);
  std::size_t now = it == slots_.end() ? 0 : slot.size() + it->second.bytes;
  if (it == slots_.end() && slots_.size() >= limits_.max_slots) return so_error::limit;
  if (bytes_ - now + slot.size() + *value_bytes > limits_.max_object_bytes) {
    return so_error::too_large;
  }
  return so_error::none;
}

so_persist shared_object::apply(std::vector<so_edit> edits) {
  so_persist out{name_, version_, false, {}};
  for (auto& edit : edits) {
    auto it = slots_.find(edit.slot);
    if (!edit.value) {
      if (it == slots_.end()) continue;
      bytes_ -= it->first.size() + it->second.bytes;
      slots_.erase(it);
      if (out.writes.empty()) ++version_;
      out.writes.push_back({edit.slot, std::nullopt, version_});
      record({std::move(edit.slot), nullptr, version_}, 0);
      continue;
    }
    std::string text = edit.value->dump();
    if (out.writes.empty()) ++version_;
    auto value = std::make_shared<const nlohmann::json>(std::move(*edit.value));
    if (it != slots_.end()) bytes_ -= it->first.size() + it->second.bytes;
    bytes_ += edit.slot.size() + text.size();
    slots_.insert_or_assign(edit.slot, slot_entry{value, text.size(), version_});
    out.writes.push_back({edit.slot, text, version_});
    record({std::move(edit.slot), std::move(value), version_}, text.size());
  }
  out.version = version_;
  return out;
}

void shared_object::record(so_change change, std::size_t bytes) {
  bytes += change.slot.size();
  history_.push_back({std::move(change), bytes});
  history_bytes_ += bytes;
  // Trim whole entries; a version whose entries are partly gone can no longer be replayed,
  // which the floor remembers.
  while (!history_.empty() &&
         (history_.size() > limits_.history_changes || history_bytes_ > limits_.history_bytes)) {
    history_floor_ = std::max(history_floor_, history_.front().change.version);
    history_bytes_ -= history_.front().bytes;
    history_.pop_front();
  }
}

std::optional<std::vector<so_change>> shared_object::changes_since(std::uint64_t version) const {
  if (version > version_ || version < history_floor_) return std::nullopt;
  std::vector<so_change> out;
  for (const auto& entry : history_) {
    if (entry.change.version > version) out.push_back(entry.change);
  }
  return out;
}

const std::string* shared_object::oldest_slot() const {
  const std::string* oldest = nullptr;
  std::uint64_t lowest = 0;
  for (const auto& [slot, entry] : slots_) {
    if (!oldest || entry.version < lowest) {
      oldest = &slot;
      lowest = entry.version;
    }
  }
  return oldest;
}

}  // namespace lectern::server
