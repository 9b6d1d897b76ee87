// How live players write to their sockets: shared by RTMP and HTTP-FLV/WS-FLV players, so
// both kinds batch, bound and back off alike (docs/server.md, "Writes").
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace lectern::server {

/// One gathered write: large enough to fill a socket buffer, small enough that a new
/// keyframe is not stuck behind seconds of older data.
inline constexpr std::size_t k_player_write_batch = 256 * 1024;

/// Messages in one write, each one buffer of a gathered send: under the kernel's IOV_MAX
/// (1024, which it refuses with EMSGSIZE), with room for the framing around them. A joiner's
/// GOP burst of many small frames (a still screen share) goes in several writes.
inline constexpr std::size_t k_player_write_buffers = 512;

/// --write-batching window (--no-low-latency): how long a player's writer waits for the publisher
/// to add more to a write when little is queued (fewer system calls, more delay).
inline constexpr auto k_player_batch_wait = std::chrono::milliseconds(20);

/// How often a player's watchdog checks its timeouts and lag (RTMP and HTTP players).
inline constexpr auto k_player_watchdog_period = std::chrono::milliseconds(250);

/// How often a connection that only plays checks its lag: an eighth of --max-lag-ms is soon
/// enough, at most once a second (1,000 players then wake 1,000 times a second, not 4,000).
/// Connections being set up, publishing or closing keep k_player_watchdog_period.
inline std::chrono::steady_clock::duration player_lag_period(std::chrono::milliseconds max_lag) {
  return std::clamp<std::chrono::steady_clock::duration>(max_lag / 8, k_player_watchdog_period,
                                                         std::chrono::seconds(1));
}

/// Sets up the socket of a live connection: no Nagle delay (media goes out when written),
/// and its backlog kept in the player's queue, where it can be dropped by priority, not in
/// the kernel: loopback and fast links let the send buffer grow to megabytes (tens of
/// seconds of a class), which would hide a stuck player from the lag check and add that
/// much delay. Only unsent bytes are limited; bytes in flight still fill the congestion
/// window. Errors are ignored: the options only fail if the peer is gone.
inline void tune_live_socket(boost::asio::ip::tcp::socket& socket) {
  constexpr int k_notsent_lowat = 128 * 1024;
  boost::system::error_code ignored;
  socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  socket.set_option(
      boost::asio::detail::socket_option::integer<IPPROTO_TCP, TCP_NOTSENT_LOWAT>(k_notsent_lowat),
      ignored);
}

}  // namespace lectern::server
