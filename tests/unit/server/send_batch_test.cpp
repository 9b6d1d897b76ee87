// send_batch: one io_uring submission for many sockets' writes, answered in order, a full
// socket at once with -EAGAIN (never waiting), and the fallback when turned off.
#include "send_batch.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>

namespace lectern::server {
namespace {

struct socket_pair {
  int fds[2] = {-1, -1};
  socket_pair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0); }
  ~socket_pair() {
    close(fds[0]);
    close(fds[1]);
  }
  std::string read_all() const {
    std::string out;
    std::array<char, 4096> buf{};
    for (;;) {
      const auto n = read(fds[1], buf.data(), buf.size());
      if (n <= 0) return out;
      out.append(buf.data(), static_cast<std::size_t>(n));
    }
  }
  void fill() const {
    std::array<char, 4096> junk{};
    while (send(fds[0], junk.data(), junk.size(), MSG_DONTWAIT) > 0) {
    }
  }
};

TEST(send_batch, SendsToManySocketsInOneSubmissionInOrder) {
  send_batch batch(true);
  if (!batch.enabled()) GTEST_SKIP() << "io_uring is not available here: " << batch.why();
  socket_pair a, b;
  std::string head = "hello ", tail = "world", other = "second socket";
  iovec to_a[] = {{head.data(), head.size()}, {tail.data(), tail.size()}};
  iovec to_b[] = {{other.data(), other.size()}};
  ASSERT_TRUE(batch.add(a.fds[0], to_a, 2));
  ASSERT_TRUE(batch.add(b.fds[0], to_b, 1));
  EXPECT_EQ(batch.size(), 2u);
  std::vector<long> results;
  batch.submit(results);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0], 11);
  EXPECT_EQ(results[1], static_cast<long>(other.size()));
  EXPECT_EQ(a.read_all(), "hello world");
  EXPECT_EQ(b.read_all(), other);
  EXPECT_EQ(batch.size(), 0u) << "a submission empties the batch";
}

TEST(send_batch, AFullSocketAnswersAtOnceAndTheOthersStillGo) {
  send_batch batch(true);
  if (!batch.enabled()) GTEST_SKIP() << "io_uring is not available here: " << batch.why();
  socket_pair slow, fast;
  slow.fill();  // a student who stopped reading
  std::string data = "frame";
  iovec one[] = {{data.data(), data.size()}};
  ASSERT_TRUE(batch.add(slow.fds[0], one, 1));
  ASSERT_TRUE(batch.add(fast.fds[0], one, 1));
  std::vector<long> results;
  batch.submit(results);  // must not wait for the slow socket to drain
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0], -EAGAIN);
  EXPECT_EQ(results[1], 5);
  EXPECT_EQ(fast.read_all(), "frame");
}

TEST(send_batch, RefusesMoreThanItsCapacity) {
  send_batch batch(true);
  if (!batch.enabled()) GTEST_SKIP() << "io_uring is not available here: " << batch.why();
  socket_pair p;
  std::string data = "x";
  iovec one[] = {{data.data(), data.size()}};
  for (std::size_t i = 0; i < send_batch::k_capacity; ++i) ASSERT_TRUE(batch.add(p.fds[0], one, 1));
  EXPECT_FALSE(batch.add(p.fds[0], one, 1)) << "the caller submits first";
  std::vector<long> results;
  batch.submit(results);
  EXPECT_EQ(results.size(), send_batch::k_capacity);
  EXPECT_EQ(p.read_all().size(), send_batch::k_capacity);
}

TEST(send_batch, TurnedOffSaysSoAndTakesNothing) {
  send_batch batch(false);
  EXPECT_FALSE(batch.enabled());
  EXPECT_NE(batch.why().find("--no-io-uring"), std::string::npos) << batch.why();
  socket_pair p;
  std::string data = "x";
  iovec one[] = {{data.data(), data.size()}};
  EXPECT_FALSE(batch.add(p.fds[0], one, 1));
}

}  // namespace
}  // namespace lectern::server
