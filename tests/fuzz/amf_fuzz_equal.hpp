// Structural equality of decoded AMF values for the AMF0/AMF3 fuzz targets' round-trip checks.
#pragma once

#include <bit>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "lectern/shared/amf_value.hpp"

namespace lectern::shared::amf::fuzz {

// Doubles compare by bit pattern: NaN payloads and -0.0 must survive a round trip exactly.
inline bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

/// True when `b` is what decoding the encoding of `a` must give. With `int_may_widen`, an AMF3
/// integer in `a` may come back as the equal number: AMF0 has no integer type.
bool same(const value& a, const value& b, bool int_may_widen);

inline bool same(const std::vector<value>& a, const std::vector<value>& b, bool widen) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same(a[i], b[i], widen)) return false;
  return true;
}

inline bool same(const std::vector<property>& a, const std::vector<property>& b, bool widen) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || !same(a[i].val, b[i].val, widen)) return false;
  return true;
}

template <typename T>
bool same_alternative(const T& a, const T& b, bool widen) {
  if constexpr (std::is_same_v<T, double>) {
    return same_bits(a, b);
  } else if constexpr (std::is_same_v<T, date>) {
    return same_bits(a.millis, b.millis) && a.timezone == b.timezone;
  } else if constexpr (std::is_same_v<T, vector_double>) {
    if (a.fixed != b.fixed || a.items.size() != b.items.size()) return false;
    for (std::size_t i = 0; i < a.items.size(); ++i)
      if (!same_bits(a.items[i], b.items[i])) return false;
    return true;
  } else if constexpr (std::is_same_v<T, object>) {
    return a.class_name == b.class_name && a.sealed_count == b.sealed_count &&
           a.dynamic == b.dynamic && same(a.properties, b.properties, widen);
  } else if constexpr (std::is_same_v<T, ecma_array>) {
    return same(a.properties, b.properties, widen);
  } else if constexpr (std::is_same_v<T, strict_array>) {
    return same(a.items, b.items, widen);
  } else if constexpr (std::is_same_v<T, vector_object>) {
    // Inside AMF3-only containers values stay AMF3 whatever the outer encoding.
    return a.type_name == b.type_name && a.fixed == b.fixed && same(a.items, b.items, false);
  } else if constexpr (std::is_same_v<T, dictionary>) {
    if (a.weak_keys != b.weak_keys || a.entries.size() != b.entries.size()) return false;
    for (std::size_t i = 0; i < a.entries.size(); ++i)
      if (!same(a.entries[i].first, b.entries[i].first, false) ||
          !same(a.entries[i].second, b.entries[i].second, false))
        return false;
    return true;
  } else {
    return a == b;
  }
}

inline bool same(const value& a, const value& b, bool int_may_widen) {
  if (int_may_widen) {
    const auto* i = a.get_if<std::int32_t>();
    const auto* d = b.get_if<double>();
    if (i != nullptr && d != nullptr) return same_bits(static_cast<double>(*i), *d);
  }
  if (a.v.index() != b.v.index()) return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        return same_alternative(x, *b.get_if<T>(), int_may_widen);
      },
      a.v);
}

}  // namespace lectern::shared::amf::fuzz
