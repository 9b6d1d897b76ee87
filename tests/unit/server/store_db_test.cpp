// sqlite_db, statements, transactions and schema migrations against a real SQLite file.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <string>

#include "sqlite_db.hpp"
#include "store_schema.hpp"
#include "store_test_util.hpp"

namespace lectern::server {
namespace {

using test::store_dir;

TEST(StoreDb, OpensWithDurableSettings) {
  store_dir dir;
  sqlite_db db(dir.db_file());
  EXPECT_EQ(db.query_text("PRAGMA journal_mode", "t"), "wal");
  EXPECT_EQ(db.query_int("PRAGMA foreign_keys", "t"), 1);
  EXPECT_EQ(db.query_int("PRAGMA synchronous", "t"), 2);  // FULL
  EXPECT_EQ(db.query_int("PRAGMA busy_timeout", "t"), 5000);
}

TEST(StoreDb, OpenFailureNamesTheFile) {
  store_dir dir;
  const auto file = dir.path() / "missing-dir" / "x.db";
  try {
    sqlite_db db(file);
    FAIL() << "opened a file in a missing directory";
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open the database"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
}

TEST(StoreDb, AFileThatIsNotADatabaseIsRefused) {
  store_dir dir;
  std::ofstream(dir.db_file()) << std::string(4096, 'x');
  try {
    database db(dir.db_file());
    FAIL() << "opened garbage";
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("file is not a database"), std::string::npos) << e.what();
  }
}

TEST(StoreDb, StatementBindsStepsAndReads) {
  store_dir dir;
  sqlite_db db(dir.db_file());
  db.exec("CREATE TABLE t (a INTEGER, b TEXT, c INTEGER)", "create");
  statement insert(db, "INSERT INTO t VALUES (?, ?, ?)");
  EXPECT_EQ(insert.bind_all(std::int64_t{1} << 40, "x", std::optional<int>{}).exec(), 1);
  EXPECT_EQ(insert.bind_all(2, std::string("y\0z", 3), std::optional<int>{7}).exec(), 1);
  EXPECT_EQ(insert.bind_all(3, std::nullopt, true).exec(), 1);

  statement select(db, "SELECT a, b, c FROM t ORDER BY rowid");
  statement_reset guard(select);
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.int64(0), std::int64_t{1} << 40);
  EXPECT_EQ(select.text(1), "x");
  EXPECT_EQ(select.optional_int64(2), std::nullopt);
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.text(1), std::string("y\0z", 3));  // embedded NUL kept
  EXPECT_EQ(select.optional_int64(2), 7);
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.optional_text(1), std::nullopt);
  EXPECT_TRUE(select.boolean(2));
  EXPECT_FALSE(select.step());
}

TEST(StoreDb, ErrorsSayWhatFailedAndWhy) {
  store_dir dir;
  sqlite_db db(dir.db_file());
  db.exec("CREATE TABLE t (a TEXT UNIQUE)", "create");
  statement insert(db, "INSERT INTO t VALUES (?)");
  insert.bind_all("same").exec();
  try {
    insert.bind_all("same").exec();
    FAIL() << "duplicate accepted";
  } catch (const store_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("INSERT INTO t"), std::string::npos) << m;
    EXPECT_NE(m.find("UNIQUE constraint failed: t.a"), std::string::npos) << m;
  }
  // The statement is usable again after the failure.
  EXPECT_EQ(insert.bind_all("other").exec(), 1);
  EXPECT_THROW(statement(db, "SELECT nope FROM t"), store_error);
}

TEST(StoreDb, TransactionRollsBackUnlessCommitted) {
  store_dir dir;
  sqlite_db db(dir.db_file());
  db.exec("CREATE TABLE t (a INTEGER)", "create");
  {
    transaction tx(db);
    db.exec("INSERT INTO t VALUES (1)", "insert");
  }
  EXPECT_EQ(db.query_int("SELECT count(*) FROM t", "count"), 0);
  {
    transaction tx(db);
    db.exec("INSERT INTO t VALUES (1)", "insert");
    tx.commit();
  }
  EXPECT_EQ(db.query_int("SELECT count(*) FROM t", "count"), 1);
  EXPECT_FALSE(db.in_transaction());
}

TEST(StoreDb, NestedTransactionIsASavepoint) {
  store_dir dir;
  sqlite_db db(dir.db_file());
  db.exec("CREATE TABLE t (a INTEGER)", "create");
  {
    transaction outer(db);
    db.exec("INSERT INTO t VALUES (1)", "insert");
    {
      transaction inner(db);  // not committed: only its own insert is undone
      db.exec("INSERT INTO t VALUES (2)", "insert");
    }
    {
      transaction inner(db);
      db.exec("INSERT INTO t VALUES (3)", "insert");
      inner.commit();
    }
    EXPECT_TRUE(db.in_transaction());
    outer.commit();
  }
  EXPECT_EQ(db.query_int("SELECT sum(a) FROM t", "sum"), 4);
}

TEST(StoreSchema, MigratesAnEmptyFileAndReopensIdempotently) {
  store_dir dir;
  {
    sqlite_db db(dir.db_file());
    EXPECT_EQ(db.user_version(), 0);
    EXPECT_EQ(migrate(db), latest_schema_version());
    EXPECT_EQ(db.user_version(), latest_schema_version());
    for (const char* table :
         {"admins", "admin_sessions", "rooms", "room_tokens", "class_sessions", "attendance",
          "recordings", "shared_objects", "shared_object_slots", "audit_log"}) {
      std::string sql = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '";
      sql += table;
      sql += "'";
      EXPECT_EQ(db.query_int(sql, "lookup"), 1) << table;
    }
    db.exec("INSERT INTO admins (username, password_hash, created_at) VALUES ('a', 'h', 1)",
            "insert");
  }
  database db(dir.db_file());  // second open: no step runs again, data kept
  EXPECT_EQ(db.schema_version, latest_schema_version());
  EXPECT_EQ(db.admins.count(), 1);
  EXPECT_EQ(db.sql.query_text("PRAGMA integrity_check", "check"), "ok");
  EXPECT_EQ(db.sql.query_int("SELECT count(*) FROM pragma_foreign_key_check", "fk"), 0);
}

TEST(StoreSchema, RefusesAFileFromANewerServer) {
  store_dir dir;
  {
    sqlite_db db(dir.db_file());
    db.set_user_version(7);
  }
  try {
    database db(dir.db_file());
    FAIL() << "opened a newer schema";
  } catch (const store_error& e) {
    std::string expected = "lectern.db has schema version 7 but this lectern-server knows up to ";
    expected += std::to_string(latest_schema_version());
    expected += "; use a newer lectern-server or restore a backup";
    EXPECT_EQ(e.what(), expected);
  }
  sqlite_db db(dir.db_file());
  EXPECT_EQ(db.user_version(), 7);  // untouched
}

TEST(StoreSchema, AFailedStepLeavesTheFileAsItWas) {
  store_dir dir;
  {
    // A table in the way makes step 1 fail half-way through.
    sqlite_db db(dir.db_file());
    db.exec("CREATE TABLE audit_log (x INTEGER)", "create");
  }
  EXPECT_THROW(database db(dir.db_file()), store_error);
  sqlite_db db(dir.db_file());
  EXPECT_EQ(db.user_version(), 0);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'admins'", "t"), 0);
}

}  // namespace
}  // namespace lectern::server
