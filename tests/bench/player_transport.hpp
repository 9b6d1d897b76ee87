// How a player reaches the stream: the protocol steps up to play and the reading after it,
// for RTMP (rtmp_play.hpp) and for FLV over HTTP or a WebSocket (flv_client.hpp). The
// player (player.hpp) measures the same way whatever the transport.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "lectern/shared/message.hpp"
#include "options.hpp"
#include "socket_clock.hpp"

namespace lectern::bench {

namespace asio = boost::asio;
struct player_config;

/// One player's connection. Not thread-safe: used from one io_context. The player calls
/// open(), prepare(), play(), after_play(), then take_pending() once and read_some() and
/// flush() in turn until an error.
class player_transport {
 public:
  virtual ~player_transport() = default;

  /// TCP connect (and the RTMP handshake).
  virtual asio::awaitable<std::error_code> open() = 0;
  /// What comes before play (RTMP: connect, createStream).
  virtual asio::awaitable<std::error_code> prepare() = 0;
  /// Sends the play request (RTMP: play; HTTP: the GET or the WebSocket upgrade). The
  /// player notes the time just before: first_frame_ms counts from there.
  virtual asio::awaitable<std::error_code> play() = 0;
  /// What setup still owes after play (RTMP: SetBufferLength, receiveVideo; HTTP: the
  /// response head, which must say 200, or 101 for a WebSocket). A refusal is
  /// bench_error::play_refused.
  virtual asio::awaitable<std::error_code> after_play() = 0;

  /// Moves the messages setup read beyond what it needed (a GOP cache burst after the
  /// response head) to `out`, and says when they arrived.
  virtual void take_pending(std::vector<shared::rtmp::message>& out, arrival_times& arrival) = 0;
  /// Reads once from the socket and appends every message completed by those bytes to
  /// `out`, all stamped with one pair of arrival times.
  virtual asio::awaitable<std::error_code> read_some(std::vector<shared::rtmp::message>& out,
                                                     arrival_times& arrival) = 0;
  /// Writes the replies the reads queued (RTMP acknowledgements and pongs, WebSocket pongs).
  virtual asio::awaitable<std::error_code> flush() = 0;
  /// Closes the socket; pending operations end with bench_error::stopped. Idempotent.
  virtual void close() noexcept = 0;

  /// The answer to play as a status for the report ("HTTP 200"), "" for RTMP (its onStatus
  /// codes come as messages) or before the answer.
  virtual std::string play_status() const { return {}; }
  /// The setup step under way, for the error of a setup cut short.
  virtual const char* stage() const noexcept = 0;
  virtual std::uint64_t bytes_in() const noexcept = 0;
  /// Reads that returned bytes after the handshake, and those without a kernel timestamp.
  virtual std::uint64_t reads() const noexcept = 0;
  virtual std::uint64_t reads_without_timestamp() const noexcept = 0;
  /// Readable description of the last failure ("" if none).
  virtual const std::string& detail() const noexcept = 0;
  /// Records a readable failure description and returns `ec`.
  virtual std::error_code fail(std::error_code ec, std::string detail) = 0;
};

/// The transport cfg.transport names, playing cfg.target.
std::unique_ptr<player_transport> make_player_transport(const asio::any_io_executor& ex,
                                                        const player_config& cfg);

}  // namespace lectern::bench
