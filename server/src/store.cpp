#include "store.hpp"

#include <string>
#include <system_error>

#include "store_schema.hpp"

namespace lectern::server {

database::database(const std::filesystem::path& file)
    : sql(file),
      schema_version(migrate(sql)),
      admins(sql),
      admin_sessions(sql),
      rooms(sql),
      room_tokens(sql),
      class_sessions(sql),
      attendance(sql),
      recordings(sql),
      shared_objects(sql),
      audit(sql) {}

std::unique_ptr<store> store::open(const std::filesystem::path& db_file, log_function log,
                                   std::size_t max_posted) {
  const auto dir = db_file.parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      std::string m = "cannot create the data directory ";
      m += dir.string();
      m += ": ";
      m += ec.message();
      throw store_error(m);
    }
  }
  auto db = std::make_unique<database>(db_file);
  return std::unique_ptr<store>(new store(std::move(db), std::move(log), max_posted));
}

store::store(std::unique_ptr<database> db, log_function log, std::size_t max_posted)
    : db_(std::move(db)),
      log_(std::move(log)),
      max_posted_(max_posted),
      schema_version_(db_->schema_version),
      work_(io_.get_executor()),
      thread_([this] { thread_main(); }) {}

store::~store() {
  stop();
}

void store::thread_main() {
  // Every job catches its own exceptions (run: co_spawn, run_sync: packaged_task, post: below);
  // this loop only guards against a bug taking the whole server down with the thread.
  for (;;) {
    try {
      io_.run();
      return;
    } catch (const std::exception& e) {
      std::string m = "store thread: unexpected exception: ";
      m += e.what();
      log(m);
    }
  }
}

bool store::post(std::function<void(database&)> job) {
  if (drop_if_stopped()) return false;
  if (pending_.fetch_add(1) >= max_posted_) {
    --pending_;
    // Log the first drop of each thousand: a stuck disk would otherwise flood the log.
    if (dropped_.fetch_add(1) % 1000 == 0)
      log("store: the job queue is full; dropping posted jobs (see dropped())");
    return false;
  }
  enqueue(std::move(job));
  return true;
}

bool store::drop_if_stopped() {
  if (!stopped_.load()) return false;
  ++dropped_;
  log("store: a job was posted after stop() and dropped");
  return true;
}

void store::post_essential(std::function<void(database&)> job) {
  if (drop_if_stopped()) return;
  ++pending_;
  enqueue(std::move(job));
}

void store::enqueue(std::function<void(database&)> job) {
  boost::asio::post(io_, [this, job = std::move(job)] {
    try {
      job(*db_);
    } catch (const std::exception& e) {
      std::string m = "store: a posted job failed: ";
      m += e.what();
      log(m);
    } catch (...) {
      log("store: a posted job failed with an unknown exception");
    }
    --pending_;
  });
}

void store::stop() {
  if (io_.get_executor().running_in_this_thread())
    throw store_error("store::stop called on the store thread");
  if (stopped_.exchange(true)) return;
  work_.reset();  // run() returns once the queue is empty
  thread_.join();
}

void store::throw_if_stopped() const {
  if (stopped_.load()) throw store_error("the store has been stopped");
}

void store::log(std::string_view message) const {
  if (log_) log_(message);
}

}  // namespace lectern::server
