// The client's copy of the remote shared objects it follows (docs/control-protocol.md,
// "Shared objects"): full states replace, changes apply in version order, anything older
// than what we hold is a duplicate and ignored.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lectern::client {

/// One mirrored object: its version and its slots (a JSON object).
struct shared_object {
  std::uint64_t version = 0;
  bool persistent = false;
  nlohmann::json slots = nlohmann::json::object();
};

/// What applying a server frame did.
enum class apply_outcome {
  applied,  ///< the mirror changed (or a full state was taken)
  ignored,  ///< duplicate or older than what we hold; nothing changed
  gap,      ///< changes are missing before this frame: resynchronise (so.connect)
  invalid,  ///< the frame is malformed; nothing changed
};

/// Shared objects by name. Not thread-safe: the control channel uses it on its io thread.
class shared_object_mirror {
 public:
  /// `so.state`: replaces the object (the client must drop what it had). A state older
  /// than the held version is ignored (a late answer overtaken by changes).
  apply_outcome apply_state(const std::string& name, std::uint64_t version, bool persistent,
                            const nlohmann::json& slots);

  /// `so.change`: `version` is that of the last change; the list holds consecutive
  /// versions ending there. Changes we already hold are skipped; a hole is a gap. An object
  /// we do not hold yet is created from a change list that starts at version 1.
  apply_outcome apply_change(const std::string& name, std::uint64_t version,
                             const nlohmann::json& changes);

  /// `so.result` ok for our own `so.set`/`so.delete` (value nullopt): the server applied
  /// it as `version` and sends us no `so.change` for it.
  apply_outcome apply_own(const std::string& name, std::uint64_t version, const std::string& slot,
                          const std::optional<nlohmann::json>& value);

  /// Drops one object (so.close) or all of them.
  void erase(const std::string& name) { objects_.erase(name); }
  void clear() { objects_.clear(); }

  /// The object, or nullptr if not mirrored.
  const shared_object* find(const std::string& name) const;
  /// A slot's value, or nullptr.
  const nlohmann::json* slot(const std::string& name, const std::string& slot) const;
  /// Held version of an object (0: none).
  std::uint64_t version(const std::string& name) const;
  const std::map<std::string, shared_object>& objects() const { return objects_; }

 private:
  std::map<std::string, shared_object> objects_;
};

/// Applies one change entry ({"slot","value"} or {"slot","deleted":true}) to slots;
/// false if malformed.
bool apply_slot_change(nlohmann::json& slots, const nlohmann::json& change);

}  // namespace lectern::client
