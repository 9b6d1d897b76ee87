// How live players write to their sockets: shared by RTMP and HTTP-FLV/WS-FLV players, so
// both kinds batch, bound and back off alike (docs/server.md, "Writes").
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "live_item.hpp"
#include "options.hpp"

namespace lectern::server {

/// One gathered write: large enough to fill a socket buffer, small enough that a new
/// keyframe is not stuck behind seconds of older data.
inline constexpr std::size_t k_player_write_batch = 256 * 1024;

/// --write-batching window (--no-low-latency): how long a player's writer waits for the publisher
/// to add more to a write when little is queued (fewer system calls, more delay).
inline constexpr auto k_player_batch_wait = std::chrono::milliseconds(20);

/// --write-batching frame: the most audio (in media time) a player's writer holds back
/// waiting for a video frame to go out with. 50 ms covers video down to 20 fps; with slower
/// or no video (a screen share at 5 fps, an audio-only player) audio goes out in 50 ms runs.
inline constexpr std::uint64_t k_audio_hold_ms = 50;

/// Decides, for --write-batching frame, whether a live item queued for a player should wake
/// its writer now. On loopback and on fast links the kernel's cost is per write, not per
/// byte (a 200-byte AAC frame costs about as much as a 3 KB video frame), and a class sends
/// about 43 audio and 25 video messages a second: writing audio with the next video frame
/// makes about 25 writes a second instead of 68. Video, metadata, data and events are never
/// held; only audio waits, and never more than k_audio_hold_ms of it.
class frame_batcher {
 public:
  /// True if the writer should write now (the item and whatever is held before it).
  bool write_now(const live_item& item) noexcept {
    const auto& m = item.media;
    if (item.what != live_item::kind::media || !m.is_audio() || m.sequence_header) return true;
    if (!holding_) {
      holding_ = true;
      held_from_ = m.timestamp;
      return false;
    }
    return m.timestamp < held_from_ || m.timestamp - held_from_ >= k_audio_hold_ms;
  }
  /// The writer took everything queued: nothing is held any more.
  void written() noexcept { holding_ = false; }

 private:
  bool holding_ = false;
  std::uint64_t held_from_ = 0;  // media timestamp of the oldest audio held
};

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
