// The store thread: run() from coroutines on other io_contexts, run_sync, post ordering and its
// bound, stop, and durability of acknowledged writes across a SIGKILL.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store_schema.hpp"
#include "store_test_util.hpp"

namespace lectern::server {
namespace {

namespace asio = boost::asio;
using test::store_dir;

// Collects what the store logs (called on the store thread).
struct log_lines {
  std::mutex mutex;
  std::vector<std::string> lines;

  store::log_function function() {
    return [this](std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(line);
    };
  }
  std::string joined() {
    std::lock_guard lock(mutex);
    std::string all;
    for (const auto& l : lines) {
      all += l;
      all += '\n';
    }
    return all;
  }
};

TEST(StoreThread, OpenCreatesTheDirectoryAndMigrates) {
  store_dir dir;
  const auto file = dir.path() / "data" / "nested" / "lectern.db";
  auto st = store::open(file);
  EXPECT_EQ(st->schema_version(), latest_schema_version());
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(st->run_sync([](database& db) { return db.admins.count(); }), 0);
}

TEST(StoreThread, RunResumesOnTheCallersIoContextAndPropagatesExceptions) {
  store_dir dir;
  auto st = store::open(dir.db_file());
  asio::io_context ctx;
  std::thread::id job_thread, resumed_thread, after_error_thread;
  std::string error;
  bool resumed_in_ctx = false;
  auto done = asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<std::int64_t> {
        job_thread = co_await st->run([](database&) { return std::this_thread::get_id(); });
        resumed_thread = std::this_thread::get_id();
        resumed_in_ctx = ctx.get_executor().running_in_this_thread();
        co_await st->run([](database& db) { db.admins.create("alice", "h", 1); });  // void
        try {
          co_await st->run([](database& db) { return db.admins.create("alice", "h", 2); });
        } catch (const store_error& e) {
          error = e.what();
          after_error_thread = std::this_thread::get_id();
        }
        co_return co_await st->run([](database& db) { return db.admins.count(); });
      },
      asio::use_future);
  std::thread worker([&] { ctx.run(); });
  const auto count = done.get();
  const auto worker_id = worker.get_id();
  worker.join();

  EXPECT_EQ(count, 1);
  EXPECT_NE(job_thread, worker_id);
  EXPECT_NE(job_thread, std::this_thread::get_id());
  EXPECT_EQ(resumed_thread, worker_id);
  EXPECT_TRUE(resumed_in_ctx);
  EXPECT_NE(error.find("UNIQUE constraint failed: admins.username"), std::string::npos) << error;
  EXPECT_EQ(after_error_thread, worker_id);
}

TEST(StoreThread, RunSyncReturnsValuesAndRethrows) {
  store_dir dir;
  auto st = store::open(dir.db_file());
  room_fields f;
  f.name = "Chemistry";
  const auto room = st->run_sync([&](database& db) { return db.rooms.create(f, 10); });
  EXPECT_EQ(st->run_sync([&](database& db) { return db.rooms.find(room.id)->name; }), "Chemistry");
  EXPECT_THROW(st->run_sync([](database&) -> int { throw std::logic_error("boom"); }),
               std::logic_error);
  // Refused on the store thread itself, where it would wait for itself forever.
  std::string refused = st->run_sync([&](database&) {
    try {
      st->run_sync([](database&) { return 0; });
      return std::string("ran");
    } catch (const store_error& e) {
      return std::string(e.what());
    }
  });
  EXPECT_NE(refused.find("store thread"), std::string::npos) << refused;
}

TEST(StoreThread, PostedJobsRunInOrderAndFailuresAreLogged) {
  store_dir dir;
  log_lines log;
  auto st = store::open(dir.db_file(), log.function());
  std::vector<int> seen;  // touched only on the store thread until run_sync returns
  for (int i = 0; i < 500; ++i) {
    st->post([&seen, i](database&) { seen.push_back(i); });
    if (i == 250) st->post([](database&) { throw std::runtime_error("disk on fire"); });
  }
  const auto result = st->run_sync([&](database&) { return seen; });
  ASSERT_EQ(result.size(), 500u);
  for (int i = 0; i < 500; ++i) ASSERT_EQ(result[static_cast<std::size_t>(i)], i);
  EXPECT_NE(log.joined().find("disk on fire"), std::string::npos) << log.joined();
  EXPECT_EQ(st->posted_pending(), 0u);
}

TEST(StoreThread, PostDropsJobsBeyondItsBound) {
  store_dir dir;
  log_lines log;
  auto st = store::open(dir.db_file(), log.function(), 2);
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> ran{0};
  st->post([released](database&) { released.wait(); });  // holds the store thread
  st->post([&ran](database&) { ++ran; });
  st->post([&ran](database&) { ++ran; });  // third waiting job: over the bound of 2
  const auto dropped = st->dropped();
  const auto pending = st->posted_pending();
  release.set_value();
  st->run_sync([](database&) {});
  EXPECT_EQ(dropped, 1u);
  EXPECT_EQ(pending, 2u);
  EXPECT_EQ(ran.load(), 1);
  EXPECT_NE(log.joined().find("queue is full"), std::string::npos);
}

TEST(StoreThread, EssentialJobsRunEvenWhenTheQueueIsFull) {
  // A room's first load is essential: students flooding shared-object writes must not make
  // the room wait forever for a load that was dropped.
  store_dir dir;
  auto st = store::open(dir.db_file(), {}, 2);
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> ran{0};
  st->post([released](database&) { released.wait(); });
  st->post([&ran](database&) { ++ran; });
  st->post([&ran](database&) { ran += 10; });             // dropped: over the bound
  st->post_essential([&ran](database&) { ran += 100; });  // queued anyway
  release.set_value();
  st->run_sync([](database&) {});
  EXPECT_EQ(ran.load(), 101);
  EXPECT_EQ(st->dropped(), 1u);
  EXPECT_EQ(st->posted_pending(), 0u);
}

TEST(StoreThread, StopRunsQueuedWorkThenRefusesMore) {
  store_dir dir;
  auto st = store::open(dir.db_file());
  for (int i = 0; i < 100; ++i) {
    st->post([i](database& db) {
      audit_fields f;
      f.at = i;
      f.actor = "t";
      f.action = "tick";
      db.audit.add(f);
    });
  }
  st->stop();
  EXPECT_THROW(st->run_sync([](database&) { return 0; }), store_error);
  st->post([](database&) {});
  EXPECT_EQ(st->dropped(), 1u);
  st.reset();
  database db(dir.db_file());
  EXPECT_EQ(db.audit.list(1000).size(), 100u);
}

// Reads one id from the pipe; false at end of file. Fails the test after 60 s of silence.
bool read_id(int fd, std::int64_t& id) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 60'000) != 1) {
    ADD_FAILURE() << "the writer went silent";
    return false;
  }
  const auto n = ::read(fd, &id, sizeof id);
  if (n == 0) return false;
  EXPECT_EQ(n, static_cast<ssize_t>(sizeof id));  // pipe writes of 8 bytes are atomic
  return n == sizeof id;
}

// Runs in the forked child: creates rooms, each with its teacher token in the same
// transaction, and writes each room id to `fd` once run_sync has returned it.
[[noreturn]] void write_until_killed(const std::filesystem::path& file, int fd) {
  try {
    auto st = store::open(file);
    for (int i = 0; i < 1'000'000; ++i) {
      const auto id = st->run_sync([i](database& db) {
        auto tx = db.begin();
        room_fields f;
        f.name = "room " + std::to_string(i);
        const auto room = db.rooms.create(f, i);
        db.room_tokens.set_active(room.id, "teacher", "n", "hash-" + std::to_string(i), i);
        tx.commit();
        return room.id;
      });
      if (::write(fd, &id, sizeof id) != sizeof id) ::_exit(2);
    }
  } catch (...) {
    ::_exit(1);
  }
  ::_exit(3);  // never killed
}

TEST(StoreDurability, EveryAcknowledgedWriteSurvivesSigkill) {
  store_dir dir;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    write_until_killed(dir.db_file(), fds[1]);
  }
  ::close(fds[1]);
  std::vector<std::int64_t> acknowledged;
  std::int64_t id = 0;
  while (read_id(fds[0], id)) {
    acknowledged.push_back(id);
    if (acknowledged.size() == 200) ::kill(child, SIGKILL);
  }
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  ASSERT_GE(acknowledged.size(), 200u);

  database db(dir.db_file());
  EXPECT_EQ(db.sql.query_text("PRAGMA integrity_check", "check"), "ok");
  for (const auto room : acknowledged) {
    ASSERT_TRUE(db.rooms.find(room)) << "acknowledged room " << room << " lost";
    ASSERT_EQ(db.room_tokens.active(room).size(), 1u) << "room " << room;
  }
  // Rows past the last acknowledgement may exist, but never a room without its token.
  EXPECT_EQ(db.sql.query_int("SELECT count(*) FROM rooms WHERE id NOT IN "
                             "(SELECT room_id FROM room_tokens)",
                             "orphans"),
            0);
}

}  // namespace
}  // namespace lectern::server
