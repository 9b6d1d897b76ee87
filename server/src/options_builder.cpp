#include "options_builder.hpp"

#include <algorithm>
#include <cstddef>

#include "option_values.hpp"

namespace lectern::server::detail {
namespace {

// Levenshtein distance: single-character insertions, deletions and substitutions.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::size_t index_of(const option_descriptor& d) {
  return static_cast<std::size_t>(&d - option_descriptors().data());
}

}  // namespace

bool builder::apply(const option_descriptor& d, std::string_view value, const std::string& where,
                    std::string& error) {
  std::string why;
  std::string combined;
  // A list flag given again adds to what the earlier flags gave; any other source replaces.
  if (d.repeatable && where.starts_with("--") && origin[index_of(d)].starts_with("--")) {
    combined = d.show(options);
    combined += ',';
    combined += value;
    value = combined;
  }
  if (!d.set(options, value, why)) {
    error = where + ": " + why;
    return false;
  }
  origin[index_of(d)] = where;
  return true;
}

std::string origin_of(const builder& b, std::string_view name) {
  for (const auto& d : option_descriptors()) {
    if (d.name == name && b.origin[index_of(d)] != "default") {
      return "from " + b.origin[index_of(d)];
    }
  }
  return "the default";
}

std::string name_of(const option_descriptor& d) {
  return std::string(d.name);
}
std::string flag_of(const option_descriptor& d) {
  return "--" + std::string(d.name);
}
std::string key_of(const option_descriptor& d) {
  return d.toml_key();
}

const option_descriptor* find_by(std::string_view name, name_function spelling) {
  for (const auto& d : option_descriptors()) {
    if (spelling(d) == name) return &d;
  }
  return nullptr;
}

std::string suggestion(std::string_view unknown, name_function spelling) {
  std::string best;
  std::size_t best_distance = 3;  // more than two edits away is a different word
  for (const auto& d : option_descriptors()) {
    const std::string candidate = spelling(d);
    const std::size_t distance = edit_distance(lower(unknown), candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best.empty() ? std::string() : " (did you mean " + best + "?)";
}

}  // namespace lectern::server::detail
