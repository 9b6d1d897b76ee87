// Parsing and printing of option values (counts, sizes, booleans) for the configuration in
// options.hpp. Internal: only the options_*.cpp files include it. The listen address parser
// it shares with them is public and declared in options.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lectern::server::detail {

inline constexpr std::uint64_t k_kib = 1024;
inline constexpr std::uint64_t k_mib = k_kib * 1024;
inline constexpr std::uint64_t k_gib = k_mib * 1024;

/// `s` without leading and trailing spaces, tabs, CRs and LFs.
std::string_view trim(std::string_view s);

/// `s` with ASCII capitals lowered.
std::string lower(std::string_view s);

/// A value as it appears in an error message: quoted, control characters escaped.
std::string quote_value(std::string_view value);

/// The number `s` spells in decimal digits only (no sign, no spaces); nullopt if it does not
/// or it overflows.
std::optional<std::uint64_t> parse_digits(std::string_view s);

/// `n` in the largest of GiB, MiB, KiB that divides it ("8MiB"), else in bytes ("1000").
std::string format_size(std::uint64_t n);

/// A whole number in min..max; on failure nullopt and `error` says why.
std::optional<std::uint64_t> parse_count(std::string_view text, std::uint64_t min,
                                         std::uint64_t max, std::string& error);

/// Bytes, or a number with K/KiB, M/MiB, G/GiB (powers of 1024, any letter case), in
/// min..max; on failure nullopt and `error` says why.
std::optional<std::uint64_t> parse_size(std::string_view text, std::uint64_t min, std::uint64_t max,
                                        std::string& error);

/// The comma-separated items of `text`, each trimmed; empty items are left out.
std::vector<std::string_view> split_list(std::string_view text);

/// true/false, yes/no or 1/0 (any letter case); on failure nullopt and `error` says why.
std::optional<bool> parse_bool(std::string_view text, std::string& error);

}  // namespace lectern::server::detail
