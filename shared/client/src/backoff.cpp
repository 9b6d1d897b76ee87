#include "lectern/client/backoff.hpp"

#include <algorithm>

namespace lectern::client {

std::chrono::milliseconds backoff_delay(unsigned attempt, std::chrono::milliseconds initial,
                                        std::chrono::milliseconds max, double unit) {
  // Doubling stops once past max, so a long outage cannot overflow the shift.
  auto base = initial;
  for (unsigned i = 0; i < attempt && base < max; ++i) base *= 2;
  base = std::min(base, max);
  const double factor = 0.8 + 0.4 * std::clamp(unit, 0.0, 1.0);
  const auto jittered = std::chrono::milliseconds(static_cast<long long>(base.count() * factor));
  return std::min(jittered, max);
}

}  // namespace lectern::client
