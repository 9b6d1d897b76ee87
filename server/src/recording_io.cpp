#include "recording_io.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "recording_error.hpp"

namespace lectern::server {
namespace {

// A rename over the path between our open(2) and flock(2) sends us round again; more than a
// few in a row means something renames in a loop, and we give up rather than spin.
constexpr int k_open_attempts = 4;

}  // namespace

void unique_fd::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::error_code unique_fd::close_checked() noexcept {
  const int fd = release();
  // Linux releases the descriptor even when close(2) fails with EINTR: never retry it.
  if (fd >= 0 && ::close(fd) != 0 && errno != EINTR) return last_system_error();
  return {};
}

std::error_code last_system_error() noexcept {
  return {errno, std::system_category()};
}

bool names_same_file(int fd, const std::filesystem::path& file) noexcept {
  struct stat a {
  }, b{};
  if (::fstat(fd, &a) != 0 || ::stat(file.c_str(), &b) != 0) return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

unique_fd open_locked(const std::filesystem::path& file, int flags, std::error_code& ec) {
  for (int attempt = 0; attempt < k_open_attempts; ++attempt) {
    unique_fd fd(::open(file.c_str(), flags | O_CLOEXEC, 0644));
    if (!fd) {
      // Opening a directory for writing fails before fstat could tell: same error either way.
      ec = errno == EISDIR ? std::error_code(recording_error::not_a_file) : last_system_error();
      return {};
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
      ec = last_system_error();
      return {};
    }
    if (!S_ISREG(st.st_mode)) {
      ec = recording_error::not_a_file;
      return {};
    }
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      ec = errno == EWOULDBLOCK ? std::error_code(recording_error::busy) : last_system_error();
      return {};
    }
    if (names_same_file(fd.get(), file)) {
      ec.clear();
      return fd;
    }
  }
  ec = recording_error::busy;
  return {};
}

std::error_code write_all(int fd, shared::byte_view data) noexcept {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_system_error();
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

std::error_code sync_directory(const std::filesystem::path& dir) noexcept {
  const auto& name = dir.empty() ? std::filesystem::path(".") : dir;
  unique_fd fd(::open(name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0) return last_system_error();
  return {};
}

}  // namespace lectern::server
