// One client of the WebSocket control channel for `lectern-bench ws-chat`: joins the room,
// reads every frame, notes when each of the run's chat messages arrives, and sends a chat
// message when the coordinator asks.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/system/error_code.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat_board.hpp"
#include "options.hpp"

namespace lectern::bench {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

/// What every client is told.
struct ws_client_config {
  bench::target server;
  std::string path;   ///< "/api/v1/ws"
  std::string token;  ///< percent-encoded already
};

/// What one client measured.
struct ws_client_stats {
  int id = 0;
  std::optional<double> join_ms;  ///< from starting the TCP connect to the third so.state
  std::vector<float> latency_ms;  ///< per message of the run; NaN: never arrived
  std::uint64_t frames = 0;       ///< text frames received
  std::uint64_t bytes = 0;        ///< their payload bytes
  bool join_failed = false;
  std::string error;  ///< empty: none; else what went wrong, in words
};

/// A client. Lives on one io_context: run(), send_chat(), stop() and abandon_join() are
/// called on its thread.
class ws_client {
 public:
  ws_client(const asio::any_io_executor& ex, int id, const ws_client_config& cfg,
            chat_board& board);

  /// Waits until `start_at`, joins, then reads until stop() or the connection ends.
  asio::awaitable<void> run(clock::time_point start_at);
  /// Sends chat message `seq` ("MARKER SEQ SENT_NS"), stamping the board first.
  asio::awaitable<void> send_chat(int seq);
  /// Ends the run: closes the socket. Idempotent.
  void stop();
  /// Gives up on a client that has not joined by the end of the join phase.
  void abandon_join();

  const ws_client_stats& stats() const noexcept { return stats_; }

 private:
  using ws_stream = boost::beast::websocket::stream<boost::beast::tcp_stream>;

  asio::awaitable<error_code> join();
  asio::awaitable<error_code> read_loop();
  asio::awaitable<error_code> read_frame(std::string_view& text);
  void on_join_frame(std::string_view text);
  void on_frame(std::string_view text, clock::time_point arrival);
  void on_chat_change(const nlohmann::json& frame, clock::time_point arrival);
  void on_result(const nlohmann::json& frame, clock::time_point arrival);
  std::string describe(const error_code& ec, const char* stage);

  const ws_client_config& cfg_;
  chat_board& board_;
  ws_stream ws_;
  asio::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  ws_client_stats stats_;
  std::string server_error_;  // the last {"op":"error"} the server sent, for the error text
  int states_ = 0;            // so.state frames seen while joining
  bool welcomed_ = false;
  bool joined_ = false;
  bool stopped_ = false;
};

}  // namespace lectern::bench
