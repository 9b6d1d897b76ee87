// One RTMP client connection of lectern-bench: TCP connect, handshake, chunked messages in
// and out, and the protocol chores every client owes the server (acknowledgements, ping
// responses). Publisher and players are built on it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "lectern/shared/chunk_reader.hpp"
#include "lectern/shared/chunk_writer.hpp"
#include "lectern/shared/command.hpp"
#include "options.hpp"
#include "socket_clock.hpp"
#include "stamped_socket.hpp"

namespace lectern::bench {

namespace asio = boost::asio;

/// "code: description" of a _result/_error or onStatus information object, for errors.
std::string describe_status(const shared::amf::value& info);
using clock = std::chrono::steady_clock;

/// A client connection. Not thread-safe: used from one io_context. At most one read and
/// one write may be outstanding, as for the socket underneath.
class rtmp_client {
 public:
  /// `read_buffer` bytes are read at a time; each player has one, so it is kept small.
  rtmp_client(const asio::any_io_executor& ex, std::size_t read_buffer);

  /// Connects and performs the (digest) handshake. On failure detail() says what
  /// happened, in words ("cannot connect to 127.0.0.1:1935: connection refused — ...").
  asio::awaitable<std::error_code> open(const target& t);

  /// Chunks and writes one message, preceded by any queued acknowledgement or pong.
  asio::awaitable<std::error_code> send(const shared::rtmp::message& m);
  /// Writes already chunked bytes (from writer()), preceded by queued replies. `wire` is
  /// left empty.
  asio::awaitable<std::error_code> send_chunked(shared::bytes& wire);
  /// Writes the queued acknowledgements and pongs, if any.
  asio::awaitable<std::error_code> flush();
  bool has_replies() const noexcept { return !replies_.empty(); }

  /// Reads once from the socket and appends every message completed by those bytes to
  /// `out`, all stamped with one pair of arrival times. Acknowledgements and ping responses
  /// are queued (send them with flush()); control messages are still handed out.
  asio::awaitable<std::error_code> read_some(std::vector<shared::rtmp::message>& out,
                                             arrival_times& arrival);

  /// The next command message (types 20 and 17), skipping other messages. For setup only.
  asio::awaitable<std::error_code> next_command(shared::rtmp::command& out);

  /// Sends `c` on message stream `stream_id` and waits for the _result or _error with its
  /// transaction id. Commands that arrive meanwhile (onStatus, onBWDone) are appended to
  /// `others` when it is not null.
  asio::awaitable<std::error_code> call(const shared::rtmp::command& c, std::uint32_t stream_id,
                                        shared::rtmp::call_result& out,
                                        std::vector<shared::rtmp::command>* others = nullptr);

  /// connect(cc) and its _result; an _error is bench_error::connect_rejected.
  asio::awaitable<std::error_code> connect_app(const shared::rtmp::connect_command& cc);
  /// createStream (transaction `transaction`) and the stream id of its _result; an _error
  /// or a bad id is bench_error::create_stream_failed.
  asio::awaitable<std::error_code> create_stream(double transaction, std::uint32_t& stream_id);

  /// Moves the messages next_command() read but did not hand out (e.g. the onStatus and
  /// first media that followed a reply) to `out`, for the caller's read loop.
  void take_pending(std::vector<shared::rtmp::message>& out);

  /// Closes the socket; pending operations complete with operation_aborted. Idempotent.
  void close() noexcept { socket_.close(); }
  bool is_open() const noexcept { return socket_.is_open(); }

  shared::rtmp::chunk_writer& writer() noexcept { return writer_; }
  std::uint64_t bytes_in() const noexcept { return bytes_in_; }
  std::uint64_t bytes_out() const noexcept { return bytes_out_; }
  /// Reads by read_some() that returned bytes, and those of them without a kernel receive
  /// timestamp (their socket time is their read time).
  std::uint64_t reads() const noexcept { return socket_.reads(); }
  std::uint64_t reads_without_timestamp() const noexcept {
    return socket_.reads_without_timestamp();
  }
  /// Readable description of the last failure ("" if none).
  const std::string& detail() const noexcept { return detail_; }
  /// Records a readable failure description and returns `ec`, for one-line error returns.
  std::error_code fail(std::error_code ec, std::string detail);

 private:
  asio::awaitable<std::error_code> handshake(const target& t);
  asio::awaitable<std::error_code> write_all(shared::byte_view b);
  std::error_code parse(std::vector<shared::rtmp::message>& out);
  void queue_reply(const shared::rtmp::message& m);
  std::error_code read_failure(const boost::system::error_code& ec);

  stamped_socket socket_;
  std::unique_ptr<std::uint8_t[]> buf_;
  std::size_t cap_;
  std::size_t have_ = 0;  // unparsed bytes at the start of buf_
  shared::rtmp::chunk_reader reader_;
  shared::rtmp::chunk_writer writer_;
  shared::bytes replies_;  // chunked acks and pongs waiting for the next write
  std::vector<shared::rtmp::message> setup_batch_;
  std::size_t setup_pos_ = 0;
  std::string peer_;
  std::string detail_;
  std::uint64_t bytes_in_ = 0;
  std::uint64_t bytes_out_ = 0;
};

}  // namespace lectern::bench
