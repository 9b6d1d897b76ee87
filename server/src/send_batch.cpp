#include "send_batch.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#ifdef LECTERN_HAVE_LIBURING
#include <liburing.h>
#endif

namespace lectern::server {

#ifdef LECTERN_HAVE_LIBURING

struct send_batch::ring {
  io_uring uring{};
  std::array<msghdr, k_capacity> headers{};
};

send_batch::send_batch(bool want) {
  if (!want) {
    why_ = "turned off (--no-io-uring)";
    return;
  }
  auto r = std::make_unique<ring>();
  // Completions are reaped right after each submission, so the completion queue never
  // holds more than one batch.
  const int rc = io_uring_queue_init(static_cast<unsigned>(k_capacity), &r->uring, 0);
  if (rc < 0) {
    why_ = std::string("the kernel refused io_uring: ") + std::strerror(-rc);
    return;
  }
  ring_ = std::move(r);
  if (!sends_without_waiting()) {
    io_uring_queue_exit(&ring_->uring);
    ring_.reset();
    why_ = "this kernel's io_uring waits on a full socket instead of answering EAGAIN";
  }
}

bool send_batch::sends_without_waiting() {
  // A socket pair whose sending side is full: both kinds of send (one buffer as a send,
  // gathered as a sendmsg) must come back -EAGAIN within the submission (kernels that
  // honour MSG_DONTWAIT in io_uring), or a slow player would stall its worker thread.
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) != 0) return false;
  std::array<char, 4096> junk{};
  while (send(fds[0], junk.data(), junk.size(), MSG_DONTWAIT | MSG_NOSIGNAL) > 0) {
  }
  const std::array<iovec, 2> two{iovec{junk.data(), 2048}, iovec{junk.data() + 2048, 2048}};
  constexpr unsigned n = 2;
  bool ok = add(fds[0], two.data(), 1) && add(fds[0], two.data(), 2);
  used_ = 0;
  const int rc = ok ? io_uring_submit(&ring_->uring) : 0;
  const unsigned submitted = rc < 0 ? 0 : static_cast<unsigned>(rc);
  ok = ok && submitted == n;
  unsigned seen = 0;
  io_uring_cqe* cqe = nullptr;
  while (seen < submitted && io_uring_peek_cqe(&ring_->uring, &cqe) == 0) {
    ok = ok && cqe->res == -EAGAIN;
    io_uring_cqe_seen(&ring_->uring, cqe);
    ++seen;
  }
  ok = ok && seen == n;
  // A send still waiting in the kernel: closing the sockets ends it, and its completion is
  // reaped before returning (when the probe fails the ring is closed anyway).
  close(fds[0]);
  close(fds[1]);
  while (seen < submitted && io_uring_wait_cqe(&ring_->uring, &cqe) == 0) {
    io_uring_cqe_seen(&ring_->uring, cqe);
    ++seen;
  }
  return ok;
}

send_batch::~send_batch() {
  if (ring_) io_uring_queue_exit(&ring_->uring);
}

bool send_batch::add(int fd, const iovec* buffers, std::size_t count) {
  if (!ring_ || used_ == k_capacity) return false;
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_->uring);
  if (sqe == nullptr) return false;
  // MSG_DONTWAIT: a full socket answers -EAGAIN at once instead of the send waiting in
  // the kernel, so every completion is there when the submission returns.
  constexpr int flags = MSG_DONTWAIT | MSG_NOSIGNAL;
  if (count == 1) {
    // One buffer (a player's usual write: one message) goes as a plain send, which spares
    // the kernel importing a msghdr and an iovec array for each player.
    io_uring_prep_send(sqe, fd, buffers[0].iov_base, buffers[0].iov_len, flags);
  } else {
    msghdr& h = ring_->headers[used_];
    h = msghdr{};
    h.msg_iov = const_cast<iovec*>(buffers);
    h.msg_iovlen = count;
    io_uring_prep_sendmsg(sqe, fd, &h, flags);
  }
  io_uring_sqe_set_data64(sqe, used_);
  ++used_;
  return true;
}

void send_batch::submit(std::vector<long>& results) {
  // -EAGAIN for a send that did not happen: its writer waits for writability and writes
  // the bytes itself, as for a full socket.
  results.assign(used_, -EAGAIN);
  if (used_ == 0) return;
  const auto n = static_cast<unsigned>(used_);
  used_ = 0;
  int rc;
  do {
    rc = io_uring_submit_and_wait(&ring_->uring, n);
  } while (rc == -EINTR);
  // Sends are taken from the ring in order: the first `submitted` went to the kernel.
  const unsigned submitted = rc < 0 ? 0 : std::min(static_cast<unsigned>(rc), n);
  unsigned seen = 0;
  io_uring_cqe* cqe = nullptr;
  while (seen < submitted) {
    if (io_uring_peek_cqe(&ring_->uring, &cqe) != 0 &&
        io_uring_wait_cqe(&ring_->uring, &cqe) != 0) {
      break;
    }
    const auto index = io_uring_cqe_get_data64(cqe);
    if (index < results.size()) results[index] = cqe->res;
    io_uring_cqe_seen(&ring_->uring, cqe);
    ++seen;
  }
  if (submitted < n || seen < submitted) {
    // The ring failed (memory, an overflowing completion queue): sends left in it must
    // never go later, so the ring goes, and the writers fall back to their own writes.
    io_uring_queue_exit(&ring_->uring);
    ring_.reset();
    why_ = rc < 0 ? std::string("io_uring failed: ") + std::strerror(-rc) : "io_uring failed";
  }
}

#else

struct send_batch::ring {};

send_batch::send_batch(bool want) {
  why_ = want ? "built without liburing" : "turned off (--no-io-uring)";
}
send_batch::~send_batch() = default;
bool send_batch::add(int, const iovec*, std::size_t) {
  return false;
}
void send_batch::submit(std::vector<long>& results) {
  results.clear();
}

#endif

}  // namespace lectern::server
