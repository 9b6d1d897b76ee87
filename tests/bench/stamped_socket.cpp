#include "stamped_socket.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <tuple>

#include "bench_error.hpp"

namespace lectern::bench {

using asio::as_tuple;
using asio::use_awaitable;
using steady = std::chrono::steady_clock;

asio::awaitable<std::error_code> stamped_socket::connect(const target& t, std::string& detail) {
  const std::string peer = t.endpoint();
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(t.host, ec);
  if (ec) {
    detail = "bad address '" + t.host + "': " + ec.message();
    co_return ec;
  }
  std::tie(ec) = co_await socket_.async_connect({addr, t.port}, as_tuple(use_awaitable));
  if (ec == asio::error::operation_aborted) {
    detail = "connect to " + peer + " did not finish before the end";
    co_return bench_error::stopped;
  }
  if (ec == asio::error::connection_refused)
    detail = "cannot connect to " + peer + ": connection refused \u2014 is the server running?";
  else if (ec)
    detail = "cannot connect to " + peer + ": " + ec.message();
  if (ec) co_return ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  // Every read() gets the kernel's receive timestamp (socket(7)). A kernel that refuses the
  // option gives none, and reads_without_timestamp() counts the reads that had to do without.
  (void)enable_receive_timestamps(socket_.native_handle());
  co_return std::error_code{};
}

void stamped_socket::close() noexcept {
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

// recvmsg() rather than async_read_some(), for the receive timestamp (SO_TIMESTAMPNS, set in
// connect()). After a read that filled the buffer more bytes are probably there: they are read
// at once, as Asio's own reads try first. Otherwise the socket is waited on first: Asio's
// reactor re-arms the descriptor for each wait (EPOLL_CTL_MOD), which also reports bytes that
// came while no wait was queued, so no call is spent finding the socket empty.
asio::awaitable<boost::system::error_code> stamped_socket::read(std::uint8_t* data,
                                                                std::size_t size, std::size_t& n,
                                                                arrival_times& arrival) {
  n = 0;
  bool try_first = read_filled_;
  for (bool waited = false;;) {
    // Closed by close() since the last read: the run is over for this client.
    if (!socket_.is_open()) {
      arrival.read = arrival.socket = steady::now();
      co_return asio::error::operation_aborted;
    }
    if (!try_first) {
      auto [ec] =
          co_await socket_.async_wait(asio::ip::tcp::socket::wait_read, as_tuple(use_awaitable));
      if (ec) {
        arrival.read = arrival.socket = steady::now();
        co_return ec;
      }
      waited = true;
    }
    try_first = false;
    const stamped_read r = read_stamped(socket_.native_handle(), data, size);
    if (r.n > 0) {
      // Read without waiting: let the thread's other connections go first, as Asio does
      // with a read that completes at once (it posts the completion), so that the read
      // time means what it meant with async_read_some().
      if (!waited) co_await asio::post(socket_.get_executor(), use_awaitable);
      arrival.read = steady::now();
      arrival.socket = r.arrived.value_or(arrival.read);
      ++reads_;
      reads_without_timestamp_ += !r.arrived;
      n = static_cast<std::size_t>(r.n);
      read_filled_ = n == size;
      co_return boost::system::error_code{};
    }
    arrival.read = arrival.socket = r.now;
    if (r.n == 0) co_return asio::error::eof;
    if (r.error == EINTR) {
      try_first = true;
      continue;
    }
    if (r.error != EAGAIN && r.error != EWOULDBLOCK)
      co_return boost::system::error_code(r.error, asio::error::get_system_category());
  }
}

}  // namespace lectern::bench
