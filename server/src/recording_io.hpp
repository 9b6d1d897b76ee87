// POSIX file plumbing shared by the recorder, the finalizer and VOD: an owned descriptor,
// the per-file lock that keeps a recorder and the finalizer off each other's file, and
// write(2)/fsync helpers that report errors as values.
#pragma once

#include <filesystem>
#include <system_error>

#include "lectern/shared/bytes.hpp"

namespace lectern::server {

/// An owned file descriptor (-1 when empty), closed on destruction.
class unique_fd {
 public:
  unique_fd() noexcept = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(o.release()) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  /// Closes the current descriptor (errors ignored: use close_checked() where they matter).
  void reset(int fd = -1) noexcept;
  /// Closes and reports close(2)'s error (NFS and some disk-full cases surface only here).
  std::error_code close_checked() noexcept;

 private:
  int fd_ = -1;
};

/// errno as a std::error_code.
std::error_code last_system_error() noexcept;

/// Opens `file` with `flags` (O_CLOEXEC is added) and takes an exclusive flock(2) without
/// blocking, then checks that the path still names the locked inode (the finalizer renames a
/// new file over a recording; a lock on the old inode would protect nothing) and retries if
/// not. Recorders and the finalizer all lock this way, so only one of them works on a
/// recording at a time. The lock is released when the descriptor is closed.
/// Errors: recording_error::busy if another descriptor holds the lock; not_a_file for
/// directories and devices; open(2)'s error otherwise.
unique_fd open_locked(const std::filesystem::path& file, int flags, std::error_code& ec);

/// True if `file` currently names the inode open as `fd`.
bool names_same_file(int fd, const std::filesystem::path& file) noexcept;

/// write(2) until all of `data` is written, retrying EINTR and short writes.
std::error_code write_all(int fd, shared::byte_view data) noexcept;

/// fsync(2) of a directory, so that a rename or a new name in it survives a power loss.
std::error_code sync_directory(const std::filesystem::path& dir) noexcept;

}  // namespace lectern::server
