// lectern-bench's "delay at the socket": a read reports when its bytes reached the socket
// (the kernel's receive timestamp), not when the tool got round to reading them.
#include "socket_clock.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <thread>

namespace lectern::bench {
namespace {

using namespace std::chrono_literals;

// A connected TCP pair on loopback: `sender` writes, `receiver` (non-blocking reads) reads.
struct tcp_pair {
  int sender = -1, receiver = -1;
  tcp_pair() {
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listener, 1), 0);
    EXPECT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len), 0);
    sender = ::socket(AF_INET, SOCK_STREAM, 0);
    // Without it Nagle may hold a small write until the last one is acknowledged, and the
    // bytes would reach the receiver late.
    const int on = 1;
    EXPECT_EQ(::setsockopt(sender, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on), 0);
    EXPECT_EQ(::connect(sender, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    receiver = ::accept(listener, nullptr, nullptr);
    ::close(listener);
  }
  ~tcp_pair() {
    ::close(sender);
    ::close(receiver);
  }
  void send_bytes(const char* text, std::size_t n) const {
    ASSERT_EQ(::send(sender, text, n, MSG_NOSIGNAL), static_cast<ssize_t>(n));
  }
  // Reads what was sent, waiting up to 2 s for it.
  stamped_read read_sent(std::array<std::uint8_t, 64>& buf) const {
    stamped_read r;
    for (int i = 0; i < 200; ++i) {
      r = read_stamped(receiver, buf.data(), buf.size());
      if (r.n != -1 || (r.error != EAGAIN && r.error != EWOULDBLOCK)) return r;
      std::this_thread::sleep_for(10ms);
    }
    return r;
  }
};

TEST(socket_clock, AReadTellsWhenItsBytesArrivedNotWhenTheyWereRead) {
  tcp_pair p;
  ASSERT_TRUE(enable_receive_timestamps(p.receiver));
  std::array<std::uint8_t, 64> buf{};
  // The kernel turns timestamps on for the machine with deferred work, a moment after the
  // first socket asks (and off again a moment after the last one closes), so the first
  // packets may come unstamped. Give it up to 2 s.
  bool stamped = false;
  const auto give_up = std::chrono::steady_clock::now() + 2s;
  while (!stamped && std::chrono::steady_clock::now() < give_up) {
    p.send_bytes("w", 1);
    stamped = p.read_sent(buf).arrived.has_value();
    if (!stamped) std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(stamped) << "the kernel never stamped a received packet";

  constexpr auto busy = 300ms;  // the tool busy with other players
  const auto sent_at = std::chrono::steady_clock::now();
  p.send_bytes("hello", 5);
  std::this_thread::sleep_for(busy);
  const stamped_read r = p.read_sent(buf);
  ASSERT_EQ(r.n, 5);
  ASSERT_TRUE(r.arrived);
  EXPECT_LE(*r.arrived, r.now);
  // On loopback the bytes arrive as they are sent. A busy machine may run the receive path
  // late, so only half the wait is required; a read dated when it was read shows 0 ms.
  EXPECT_GE(r.now - *r.arrived, busy / 2) << "the time of the read, not of the arrival";
  EXPECT_GE(*r.arrived, sent_at - 5ms) << "dated before the bytes were sent";
}

TEST(socket_clock, WithoutTimestampsTurnedOnAReadHasNone) {
  tcp_pair p;
  std::array<std::uint8_t, 64> buf{};
  p.send_bytes("hello", 5);
  const stamped_read r = p.read_sent(buf);
  ASSERT_EQ(r.n, 5);
  EXPECT_FALSE(r.arrived);
}

TEST(socket_clock, AnEmptySocketSaysWouldBlockAtOnce) {
  tcp_pair p;
  std::array<std::uint8_t, 64> buf{};
  const stamped_read r = read_stamped(p.receiver, buf.data(), buf.size());
  EXPECT_EQ(r.n, -1);
  EXPECT_TRUE(r.error == EAGAIN || r.error == EWOULDBLOCK) << r.error;
  EXPECT_FALSE(r.arrived);
}

}  // namespace
}  // namespace lectern::bench
