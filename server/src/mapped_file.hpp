// A read-only memory map of a whole file: VOD players of one recording share its pages in the
// page cache, and the FLV index (shared::flv::build_index) wants the file as one byte_view.
#pragma once

#include <cstddef>
#include <filesystem>
#include <system_error>

#include "lectern/shared/bytes.hpp"

namespace lectern::server {

/// A private read-only mapping of a file as it was when mapped (later appends are not seen).
/// Truncating the file under a mapping makes reads past the new end fault (SIGBUS), so the
/// recorder never shrinks a recording below what readers index: see docs/recording.md.
class mapped_file {
 public:
  mapped_file() noexcept = default;
  mapped_file(mapped_file&& o) noexcept;
  mapped_file& operator=(mapped_file&& o) noexcept;
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;
  ~mapped_file();

  /// Maps `file`. An empty file maps to an empty view. Errors: open(2)/mmap(2) errors,
  /// recording_error::not_a_file.
  static mapped_file open(const std::filesystem::path& file, std::error_code& ec);
  /// Maps the file open as `fd` (which the caller keeps, e.g. to hold its lock).
  static mapped_file map(int fd, std::error_code& ec);

  shared::byte_view data() const noexcept { return {data_, size_}; }
  std::size_t size() const noexcept { return size_; }

 private:
  void unmap() noexcept;

  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace lectern::server
