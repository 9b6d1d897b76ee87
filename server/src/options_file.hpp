// Reading the TOML config file into the options being built. Internal to the options_*.cpp
// files.
#pragma once

#include <filesystem>
#include <string>

#include "options_builder.hpp"

namespace lectern::server::detail {

/// Applies every top-level `key = value` of the TOML file at `path` (named by `chosen_by`,
/// "--config" or "LECTERN_CONFIG") to `b`. On the first unreadable, oversized or invalid file,
/// unknown key or bad value returns false and sets `error` to what and where (file and line).
bool load_config(const std::filesystem::path& path, const std::string& chosen_by, builder& b,
                 std::string& error);

}  // namespace lectern::server::detail
