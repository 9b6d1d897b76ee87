#include "socket_clock.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace lectern::bench {

namespace {

// The SCM_TIMESTAMPNS control message of `msg` (CLOCK_REALTIME), if there is one.
std::optional<timespec> receive_timestamp(msghdr& msg) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
    timespec ts{};
    std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
    return ts;
  }
  return std::nullopt;
}

std::chrono::steady_clock::time_point to_steady(const timespec& stamp,
                                                std::chrono::steady_clock::time_point steady_now,
                                                std::chrono::system_clock::time_point real_now) {
  using namespace std::chrono;
  const system_clock::time_point at(
      duration_cast<system_clock::duration>(seconds(stamp.tv_sec) + nanoseconds(stamp.tv_nsec)));
  const auto age = std::max(real_now - at, system_clock::duration::zero());
  return steady_now - duration_cast<steady_clock::duration>(age);
}

}  // namespace

bool enable_receive_timestamps(int fd) {
  const int on = 1;
  return ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0;
}

stamped_read read_stamped(int fd, std::uint8_t* data, std::size_t size) {
  iovec iov{data, size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  stamped_read r;
  r.n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
  r.error = r.n < 0 ? errno : 0;
  const auto real_now = std::chrono::system_clock::now();
  r.now = std::chrono::steady_clock::now();
  if (r.n > 0) {
    if (const auto stamp = receive_timestamp(msg)) r.arrived = to_steady(*stamp, r.now, real_now);
  }
  return r;
}

}  // namespace lectern::bench
