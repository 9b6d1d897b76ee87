#pragma once
// Helpers of the room_state tests: a room with a fake clock and token source, and the
// frames an effect delivers to one connection, parsed back.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "room_state.hpp"

namespace lectern::server::testing {

using json = nlohmann::json;

inline room_info test_room(int max_students = 3) {
  return room_info{3, "Physics 101", "Welcome!", 1500, max_students};
}

/// Every frame of `fx` addressed to `conn`, in order, parsed.
inline std::vector<json> frames_to(const room_effects& fx, conn_handle conn) {
  std::vector<json> out;
  for (const auto& d : fx.deliveries) {
    for (auto to : d.to) {
      if (to == conn) out.push_back(json::parse(*d.frame));
    }
  }
  return out;
}

/// The first frame with this op (and this `so`, if given), or null.
inline json find_op(const std::vector<json>& frames, const std::string& op,
                    const std::string& so = "") {
  for (const auto& f : frames) {
    if (f.value("op", "") == op && (so.empty() || f.value("so", "") == so)) return f;
  }
  return nullptr;
}

inline bool closed_with(const room_effects& fx, conn_handle conn, std::uint16_t code) {
  for (const auto& [c, k] : fx.close) {
    if (c == conn && k == code) return true;
  }
  return false;
}

/// A room, a clock that moves 20 ms per client frame (the sustained rate limit) and
/// publish tokens "tok1", "tok2", ...
class room_harness {
 public:
  explicit room_harness(room_info info = test_room(), std::vector<persisted_so> loaded = {},
                        room_limits limits = {})
      : room(std::move(info), std::move(loaded), limits,
             [this] { return "tok" + std::to_string(++tokens); }) {}

  /// Joins and returns the participant id (fails the test if refused).
  std::string join(conn_handle conn, participant_role role, std::string name = "Ana") {
    auto r = room.join(conn, role, name, now);
    EXPECT_TRUE(r.ok) << r.error_code;
    last_join = r;
    return r.participant_id;
  }
  room_effects send(conn_handle conn, const json& msg) {
    now += 20;
    return room.handle(conn, msg.dump(), now);
  }
  room_effects send_text(conn_handle conn, std::string_view text) {
    now += 20;
    return room.handle(conn, text, now);
  }

  int tokens = 0;
  std::int64_t now = 1'000'000;
  room_state room;
  room_state::join_result last_join;
};

}  // namespace lectern::server::testing
