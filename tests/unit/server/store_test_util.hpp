// Helpers for the store tests: a scratch directory per test and a database opened in it.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "store.hpp"

namespace lectern::server::test {

/// A fresh directory named after the running test, removed afterwards.
class store_dir {
 public:
  store_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "lectern_store_";
    name += std::to_string(::getpid());
    name += '_';
    name += info->test_suite_name();
    name += '_';
    name += info->name();
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~store_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  store_dir(const store_dir&) = delete;
  store_dir& operator=(const store_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path db_file() const { return path_ / "lectern.db"; }

 private:
  std::filesystem::path path_;
};

/// A database opened directly (no store thread) in a scratch directory, for repository tests.
class store_test : public ::testing::Test {
 protected:
  store_dir dir_;
  database db_{dir_.db_file()};

  std::int64_t make_room(std::string name = "Physics") {
    room_fields f;
    f.name = std::move(name);
    return db_.rooms.create(f, 1000).id;
  }
  std::int64_t count(const std::string& table) {
    std::string sql = "SELECT count(*) FROM ";
    sql += table;
    return db_.sql.query_int(sql, "counting");
  }
};

}  // namespace lectern::server::test
