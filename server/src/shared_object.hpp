#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "room_types.hpp"

namespace lectern::server {

/// Why a shared-object request was refused; the wire code is so_error_code().
enum class so_error { none, forbidden, locked, too_large, limit, bad_request, not_found };
std::string_view so_error_code(so_error e) noexcept;

/// One slot change: a new value, or `value == nullptr` when the slot was removed.
struct so_change {
  std::string slot;
  std::shared_ptr<const nlohmann::json> value;
  std::uint64_t version = 0;
};

/// One edit requested of an object; several edits applied together make one version.
struct so_edit {
  std::string slot;
  std::optional<nlohmann::json> value;  ///< nullopt: remove the slot
};

/// A remote shared object (docs/control-protocol.md, "Shared objects"): a named map of
/// JSON slots with a version that grows by one with every change, the recent changes for
/// reconnecting clients, and the lock of a batching writer. Knows nothing of connections
/// beyond the lock holder's handle.
class shared_object {
 public:
  struct slot_entry {
    std::shared_ptr<const nlohmann::json> value;
    std::size_t bytes = 0;  ///< serialized size of the value
    std::uint64_t version = 0;
  };

  shared_object(std::string name, bool persistent, std::uint64_t version, so_limits limits);
  /// Rebuilds an object from the database; slots whose value is not valid JSON are dropped.
  static shared_object restore(const persisted_so& stored, so_limits limits);

  const std::string& name() const noexcept { return name_; }
  bool persistent() const noexcept { return persistent_; }
  std::uint64_t version() const noexcept { return version_; }
  std::size_t bytes() const noexcept { return bytes_; }
  const std::map<std::string, slot_entry, std::less<>>& slots() const noexcept { return slots_; }
  /// The slot's value, or nullptr.
  const nlohmann::json* get(std::string_view slot) const;

  /// Whether a client's edit fits the limits; `value_bytes` is the serialized value's size.
  so_error check(std::string_view slot, std::optional<std::size_t> value_bytes) const;
  /// Applies the edits (unchecked: call check() for client edits) as one new version and
  /// returns what to store. Removing an absent slot is no change; no change, no version.
  so_persist apply(std::vector<so_edit> edits);

  /// The changes after `version`, in order; nullopt when they are no longer known (or the
  /// version is from the future): the client needs the full state.
  std::optional<std::vector<so_change>> changes_since(std::uint64_t version) const;
  /// The slot of the lowest slot version (the oldest write), or nullptr when empty.
  const std::string* oldest_slot() const;

  std::optional<conn_handle> locked_by() const noexcept { return lock_holder_; }
  std::int64_t locked_at() const noexcept { return locked_at_; }
  void lock(conn_handle holder, std::int64_t now_ms) noexcept {
    lock_holder_ = holder;
    locked_at_ = now_ms;
  }
  void unlock() noexcept { lock_holder_.reset(); }

 private:
  void record(so_change change, std::size_t bytes);

  std::string name_;
  bool persistent_;
  std::uint64_t version_;
  so_limits limits_;
  std::map<std::string, slot_entry, std::less<>> slots_;
  std::size_t bytes_ = 0;  // slot names plus serialized values

  struct history_entry {
    so_change change;
    std::size_t bytes;
  };
  std::deque<history_entry> history_;
  std::size_t history_bytes_ = 0;
  // Changes of versions <= floor may be missing from history_ (trimmed or never seen).
  std::uint64_t history_floor_;

  std::optional<conn_handle> lock_holder_;
  std::int64_t locked_at_ = 0;
};

}  // namespace lectern::server
