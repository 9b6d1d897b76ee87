#pragma once

#include <string>
#include <string_view>

namespace lectern::server {

/// An app or stream name that is safe as a file name and a URL path segment: 1 to 128
/// letters, digits, '-', '_' or '.', not starting with '.' (no "..", no hidden files, no
/// separators), so recordings can never be written or read outside their directory.
bool valid_name_component(std::string_view s) noexcept;

/// A stream name as a client sends it: "room42?token=abc".
struct stream_name {
  bool valid = false;
  std::string name;   ///< "room42"
  std::string query;  ///< "token=abc"
};
stream_name parse_stream_name(std::string_view s);

/// What to tell a client whose stream name is not valid.
std::string invalid_name_text(std::string_view name);

}  // namespace lectern::server
