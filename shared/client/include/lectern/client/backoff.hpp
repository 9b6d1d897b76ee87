// Reconnect delays: exponential with jitter so that a whole class does not reconnect in
// lockstep after a server restart.
#pragma once

#include <chrono>

namespace lectern::client {

/// Delay before reconnect attempt `attempt` (0 = first): `initial` doubled per attempt up
/// to `max`, then scaled by a jitter factor in [0.8, 1.2] taken from `unit` in [0, 1] and
/// capped at `max` again.
std::chrono::milliseconds backoff_delay(unsigned attempt, std::chrono::milliseconds initial,
                                        std::chrono::milliseconds max, double unit);

}  // namespace lectern::client
