// shaper: departure = max(previous, arrival + delay ± jitter), pushed past holds and
// outages, then spaced by the rate limit.
#include "shaper.hpp"

#include <algorithm>
#include <array>

namespace lectern::impair {

namespace {
struct named_profile {
  std::string_view name;
  std::string_view help;
  impairment imp;
};

const std::array<named_profile, 7>& profiles() {
  using ms = milliseconds;
  static const std::array<named_profile, 7> table{{
      {"clean", "no impairment", {}},
      {"lan", "2 ms ± 1 ms", {ms(2), ms(1)}},
      {"jitter300", "100 ms ± 300 ms jitter", {ms(100), ms(300)}},
      {"wifi", "20 ms ± 60 ms, held 400 ms every 7 s", {ms(20), ms(60), 0, ms(7000), ms(400)}},
      {"mobile",
       "80 ms ± 120 ms, 2 Mbit/s, held 800 ms every 10 s",
       {ms(80), ms(120), 2000, ms(10000), ms(800)}},
      {"outage",
       "30 ms ± 20 ms, 2.5 s outage every 20 s",
       {ms(30), ms(20), 0, ms(0), ms(0), ms(20000), ms(2500)}},
      {"slow", "50 ms ± 30 ms, 700 kbit/s (below a 320x240 class stream)", {ms(50), ms(30), 700}},
  }};
  return table;
}
}  // namespace

std::string impairment::describe() const {
  std::string s =
      "delay " + std::to_string(delay.count()) + " ms ± " + std::to_string(jitter.count()) + " ms";
  if (rate_kbps > 0) s += ", " + std::to_string(rate_kbps) + " kbit/s";
  if (burst_every.count() > 0) {
    s += ", held " + std::to_string(burst_hold.count()) + " ms every " +
         std::to_string(burst_every.count()) + " ms";
  }
  if (outage_every.count() > 0) {
    s += ", outage " + std::to_string(outage_length.count()) + " ms every " +
         std::to_string(outage_every.count()) + " ms";
  }
  return s;
}

std::optional<impairment> profile(std::string_view name) {
  for (const auto& p : profiles()) {
    if (p.name == name) return p.imp;
  }
  return std::nullopt;
}

std::string profile_help() {
  std::string s;
  for (const auto& p : profiles()) {
    s += "    ";
    s += p.name;
    s.append(12 - std::min<std::size_t>(11, p.name.size()), ' ');
    s += p.help;
    s += '\n';
  }
  return s;
}

shaper::shaper(impairment imp, clock::time_point epoch, unsigned seed)
    : imp_(imp), epoch_(epoch), rng_(seed), last_(epoch), rate_free_(epoch) {}

clock::time_point shaper::hold_end(clock::time_point t, clock::time_point epoch, milliseconds every,
                                   milliseconds length) {
  if (every.count() <= 0 || length.count() <= 0 || t < epoch) return t;
  // Holds start at every, 2×every, …: [k×every, k×every + length).
  const auto since = std::chrono::duration_cast<milliseconds>(t - epoch);
  const auto k = since / every;
  const auto start = epoch + k * every;
  if (k > 0 && t < start + length) return start + length;
  return t;
}

clock::time_point shaper::after_holds(clock::time_point t) const {
  t = hold_end(t, epoch_, imp_.burst_every, imp_.burst_hold);
  return hold_end(t, epoch_, imp_.outage_every, imp_.outage_length);
}

clock::time_point shaper::departure(clock::time_point arrival, std::size_t bytes) {
  auto offset = imp_.delay;
  if (imp_.jitter.count() > 0) {
    std::uniform_int_distribution<std::int64_t> d(-imp_.jitter.count(), imp_.jitter.count());
    offset += milliseconds(d(rng_));
  }
  auto t = std::max(last_, arrival + std::max(offset, milliseconds(0)));
  t = after_holds(t);
  if (imp_.rate_kbps > 0) {
    t = std::max(t, rate_free_);
    const auto us = static_cast<std::int64_t>(bytes) * 8 * 1000 / imp_.rate_kbps;
    rate_free_ = t + std::chrono::microseconds(us);
  }
  last_ = t;
  return t;
}

}  // namespace lectern::impair
