// The store's schema and its migrations (docs/store.md).
#pragma once

#include "sqlite_db.hpp"

namespace lectern::server {

/// The schema version this build creates and understands.
int latest_schema_version() noexcept;

/// Brings the file to latest_schema_version(), one transaction per step, and returns that
/// version. Throws store_error when the file is newer than this build knows.
int migrate(sqlite_db& db);

}  // namespace lectern::server
