// One system call for a round of player writes (io_uring), where each player's write was a
// sendmsg of its own. Used by the write rounds (round_writer.cpp); see docs/server.md, "Writes".
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lectern::server {

/// Gathered, non-blocking sends to many sockets, submitted together. Per worker thread;
/// not thread-safe. When io_uring is not available (built without liburing, an old kernel,
/// a seccomp filter, kernel.io_uring_disabled), enabled() is false and why() says why:
/// callers then write each socket themselves.
class send_batch {
 public:
  /// At most this many sends per submission; add() beyond it returns false.
  static constexpr std::size_t k_capacity = 256;

  explicit send_batch(bool want);
  ~send_batch();
  send_batch(const send_batch&) = delete;
  send_batch& operator=(const send_batch&) = delete;

  bool enabled() const noexcept { return ring_ != nullptr; }
  const std::string& why() const noexcept { return why_; }

  /// Queues a send of `count` buffers (they must stay valid until submit() returns).
  /// False when the batch is full: submit first.
  bool add(int fd, const iovec* buffers, std::size_t count);
  std::size_t size() const noexcept { return used_; }
  /// Sends everything queued with one system call; `results` gets, in the order of add(),
  /// the bytes each send wrote or -errno (-EAGAIN: the socket's buffer is full, or the send
  /// did not happen). Empties the batch. If the ring itself fails, it is closed and
  /// enabled() turns false: nothing queued is sent later.
  void submit(std::vector<long>& results);

 private:
  struct ring;
  bool sends_without_waiting();  // probes the kernel once (constructor)
  std::unique_ptr<ring> ring_;
  std::string why_;
  std::size_t used_ = 0;
};

}  // namespace lectern::server
