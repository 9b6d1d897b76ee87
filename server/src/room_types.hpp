#pragma once
// Plain types shared by room_state and its integrator (docs/control-protocol.md).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace lectern::server {

/// Who a control-channel participant is; decides what it may read and write.
enum class participant_role { teacher, student, admin };

/// One WebSocket connection, chosen by the caller (unique while the connection lives).
using conn_handle = std::uint64_t;

/// WebSocket close codes of the control channel (docs/control-protocol.md, "Close codes").
inline constexpr std::uint16_t k_close_unauthorized = 4001;
inline constexpr std::uint16_t k_close_bad_request = 4002;
inline constexpr std::uint16_t k_close_room_full = 4003;
inline constexpr std::uint16_t k_close_no_room = 4004;
inline constexpr std::uint16_t k_close_kicked = 4005;
inline constexpr std::uint16_t k_close_replaced = 4006;
inline constexpr std::uint16_t k_close_class_ended = 4007;
inline constexpr std::uint16_t k_close_rate_limited = 4008;
inline constexpr std::uint16_t k_close_too_slow = 4009;

/// One text frame for some connections; a broadcast is serialized once and shared.
struct delivery {
  std::shared_ptr<const std::string> frame;
  std::vector<conn_handle> to;
};

/// One slot of a persistent object as it must be stored: a value, or nullopt when removed.
struct so_slot_write {
  std::string slot;
  std::optional<std::string> value_json;
  std::uint64_t version = 0;
};

/// One change of a persistent shared object, for the database (apply in order).
struct so_persist {
  std::string name;
  std::uint64_t version = 0;  ///< the object's version after the change
  bool cleared = false;       ///< every stored slot must go before `writes` apply
  std::vector<so_slot_write> writes;
};

/// What the integrator must do after an event, in this order: deliver the frames, store the
/// changes, close the connections, then act on the class and the speak grants.
struct room_effects {
  std::vector<delivery> deliveries;
  std::vector<so_persist> persist;
  std::vector<std::pair<conn_handle, std::uint16_t>> close;  ///< after the deliveries
  std::optional<bool> class_live;          ///< the class started (true) / ended (false) now
  std::string class_started_by;            ///< when it started: "teacher" or "admin:USERNAME"
  std::vector<std::string> speak_revoked;  ///< streams whose publication must stop now
  std::vector<std::pair<std::string, std::string>> speak_granted;  ///< stream, publish token
  std::vector<std::string> kicked;  ///< participants removed: their RTMP connections close too

  bool empty() const noexcept {
    return deliveries.empty() && persist.empty() && close.empty() && !class_live &&
           speak_revoked.empty() && speak_granted.empty() && kicked.empty();
  }
};

/// A persistent shared object as loaded from the database.
struct persisted_so {
  std::string name;
  std::uint64_t version = 0;
  /// slot, value (serialized JSON), slot version
  std::vector<std::tuple<std::string, std::string, std::uint64_t>> slots;
};

/// The room as configured by an admin.
struct room_info {
  std::int64_t id = 0;
  std::string name;
  std::string welcome;
  int buffer_ms = 0;
  int max_students = 0;  ///< 0: no limit
};

/// Bounds of one shared object (docs/control-protocol.md, "Limits").
struct so_limits {
  std::size_t max_slots = 1000;
  std::size_t max_slot_name = 128;
  std::size_t max_value_bytes = 16 * 1024;
  std::size_t max_object_bytes = 1024 * 1024;
  std::size_t history_changes = 256;        ///< slot changes kept for reconnects
  std::size_t history_bytes = 1024 * 1024;  ///< and their total serialized size
};

/// Bounds and timings of one room's control channel.
struct room_limits {
  so_limits object;
  std::size_t max_objects = 32;  ///< client-created objects, besides room, roster and chat
  std::size_t max_name = 128;    ///< object and handler names, bytes
  std::int64_t resume_grace_ms = 60'000;
  std::int64_t lock_timeout_ms = 30'000;
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t max_json_depth = 32;
  std::size_t chat_messages = 200;
  std::size_t chat_chars = 2000;
  std::int64_t frames_per_second = 50;
  std::int64_t frame_burst = 100;
  int max_malformed = 10;  ///< one more and the connection is closed (4002)
  int max_buffer_ms = 60'000;
};

}  // namespace lectern::server
