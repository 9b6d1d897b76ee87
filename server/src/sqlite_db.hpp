// A thin RAII layer over the SQLite C API for the store thread: one connection, prepared
// statements and transactions. Errors throw store_error: the store thread is a boundary
// where exceptions are allowed (they reach the caller of store::run / run_sync).
#pragma once

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace lectern::server {

/// Any database failure; what() says what was being done and SQLite's own message.
class store_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One open SQLite connection configured for durability: WAL, foreign keys on,
/// synchronous=FULL (a commit that returned is on disk, also across power loss),
/// busy_timeout 5000 ms.
class sqlite_db {
 public:
  /// Opens (creating if needed) `file`. Throws store_error.
  explicit sqlite_db(const std::filesystem::path& file);
  ~sqlite_db();
  sqlite_db(const sqlite_db&) = delete;
  sqlite_db& operator=(const sqlite_db&) = delete;

  sqlite3* handle() const noexcept { return db_; }
  const std::filesystem::path& file() const noexcept { return file_; }

  /// Runs one or more SQL statements that return no rows we need (DDL, PRAGMA writes).
  void exec(std::string_view sql, std::string_view what);
  /// The first column of the first row of `sql` as an integer (PRAGMA reads, counts).
  std::int64_t query_int(std::string_view sql, std::string_view what);
  /// As query_int, as text ("" when there is no row).
  std::string query_text(std::string_view sql, std::string_view what);

  std::int64_t last_insert_rowid() const noexcept;
  /// Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t changes() const noexcept;
  /// True inside BEGIN ... COMMIT.
  bool in_transaction() const noexcept;

  /// PRAGMA user_version: the schema version the file was migrated to.
  int user_version();
  void set_user_version(int version);

  /// "<what>: <sqlite message> (<file>)" for result code `rc`.
  std::string describe(int rc, std::string_view what) const;
  /// Throws store_error "<what>: <sqlite message> (<file>)" for result code `rc`.
  [[noreturn]] void fail(int rc, std::string_view what) const;

 private:
  void configure();

  std::filesystem::path file_;
  sqlite3* db_ = nullptr;
};

/// A statement prepared once (SQLITE_PREPARE_PERSISTENT) and reused for every call.
/// Parameters are bound by 1-based index, columns read by 0-based index, as in SQLite.
class statement {
 public:
  statement(sqlite_db& db, std::string_view sql);
  ~statement();
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  /// Integers and bools (stored as 0/1).
  template <std::integral T>
  statement& bind(int index, T value) {
    return bind_int64(index, static_cast<std::int64_t>(value));
  }
  statement& bind(int index, std::string_view value);
  statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  statement& bind(int index, const std::string& value) {
    return bind(index, std::string_view(value));
  }
  statement& bind(int index, std::nullopt_t);
  template <class T>
  statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, std::nullopt);
  }

  /// Binds every argument in order to parameters 1..n after a reset().
  template <class... A>
  statement& bind_all(const A&... args) {
    reset();
    int index = 0;
    (bind(++index, args), ...);
    return *this;
  }

  /// Advances to the next row: true if there is one, false when done.
  bool step();
  /// Runs a statement that returns no rows, resets it, and returns the rows it changed.
  std::int64_t exec();
  /// Rewinds and clears the bindings; also ends the read the statement kept open.
  void reset() noexcept;

  bool is_null(int column) const noexcept;
  std::int64_t int64(int column) const noexcept;
  bool boolean(int column) const noexcept { return int64(column) != 0; }
  std::string text(int column) const;
  std::optional<std::int64_t> optional_int64(int column) const;
  std::optional<std::string> optional_text(int column) const;

 private:
  statement& bind_int64(int index, std::int64_t value);
  void check_bind(int rc, int index);

  sqlite_db& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// Resets a statement when leaving a scope, so a query that stopped early (or threw) does
/// not keep its read open; an open read would stop WAL checkpoints from finishing.
class statement_reset {
 public:
  explicit statement_reset(statement& s) noexcept : s_(s) {}
  ~statement_reset() { s_.reset(); }
  statement_reset(const statement_reset&) = delete;
  statement_reset& operator=(const statement_reset&) = delete;

 private:
  statement& s_;
};

/// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless commit() was called.
/// Nested inside another transaction it becomes a SAVEPOINT, so a repository operation that
/// needs atomicity can be called both alone and inside a caller's transaction.
class transaction {
 public:
  explicit transaction(sqlite_db& db);
  ~transaction();
  transaction(transaction&& o) noexcept;
  transaction& operator=(transaction&&) = delete;
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;

  void commit();

 private:
  sqlite_db* db_;
  bool nested_;
  bool done_ = false;
};

}  // namespace lectern::server
