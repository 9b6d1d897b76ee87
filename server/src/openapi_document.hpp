#pragma once

#include <string_view>

namespace lectern::server {

/// server/api/openapi.json, built into the binary (served at /api/v1/openapi.json).
std::string_view openapi_document();

}  // namespace lectern::server
