// Assembling server_options from its sources (config file, environment, flags): finding the
// option a source names, with a did-you-mean for typos, and applying its value while
// remembering where it came from. Internal to the options_*.cpp files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "options.hpp"

namespace lectern::server::detail {

/// The options being built and where each value came from, for messages about two options.
struct builder {
  server_options options;
  /// Per option_descriptors() entry: "default", or the source of its value ("--chunk-size",
  /// "LECTERN_CHUNK_SIZE", "config FILE line N: chunk_size").
  std::vector<std::string> origin =
      std::vector<std::string>(option_descriptors().size(), "default");

  /// Sets `d` from `value` read at `where`; on failure returns false and sets `error` to
  /// "WHERE: why".
  bool apply(const option_descriptor& d, std::string_view value, const std::string& where,
             std::string& error);
};

/// "the default" or "from --chunk-size" (or the env variable, or the config line).
std::string origin_of(const builder& b, std::string_view name);

/// How one source spells an option: "chunk-size" (name_of), "--chunk-size" (flag_of) or
/// "chunk_size" (key_of).
using name_function = std::string (*)(const option_descriptor&);
std::string name_of(const option_descriptor& d);
std::string flag_of(const option_descriptor& d);
std::string key_of(const option_descriptor& d);

/// The option spelt `name` in the source that `spelling` describes, or nullptr.
const option_descriptor* find_by(std::string_view name, name_function spelling);

/// " (did you mean X?)" for the closest known name, if it is close; `spelling` gives the
/// spelling used in this source (flag, key). Empty when nothing is close.
std::string suggestion(std::string_view unknown, name_function spelling);

}  // namespace lectern::server::detail
