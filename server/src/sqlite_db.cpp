#include "sqlite_db.hpp"

#include <sqlite3.h>

#include <utility>

namespace lectern::server {
namespace {

constexpr int k_busy_timeout_ms = 5000;

std::string message(std::string_view what, std::string_view detail,
                    const std::filesystem::path& f) {
  std::string m(what);
  m += ": ";
  m += detail;
  m += " (";
  m += f.string();
  m += ")";
  return m;
}

}  // namespace

sqlite_db::sqlite_db(const std::filesystem::path& file) : file_(file) {
  // NOMUTEX: the connection is used by one thread at a time (the store thread after start-up).
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(file.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw store_error(message("cannot open the database", detail, file_));
  }
  try {
    configure();
  } catch (...) {
    sqlite3_close(db_);  // the destructor does not run for a constructor that throws
    db_ = nullptr;
    throw;
  }
}

void sqlite_db::configure() {
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, k_busy_timeout_ms);
  // WAL: readers never block the writer and a commit is one append plus fsync.
  // (The first statement is also where SQLite notices a file that is not a database.)
  if (query_text("PRAGMA journal_mode=WAL", "setting journal_mode=WAL") != "wal")
    throw store_error(message("cannot use WAL journaling", "the file system refused it", file_));
  // FULL: in WAL mode NORMAL may lose the last commits on power loss; we acknowledge only
  // what is on disk.
  exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", "configuring the connection");
}

sqlite_db::~sqlite_db() {
  // Every statement is finalized by its owner first; close_v2 would otherwise defer the close.
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

void sqlite_db::exec(std::string_view sql, std::string_view what) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    const std::string detail = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw store_error(message(what, detail, file_));
  }
}

std::int64_t sqlite_db::query_int(std::string_view sql, std::string_view what) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) fail(rc, what);
  rc = sqlite3_step(s);
  const std::int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(rc, what);
  return v;
}

std::string sqlite_db::query_text(std::string_view sql, std::string_view what) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) fail(rc, what);
  rc = sqlite3_step(s);
  std::string v;
  if (rc == SQLITE_ROW) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    if (p != nullptr) v.assign(p, static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(rc, what);
  return v;
}

std::int64_t sqlite_db::last_insert_rowid() const noexcept {
  return sqlite3_last_insert_rowid(db_);
}

std::int64_t sqlite_db::changes() const noexcept {
  return sqlite3_changes64(db_);
}

bool sqlite_db::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_) == 0;
}

int sqlite_db::user_version() {
  return static_cast<int>(query_int("PRAGMA user_version", "reading the schema version"));
}

void sqlite_db::set_user_version(int version) {
  std::string sql = "PRAGMA user_version=";
  sql += std::to_string(version);
  exec(sql, "writing the schema version");
}

std::string sqlite_db::describe(int rc, std::string_view what) const {
  // The connection's message is the specific one ("UNIQUE constraint failed: ..."); it is
  // only about rc when rc is the connection's latest error.
  const bool same = db_ != nullptr && sqlite3_extended_errcode(db_) == rc;
  return message(what, same ? sqlite3_errmsg(db_) : sqlite3_errstr(rc), file_);
}

void sqlite_db::fail(int rc, std::string_view what) const {
  throw store_error(describe(rc, what));
}

statement::statement(sqlite_db& db, std::string_view sql) : db_(db) {
  const int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    std::string what = "preparing \"";
    what += sql;
    what += "\"";
    db.fail(rc, what);
  }
}

statement::~statement() {
  sqlite3_finalize(stmt_);
}

statement& statement::bind(int index, std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies the text, so the caller's buffer may go away.
  check_bind(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      index);
  return *this;
}

statement& statement::bind(int index, std::nullopt_t) {
  check_bind(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

statement& statement::bind_int64(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

void statement::check_bind(int rc, int index) {
  if (rc == SQLITE_OK) return;
  std::string what = "binding parameter ";
  what += std::to_string(index);
  what += " of \"";
  what += sqlite3_sql(stmt_);
  what += "\"";
  db_.fail(rc, what);
}

bool statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string what = "running \"";
  what += sqlite3_sql(stmt_);
  what += "\"";
  std::string error = db_.describe(rc, what);  // before reset(), which may change the message
  reset();
  throw store_error(error);
}

std::int64_t statement::exec() {
  statement_reset guard(*this);
  while (step()) {
  }
  return db_.changes();
}

void statement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool statement::is_null(int column) const noexcept {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t statement::int64(int column) const noexcept {
  return sqlite3_column_int64(stmt_, column);
}

std::string statement::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (p == nullptr) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::int64_t> statement::optional_int64(int column) const {
  if (is_null(column)) return std::nullopt;
  return int64(column);
}

std::optional<std::string> statement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

transaction::transaction(sqlite_db& db) : db_(&db), nested_(db.in_transaction()) {
  // IMMEDIATE takes the write lock now, so the transaction cannot fail half-way with BUSY
  // when it upgrades from reading to writing.
  db.exec(nested_ ? "SAVEPOINT lectern_tx" : "BEGIN IMMEDIATE", "starting a transaction");
}

transaction::transaction(transaction&& o) noexcept
    : db_(o.db_), nested_(o.nested_), done_(std::exchange(o.done_, true)) {}

transaction::~transaction() {
  if (done_) return;
  try {
    db_->exec(nested_ ? "ROLLBACK TO lectern_tx; RELEASE lectern_tx" : "ROLLBACK",
              "rolling back a transaction");
  } catch (const store_error&) {
    // SQLite may already have rolled back by itself (e.g. after SQLITE_FULL); nothing to undo.
  }
}

void transaction::commit() {
  db_->exec(nested_ ? "RELEASE lectern_tx" : "COMMIT", "committing a transaction");
  done_ = true;
}

}  // namespace lectern::server
