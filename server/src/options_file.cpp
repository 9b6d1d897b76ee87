#include "options_file.hpp"

#include <cerrno>
#include <cstddef>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include <toml++/toml.h>

#include "option_values.hpp"

namespace lectern::server::detail {
namespace {

constexpr std::size_t k_max_config_bytes = 1 << 20;  // a config file is a page of text

std::string toml_type_name(const toml::node& n) {
  if (n.is_table()) return "a table";
  if (n.is_array()) return "an array";
  if (n.is_floating_point()) return "a fractional number";
  return "a date or time";
}

// A scalar TOML value as the text a setter accepts, or nullopt with `error` set.
std::optional<std::string> scalar_text(const toml::node& n, std::string& error) {
  if (const auto* s = n.as_string()) return s->get();
  if (const auto* i = n.as_integer()) return std::to_string(i->get());
  if (const auto* b = n.as_boolean()) return std::string(b->get() ? "true" : "false");
  error = "expected a string, a whole number or a boolean, got " + toml_type_name(n);
  if (n.is_table()) error += " (every key goes at the top level; there are no sections)";
  return std::nullopt;
}

// A TOML array of strings as the comma-separated text a list option's setter takes.
std::optional<std::string> array_text(const toml::array& items, std::string& error) {
  std::string out;
  for (const auto& item : items) {
    const auto* s = item.as_string();
    if (s == nullptr || s->get().find(',') != std::string::npos) {
      error = "expected an array of strings without commas";
      return std::nullopt;
    }
    if (!out.empty()) out += ',';
    out += s->get();
  }
  return out;
}

bool read_file(const std::filesystem::path& path, std::string& text, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "is a directory, not a file";
    return false;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    const int why = errno;
    error = "cannot open it: " +
            (why != 0 ? std::generic_category().message(why) : std::string("unknown error"));
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    error = "cannot read it";
    return false;
  }
  text = std::move(buffer).str();
  if (text.size() > k_max_config_bytes) {
    error = "is larger than 1 MiB; is it the right file?";
    return false;
  }
  return true;
}

// One top-level `name = value` of the config file at `where` ("config FILE").
bool apply_config_entry(const std::string& where, std::string_view name, const toml::node& node,
                        builder& b, std::string& error) {
  const std::string at = where + " line " + std::to_string(node.source().begin.line);
  const auto* d = find_by(name, key_of);
  if (d == nullptr) {
    error = at + ": unknown key " + quote_value(name) + suggestion(name, key_of);
    return false;
  }
  if (!d->in_config_file) {
    error = at + ": '" + std::string(name) + "' cannot be set inside a config file; use --" +
            std::string(d->name) + " or " + d->env_name();
    return false;
  }
  std::string why;
  const auto value =
      d->repeatable && node.is_array() ? array_text(*node.as_array(), why) : scalar_text(node, why);
  if (!value) {
    error = at + ": " + std::string(name) + ": " + why;
    return false;
  }
  return b.apply(*d, *value, at + ": " + std::string(name), error);
}

}  // namespace

bool load_config(const std::filesystem::path& path, const std::string& chosen_by, builder& b,
                 std::string& error) {
  const std::string where = "config " + path.string();
  std::string text;
  std::string why;
  if (!read_file(path, text, why)) {
    error = where + " (from " + chosen_by + "): " + why;
    return false;
  }
  toml::table table;
  try {
    table = toml::parse(text, path.string());
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    error = where + " line " + std::to_string(begin.line) + ", column " +
            std::to_string(begin.column) + ": invalid TOML: " + std::string(e.description());
    return false;
  }
  for (const auto& [key, node] : table) {
    if (!apply_config_entry(where, key.str(), node, b, error)) return false;
  }
  return true;
}

}  // namespace lectern::server::detail
