// When bytes reached a socket: the kernel's receive timestamp (SO_TIMESTAMPNS, socket(7)),
// moved to the steady clock, for lectern-bench's "delay at the socket".
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace lectern::bench {

/// When the bytes of one read arrived. `read`: when the tool's coroutine got them (its own
/// scheduling included). `socket`: when the kernel received them for this socket (its
/// receive timestamp, SO_TIMESTAMPNS, moved to the steady clock), or `read` if it gave none.
/// For TCP the kernel stamps a read with its last segment, so `socket` is never too early.
struct arrival_times {
  std::chrono::steady_clock::time_point read;
  std::chrono::steady_clock::time_point socket;
};

/// Asks the kernel to stamp what `fd` receives. False if it refused (the reads then come
/// without a timestamp).
bool enable_receive_timestamps(int fd);

/// One non-blocking recvmsg() and when its bytes arrived.
struct stamped_read {
  ssize_t n = -1;
  int error = 0;                              ///< errno when n < 0
  std::chrono::steady_clock::time_point now;  ///< right after the read
  /// The kernel's receive timestamp on the steady clock, never later than `now`; for TCP
  /// that of the last segment the read consumed (tcp_recv_timestamp(), net/ipv4/tcp.c).
  /// None without SO_TIMESTAMPNS.
  std::optional<std::chrono::steady_clock::time_point> arrived;
};

/// Reads up to `size` bytes from `fd` (MSG_DONTWAIT) with the kernel's timestamp. The
/// realtime stamp is moved to the steady clock by its age, both clocks read right after the
/// read (realtime first: a pause between the two readings makes `arrived` later, so a delay
/// is over-, never under-estimated). No fixed offset between the clocks is assumed, so a
/// step of the realtime clock before the bytes arrived changes nothing; a stamp later than
/// the read (a step in between) counts as the read's time.
stamped_read read_stamped(int fd, std::uint8_t* data, std::size_t size);

}  // namespace lectern::bench
