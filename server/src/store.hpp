// The classroom server's persistent state in one SQLite file, <data-dir>/lectern.db, served
// by one dedicated store thread (docs/store.md). Network code never touches the database:
//
//   auto room = co_await store.run([&](database& db) { return db.rooms.find(id); });
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "sqlite_db.hpp"
#include "store_admins.hpp"
#include "store_classes.hpp"
#include "store_recordings.hpp"
#include "store_rooms.hpp"
#include "store_shared_objects.hpp"
#include "store_types.hpp"

namespace lectern::server {

/// The open, migrated database with one repository per table. Lives on the store thread.
struct database {
  /// Opens and migrates `file`. Throws store_error.
  explicit database(const std::filesystem::path& file);

  /// A transaction around several repository calls (they nest inside it).
  transaction begin() { return transaction(sql); }

  sqlite_db sql;             // first: everything below uses it
  const int schema_version;  // after migration, before the repositories prepare statements
  admins_repo admins;
  admin_sessions_repo admin_sessions;
  rooms_repo rooms;
  room_tokens_repo room_tokens;
  class_sessions_repo class_sessions;
  attendance_repo attendance;
  recordings_repo recordings;
  shared_objects_repo shared_objects;
  audit_repo audit;
};

/// Owns the database and the thread that runs every job on it, in submission order.
class store {
 public:
  using log_function = std::function<void(std::string_view)>;
  /// post() jobs waiting at most; more are dropped (and counted) rather than queued.
  static constexpr std::size_t k_default_max_posted = 10'000;

  /// Creates the parent directory, opens and migrates `db_file` (on the calling thread), then
  /// starts the store thread. `log` reports failed and dropped post() jobs; it is called on
  /// the store thread, or on the posting thread for a drop, so it must be thread-safe.
  /// Throws store_error.
  static std::unique_ptr<store> open(const std::filesystem::path& db_file, log_function log = {},
                                     std::size_t max_posted = k_default_max_posted);

  /// stop()s.
  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  /// Runs f(database&) on the store thread and resumes the awaiting coroutine on its own
  /// executor with f's result; an exception thrown by f is rethrown here. The result type
  /// must be default-constructible (Asio's co_spawn needs it for the exception path).
  template <class F>
  auto run(F f) -> boost::asio::awaitable<std::invoke_result_t<F&, database&>> {
    using result = std::invoke_result_t<F&, database&>;
    throw_if_stopped();
    // The job is a coroutine taking its state by value: its frame owns f while the caller waits.
    auto job = [](database& db, F fn) -> boost::asio::awaitable<result> {
      if constexpr (std::is_void_v<result>) {
        fn(db);
        co_return;
      } else {
        co_return fn(db);
      }
    };
    co_return co_await boost::asio::co_spawn(io_, job(*db_, std::move(f)),
                                             boost::asio::use_awaitable);
  }

  /// Runs f(database&) on the store thread and blocks until it is done (start-up, tools,
  /// tests). Must not be called on the store thread, which would wait for itself.
  template <class F>
  auto run_sync(F f) -> std::invoke_result_t<F&, database&> {
    using result = std::invoke_result_t<F&, database&>;
    throw_if_stopped();
    if (io_.get_executor().running_in_this_thread())
      throw store_error("store::run_sync called on the store thread");
    std::packaged_task<result()> task([&] { return f(*db_); });
    auto done = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return done.get();
  }

  /// Queues a job that nobody waits for (attendance, audit). Jobs run in order; an exception
  /// is reported through the log function. When max_posted jobs are already waiting the job
  /// is dropped, counted in dropped(), and logged. True if the job was queued.
  bool post(std::function<void(database&)> job);
  /// Like post(), but never dropped for a full queue: for jobs whose number is bounded by
  /// something else (a room's first load, once per room) and that others wait on.
  void post_essential(std::function<void(database&)> job);

  /// Runs the queued work, then ends the thread. Later run/run_sync throw and post drops.
  /// Call it with no run/run_sync/post in progress, never from the store thread.
  void stop();

  int schema_version() const noexcept { return schema_version_; }
  /// Posted jobs not yet finished (a metric).
  std::size_t posted_pending() const noexcept { return pending_.load(); }
  /// Posted jobs dropped because the queue was full or the store stopped (a metric).
  std::uint64_t dropped() const noexcept { return dropped_.load(); }

 private:
  store(std::unique_ptr<database> db, log_function log, std::size_t max_posted);
  void throw_if_stopped() const;
  bool drop_if_stopped();  // counts and logs a job posted after stop()
  void enqueue(std::function<void(database&)> job);
  void thread_main();
  void log(std::string_view message) const;

  std::unique_ptr<database> db_;
  log_function log_;
  const std::size_t max_posted_;
  const int schema_version_;
  std::atomic<std::size_t> pending_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<bool> stopped_{false};
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace lectern::server
