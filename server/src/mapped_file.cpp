#include "mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <utility>

#include "recording_error.hpp"
#include "recording_io.hpp"

namespace lectern::server {

mapped_file::mapped_file(mapped_file&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}

mapped_file& mapped_file::operator=(mapped_file&& o) noexcept {
  if (this != &o) {
    unmap();
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

mapped_file::~mapped_file() {
  unmap();
}

void mapped_file::unmap() noexcept {
  if (data_ != nullptr) ::munmap(const_cast<std::uint8_t*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

mapped_file mapped_file::open(const std::filesystem::path& file, std::error_code& ec) {
  unique_fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    ec = last_system_error();
    return {};
  }
  return map(fd.get(), ec);  // the mapping keeps the file alive after the descriptor closes
}

mapped_file mapped_file::map(int fd, std::error_code& ec) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ec = last_system_error();
    return {};
  }
  if (!S_ISREG(st.st_mode)) {
    ec = recording_error::not_a_file;
    return {};
  }
  ec.clear();
  mapped_file m;
  if (st.st_size == 0) return m;  // mmap(2) rejects length 0
  const auto size = static_cast<std::size_t>(st.st_size);
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) {
    ec = last_system_error();
    return {};
  }
  m.data_ = static_cast<const std::uint8_t*>(p);
  m.size_ = size;
  return m;
}

}  // namespace lectern::server
