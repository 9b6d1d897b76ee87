#include "vod_library.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <new>

#include "recording_error.hpp"
#include "recording_io.hpp"

namespace lectern::server {

namespace asio = boost::asio;

vod_library::vod_library() : vod_library(limits{}) {}

vod_library::vod_library(limits l) : limits_(l), pool_(std::max(1u, l.threads)) {}

vod_library::~vod_library() {
  pool_.stop();  // opens not started are dropped; the sessions that asked are going too
  pool_.join();
}

void vod_library::open(std::filesystem::path file, callback done) {
  {
    std::lock_guard lock(mutex_);
    if (stats_.waiting >= limits_.max_waiting) {
      ++stats_.refused;
    } else {
      ++stats_.waiting;
      asio::post(pool_, [this, file = std::move(file), done = std::move(done)]() mutable {
        run(file, done);
      });
      return;
    }
  }
  done(nullptr, recording_error::queue_full, 0);
}

vod_library::stats vod_library::counters() const {
  std::lock_guard lock(mutex_);
  auto s = stats_;
  s.cached_files = cache_.size();
  s.cached_bytes = cached_bytes_;
  return s;
}

void vod_library::finished_locked(std::size_t n, bool ok) {
  stats_.waiting -= n;
  (ok ? stats_.opened : stats_.failed) += n;
}

// On a pool thread: maps the file, then finds its index in the cache, joins an indexing of
// the same version already running, or indexes it.
void vod_library::run(const std::filesystem::path& file, callback& done) {
  std::error_code ec;
  mapped_file map;
  struct stat st {};
  if (unique_fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC)); !fd) {
    ec = last_system_error();
  } else {
    map = mapped_file::map(fd.get(), ec);
    if (!ec && ::fstat(fd.get(), &st) != 0) ec = last_system_error();
  }
  if (ec) {
    {
      std::lock_guard lock(mutex_);
      finished_locked(1, false);
    }
    done(nullptr, ec, 0);
    return;
  }
  const version v{
      static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
      static_cast<std::uint64_t>(st.st_size),
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  // A file that grew between the mapping and fstat: this mapping is no known version.
  const bool shareable = v.size == map.size();
  const auto modified = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(v.mtime_ns)));
  const bool settled = std::chrono::system_clock::now() - modified >= limits_.settle;
  if (shareable) {
    std::unique_lock lock(mutex_);
    if (auto index = lookup_locked(v)) {
      finished_locked(1, true);
      lock.unlock();
      done(std::make_unique<vod_source>(std::move(map), std::move(index)), {}, 0);
      return;
    }
    if (auto it = indexing_.find(v); it != indexing_.end()) {
      // Another player's open indexes this version right now: answered when it is done,
      // without holding a thread meanwhile.
      it->second.push_back({std::move(map), std::move(done)});
      return;
    }
    indexing_[v];
  }
  index_and_answer(v, shareable, settled, std::move(map), done);
}

void vod_library::index_and_answer(const version& v, bool shareable, bool settled, mapped_file map,
                                   callback& done) {
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  std::shared_ptr<const vod_index> index;
  try {
    index = vod_index::build(map.data(), ec);
  } catch (const std::bad_alloc&) {
    ec = std::make_error_code(std::errc::not_enough_memory);
  }
  const auto ms = static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::chrono::steady_clock::now() - start)
                                                 .count());
  std::vector<waiter> waiters;
  {
    std::lock_guard lock(mutex_);
    if (shareable) {
      auto it = indexing_.find(v);
      waiters = std::move(it->second);
      indexing_.erase(it);
      if (index && settled) keep_locked(v, index);
    }
    if (index) ++stats_.indexed;
    finished_locked(1 + waiters.size(), index != nullptr);
  }
  const auto answer = [&](mapped_file m, callback& cb, std::uint32_t took) {
    cb(index ? std::make_unique<vod_source>(std::move(m), index) : nullptr, ec, took);
  };
  answer(std::move(map), done, std::max<std::uint32_t>(ms, 1));
  for (auto& w : waiters) answer(std::move(w.map), w.done, 0);
}

std::shared_ptr<const vod_index> vod_library::lookup_locked(const version& v) {
  auto it = std::find_if(cache_.begin(), cache_.end(), [&](const cached& c) { return c.key == v; });
  if (it == cache_.end()) return nullptr;
  cache_.splice(cache_.begin(), cache_, it);  // most recently used
  return it->index;
}

void vod_library::keep_locked(const version& v, std::shared_ptr<const vod_index> index) {
  const auto bytes = index->footprint();
  if (bytes > limits_.max_cached_bytes || limits_.max_cached_files == 0) return;
  cache_.push_front({v, std::move(index)});
  cached_bytes_ += bytes;
  // Players still holding an evicted index keep it; only the cache lets go.
  while (cache_.size() > limits_.max_cached_files || cached_bytes_ > limits_.max_cached_bytes) {
    cached_bytes_ -= cache_.back().index->footprint();
    cache_.pop_back();
  }
}

}  // namespace lectern::server
