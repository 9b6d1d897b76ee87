// One WebSocket connection: ordered, bounded sending from any thread, and text messages
// delivered one at a time to a handler on the connection's executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "http_types.hpp"
#include "log.hpp"

namespace lectern::server {

/// A WebSocket connection after the upgrade. Three coroutines on its executor: reader()
/// (started by set_handler), writer() (sends queued frames in order, then the close frame)
/// and watchdog() (pings, idle timeout). It keeps itself alive while open.
class ws_connection : public closable, public std::enable_shared_from_this<ws_connection> {
 public:
  using stream_type = boost::beast::websocket::stream<boost::beast::tcp_stream>;
  using executor_type = boost::asio::any_io_executor;
  using clock = std::chrono::steady_clock;

  /// What the application sees of a connection. Both calls run on the connection's executor.
  class handler {
   public:
    virtual ~handler() = default;
    /// One complete text message (valid UTF-8, at most ws_max_message_bytes).
    virtual void on_text(std::string_view message) = 0;
    /// The connection is ending (closed by either side, failed, too slow, idle, stopped).
    /// Called exactly once; no on_text follows. The handler is released afterwards.
    virtual void on_close(std::string_view reason) = 0;
  };

  /// Close codes we send (RFC 6455 7.4.1; 4000-4999 are ours).
  static constexpr std::uint16_t k_going_away = 1001;
  static constexpr std::uint16_t k_unsupported_data = 1003;
  static constexpr std::uint16_t k_internal_error = 1011;
  static constexpr std::uint16_t k_idle_timeout = 4000;
  static constexpr std::uint16_t k_too_slow = 4009;

  /// Completes the upgrade handshake for `req` on `stream` (Server header on the 101).
  /// Returns the connection, not yet started; throws boost::system::system_error on failure.
  static boost::asio::awaitable<std::shared_ptr<ws_connection>> upgrade(
      boost::beast::tcp_stream stream, const http_request& req, std::string peer,
      const http_limits& limits, logger& log, std::shared_ptr<connection_registry> registry);

  ws_connection(stream_type ws, std::uint64_t id, std::string peer, const http_limits& limits,
                logger& log, std::shared_ptr<connection_registry> registry);
  ~ws_connection() override;
  ws_connection(const ws_connection&) = delete;
  ws_connection& operator=(const ws_connection&) = delete;

  /// Registers with the server and starts the writer and the watchdog. Call once, on the
  /// connection's executor.
  void start();

  /// Sets who receives messages and starts reading (thread-safe). If the connection already
  /// ended, `h` gets on_close at once.
  void set_handler(std::shared_ptr<handler> h);
  /// Queues one text frame (thread-safe; never runs inline, so the caller may hold locks
  /// the handler takes). The same frame may go to many connections. If the
  /// bytes waiting exceed ws_max_queued_bytes, the queue is dropped and the connection
  /// closed with 4009 "too slow". Frames sent after close() are dropped.
  void send(std::shared_ptr<const std::string> frame);
  /// Sends what is queued, then a close frame; the socket is cut if the peer has not
  /// answered within ws_close_timeout (thread-safe, never inline; later calls are ignored).
  void close(std::uint16_t code, std::string reason);
  /// Closes with 1011 if no handler has been set by now (thread-safe; runs after tasks
  /// already queued on the connection). The session calls it when the route returns.
  void close_if_unhandled();
  /// closable: the server is stopping.
  void shutdown() override { close(k_going_away, "server shutting down"); }

  std::uint64_t id() const noexcept { return id_; }
  const std::string& peer() const noexcept { return peer_; }
  executor_type executor() noexcept { return ws_.get_executor(); }

 private:
  static boost::asio::awaitable<void> reader(std::shared_ptr<ws_connection> self);
  static boost::asio::awaitable<void> writer(std::shared_ptr<ws_connection> self);
  static boost::asio::awaitable<void> watchdog(std::shared_ptr<ws_connection> self);
  void enqueue(std::shared_ptr<const std::string> frame);
  void begin_close(std::uint16_t code, std::string reason);
  void notify_close(std::string_view reason);
  void finish(std::string_view reason);
  void ping();

  stream_type ws_;
  const std::uint64_t id_;
  const std::string peer_;
  const http_limits limits_;
  logger& log_;
  const std::shared_ptr<connection_registry> registry_;

  // Touched only on the executor.
  std::shared_ptr<handler> handler_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::size_t queued_bytes_ = 0;
  boost::beast::flat_buffer in_;
  boost::asio::steady_timer wake_;      // the writer sleeps on it; cancel() wakes it
  boost::asio::steady_timer tick_;      // the watchdog's period
  boost::asio::steady_timer deadline_;  // the close handshake's limit
  boost::beast::websocket::close_reason close_reason_;
  std::string close_text_;  // the reason as given (close_reason_ holds at most 123 bytes)
  clock::time_point last_received_;
  bool registered_ = false;
  bool reading_ = false;
  bool closing_ = false;
  bool close_notified_ = false;
  bool ping_pending_ = false;
  bool finished_ = false;
};

}  // namespace lectern::server
