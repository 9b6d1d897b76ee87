#include "option_values.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <system_error>

#include "log.hpp"
#include "options.hpp"

namespace lectern::server {
namespace detail {
namespace {

std::string range_error(std::string_view value, std::string_view min, std::string_view max) {
  return quote_value(value) + " is out of range; use " + std::string(min) + ".." + std::string(max);
}

}  // namespace

std::string_view trim(std::string_view s) {
  constexpr std::string_view k_space = " \t\r\n";
  const auto first = s.find_first_not_of(k_space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(k_space) - first + 1);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string quote_value(std::string_view value) {
  // Appended, not "'" + s: GCC 12 warns falsely (-Wrestrict, PR 105329) on that form.
  std::string out(1, '\'');
  out += sanitize_log_text(value, 200);
  out += '\'';
  return out;
}

std::optional<std::uint64_t> parse_digits(std::string_view s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return n;
}

std::string format_size(std::uint64_t n) {
  if (n != 0 && n % k_gib == 0) return std::to_string(n / k_gib) + "GiB";
  if (n != 0 && n % k_mib == 0) return std::to_string(n / k_mib) + "MiB";
  if (n != 0 && n % k_kib == 0) return std::to_string(n / k_kib) + "KiB";
  return std::to_string(n);
}

std::optional<std::uint64_t> parse_count(std::string_view text, std::uint64_t min,
                                         std::uint64_t max, std::string& error) {
  const auto value = trim(text);
  const auto n = parse_digits(value);
  if (!n) {
    error = quote_value(text) + " is not a whole number";
    return std::nullopt;
  }
  if (*n < min || *n > max) {
    error = range_error(value, std::to_string(min), std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<std::uint64_t> parse_size(std::string_view text, std::uint64_t min, std::uint64_t max,
                                        std::string& error) {
  const auto value = trim(text);
  const auto digits_end = value.find_first_not_of("0123456789");
  const auto digits = value.substr(0, digits_end);
  const auto suffix =
      digits_end == std::string_view::npos ? std::string() : lower(trim(value.substr(digits_end)));
  const auto n = parse_digits(digits);
  if (!n) {
    error =
        quote_value(text) + " is not a size (bytes, or a number with K, M or G: 512K, 8M, 8MiB)";
    return std::nullopt;
  }
  std::uint64_t multiplier = 1;
  if (suffix == "k" || suffix == "kib") {
    multiplier = k_kib;
  } else if (suffix == "m" || suffix == "mib") {
    multiplier = k_mib;
  } else if (suffix == "g" || suffix == "gib") {
    multiplier = k_gib;
  } else if (!suffix.empty()) {
    error = quote_value(text) + " has an unknown unit; use K/KiB, M/MiB or G/GiB (powers of 1024)";
    return std::nullopt;
  }
  if (*n > max / multiplier || *n * multiplier < min) {
    // "1KiB..64MiB" reads better than bytes, but not "128..64KiB".
    const bool in_kib = min % k_kib == 0;
    error = range_error(value, in_kib ? format_size(min) : std::to_string(min),
                        in_kib ? format_size(max) : std::to_string(max));
    return std::nullopt;
  }
  return *n * multiplier;
}

std::vector<std::string_view> split_list(std::string_view text) {
  std::vector<std::string_view> items;
  while (true) {
    const auto comma = text.find(',');
    const auto item = trim(text.substr(0, comma));
    if (!item.empty()) items.push_back(item);
    if (comma == std::string_view::npos) return items;
    text.remove_prefix(comma + 1);
  }
}

std::optional<bool> parse_bool(std::string_view text, std::string& error) {
  const auto value = lower(trim(text));
  if (value == "true" || value == "1" || value == "yes") return true;
  if (value == "false" || value == "0" || value == "no") return false;
  error = quote_value(text) + " is not a boolean; use true/false, yes/no or 1/0";
  return std::nullopt;
}

}  // namespace detail

// ------------------------------------------------------------------------- listen addresses

std::string listen_address::to_string() const {
  const std::string port_text = std::to_string(port);
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port_text;
  return host + ":" + port_text;
}

std::optional<listen_address> parse_listen_address(std::string_view s, std::string& error) {
  const auto bad = [&](std::string why) {
    error = detail::quote_value(s) + " is not a listen address: " + std::move(why) +
            " (use HOST:PORT, [IPv6]:PORT or :PORT, e.g. 0.0.0.0:1935, [::1]:1935, :1935)";
    return std::nullopt;
  };
  listen_address out;
  std::string_view port_text;
  if (s.starts_with("[")) {
    const auto close = s.find(']');
    if (close == std::string_view::npos) return bad("no ] after the IPv6 address");
    out.host = std::string(s.substr(1, close - 1));
    const auto rest = s.substr(close + 1);
    if (!rest.starts_with(":")) return bad("no :PORT after ]");
    port_text = rest.substr(1);
    if (out.host.empty()) return bad("empty IPv6 address");
    if (out.host.find(':') == std::string::npos) return bad("brackets are for IPv6 addresses");
    const bool valid = std::all_of(out.host.begin(), out.host.end(), [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
    });
    if (!valid) return bad("the IPv6 address has characters other than hex digits, : and .");
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return bad("no :PORT");
    const auto host = s.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      return bad("an IPv6 address needs brackets, as in [::1]:1935");
    }
    out.host = host.empty() ? "0.0.0.0" : std::string(host);
    port_text = s.substr(colon + 1);
    const bool valid = std::all_of(out.host.begin(), out.host.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
    });
    if (!valid) return bad("the host may hold only letters, digits, '-', '.' and '_'");
  }
  if (port_text.empty()) return bad("no port after :");
  const auto port = detail::parse_digits(port_text);
  if (!port) return bad("the port is not a number");
  if (*port > 65535) return bad("the port is past 65535");
  out.port = static_cast<std::uint16_t>(*port);
  return out;
}

}  // namespace lectern::server
