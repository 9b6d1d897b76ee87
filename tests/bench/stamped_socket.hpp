// The TCP socket of every lectern-bench client (RTMP, HTTP-FLV, WS-FLV): connect, and reads
// that say when their bytes reached the socket (the kernel's receive timestamp), the basis
// of "delay at the socket".
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <system_error>

#include "options.hpp"
#include "socket_clock.hpp"

namespace lectern::bench {

namespace asio = boost::asio;

/// A client socket. Not thread-safe: used from one io_context, one read at a time.
class stamped_socket {
 public:
  explicit stamped_socket(const asio::any_io_executor& ex) : socket_(ex) {}

  /// Connects to t.host:t.port, sets TCP_NODELAY and asks for kernel receive timestamps.
  /// On failure `detail` says what happened in words ("cannot connect to 127.0.0.1:1935:
  /// connection refused — ..."); a connect cut by close() is bench_error::stopped.
  asio::awaitable<std::error_code> connect(const target& t, std::string& detail);

  /// Reads once into [data, data + size) and says when the bytes arrived; `n` > 0 on success.
  /// Errors: asio::error::eof (the peer closed), operation_aborted (close() was called), or
  /// the read's errno. `arrival` is set in every case (to the time of the failure on error).
  asio::awaitable<boost::system::error_code> read(std::uint8_t* data, std::size_t size,
                                                  std::size_t& n, arrival_times& arrival);

  /// Shuts the socket down and closes it; pending operations end. Idempotent.
  void close() noexcept;
  bool is_open() const noexcept { return socket_.is_open(); }
  asio::ip::tcp::socket& socket() noexcept { return socket_; }

  /// Reads by read() that returned bytes, and those of them without a kernel receive
  /// timestamp (their socket time is their read time).
  std::uint64_t reads() const noexcept { return reads_; }
  std::uint64_t reads_without_timestamp() const noexcept { return reads_without_timestamp_; }

 private:
  asio::ip::tcp::socket socket_;
  bool read_filled_ = false;  // the last read() filled its buffer: more may be waiting
  std::uint64_t reads_ = 0;
  std::uint64_t reads_without_timestamp_ = 0;
};

}  // namespace lectern::bench
