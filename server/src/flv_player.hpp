// A live player over HTTP: HTTP-FLV (a chunked response) or WS-FLV (WebSocket binary
// frames), on the same subscriber machinery as an RTMP player.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "live_item.hpp"
#include "outbound_queue.hpp"
#include "player_lag.hpp"
#include "round_writer.hpp"
#include "rtmp_observer.hpp"
#include "server_context.hpp"

namespace lectern::server {

class live_stream;

/// The connection an flv_player plays on: HTTP-FLV (the body of a chunked response) or
/// WS-FLV (WebSocket binary frames). The player writes the framed bytes to the socket
/// itself, in its worker's write rounds. All calls on the player's executor.
class flv_sink {
 public:
  virtual ~flv_sink() = default;
  /// The connection's socket.
  virtual boost::asio::ip::tcp::socket& socket() = 0;
  /// What goes before and after `payload` bytes of FLV in one write (a chunk's size line
  /// and CRLF; a binary frame's header); valid until the next call.
  virtual void frame(std::size_t payload, boost::asio::const_buffer& before,
                     boost::asio::const_buffer& after) = 0;
  /// The last bytes of a stream that ends politely (the terminating chunk; a close frame
  /// with `reason`); empty when there are none.
  virtual shared::bytes goodbye(std::string_view reason) = 0;
  /// After the goodbye, whether the peer is given a moment to answer (a WebSocket close)
  /// before the connection is cut.
  virtual bool waits_for_answer() const noexcept = 0;
  /// Where watch_peer() sends what the peer is owed, written between two writes of the
  /// stream: `reply` (a WebSocket pong), or `last_words` (a close frame: the echo of the
  /// peer's, or ours for a protocol error), after which nothing more is written and the
  /// connection ends, the string saying why.
  struct peer_answers {
    std::function<void(shared::bytes)> reply;
    std::function<void(shared::bytes, std::string)> last_words;
  };
  /// Reads what the peer sends until it goes away, and says why. After last words it keeps
  /// reading (and discarding) until the peer closes: closing a socket with unread bytes
  /// would reset the connection and lose the close frame.
  virtual boost::asio::awaitable<std::string> watch_peer(const peer_answers& to) = 0;
  /// Cuts the connection at once: a read or write in progress completes with an error.
  virtual void cut() = 0;
};

/// One place among --max-http-players, held by an flv_player for as long as it exists and
/// given back when it goes (also when making the player throws). Move-only; empty when the
/// place was refused.
class http_player_slot {
 public:
  http_player_slot() = default;
  http_player_slot(http_player_slot&& o) noexcept : count_(std::exchange(o.count_, nullptr)) {}
  http_player_slot& operator=(http_player_slot&& o) noexcept {
    if (this != &o) {
      release();
      count_ = std::exchange(o.count_, nullptr);
    }
    return *this;
  }
  http_player_slot(const http_player_slot&) = delete;
  http_player_slot& operator=(const http_player_slot&) = delete;
  ~http_player_slot() { release(); }
  explicit operator bool() const noexcept { return count_ != nullptr; }

 private:
  friend struct http_player_counters;
  explicit http_player_slot(std::atomic<std::size_t>& count) : count_(&count) {}
  void release() noexcept {
    if (count_ != nullptr) count_->fetch_sub(1, std::memory_order_relaxed);
    count_ = nullptr;
  }
  std::atomic<std::size_t>* count_ = nullptr;
};

/// Totals of every HTTP player of the server, for /metrics and the dashboard.
struct http_player_counters {
  std::atomic<std::size_t> players{0};
  std::atomic<std::uint64_t> bytes_out{0};
  std::atomic<std::uint64_t> dropped_messages{0};  ///< counted when a player leaves

  /// A place for one more player unless `limit` are taken (then an empty slot). The check
  /// and the count are one step, so players that start on several worker threads at once
  /// cannot pass --max-http-players.
  http_player_slot try_add_player(std::size_t limit) noexcept {
    auto n = players.load(std::memory_order_relaxed);
    do {
      if (n >= limit) return {};
    } while (!players.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
    return http_player_slot(players);
  }
};

/// One HTTP-FLV or WS-FLV player of a live stream. It subscribes like an RTMP player: the
/// GOP-cache start, the bounded queue with its drop policy (subscriber_queue_bytes/ms), the
/// lag rule (max_lag), the stream's shared FLV encoding of each item. It stays across an
/// unpublish (the next publisher's stream follows, starting at a keyframe), appears in the
/// room's live state (transport "http-flv" or "ws-flv") and a kick closes it.
/// Runs on one worker thread: the executor passed in must run on `w`'s thread. Its writes go
/// in the worker's write rounds with the RTMP players' (round_writer.hpp).
class flv_player final : public live_subscriber,
                         public stream_client,
                         public round_writer,
                         public std::enable_shared_from_this<flv_player> {
 public:
  using clock = std::chrono::steady_clock;

  /// Who is playing what, as the authorizer (or the admin check) said.
  struct params {
    std::string key;        ///< "live/3"
    std::string peer;       ///< "127.0.0.1:53211"
    std::string transport;  ///< "http-flv" or "ws-flv"
    access_decision access;
    bool audio_only = false;  ///< ?video=0: a student on a poor link, as for RTMP play
  };

  /// `slot`: the player's place among --max-http-players (counters.try_add_player).
  flv_player(server_context& relay, http_player_counters& counters, http_player_slot slot,
             worker& w, boost::asio::any_io_executor executor, params p);
  ~flv_player() override;
  flv_player(const flv_player&) = delete;
  flv_player& operator=(const flv_player&) = delete;

  /// Plays to the end (peer gone, kicked, too slow, server stopping); the sink's
  /// connection is done afterwards.
  boost::asio::awaitable<void> run(flv_sink& sink);

  // live_subscriber (on the player's thread)
  void on_live(const live_item_ptr* items, std::size_t n, clock::time_point now) override;
  void on_gap() override;
  // stream_client (on the player's thread): ends the playback with a goodbye
  void close(std::string reason) override;
  std::optional<rtmp_player_stats> player_stats(std::uint32_t stream_id) const override;

 private:
  // round_writer: what is queued (answers to the peer first, then a framed batch of FLV)
  bool take_write(int& fd, const iovec*& buffers, std::size_t& count) override;
  bool sent(long result) override;
  void wake_writer();
  void answer(shared::bytes frame);       // a frame for the peer, between two writes
  void say_goodbye(shared::bytes frame);  // the last frame: nothing is written after it
  void written(std::size_t n);
  boost::asio::awaitable<void> lifetime();
  boost::asio::awaitable<void> watchdog();
  boost::asio::awaitable<void> watch_peer();
  boost::asio::awaitable<void> wait_for_wake();
  void queue_item(const live_item& item, bool burst, clock::time_point now);
  void cut(std::string reason);
  void start();
  void finish();
  void observe(bool start);

  server_context& relay_;
  http_player_counters& counters_;
  http_player_slot slot_;  // declared early: given back after the members below are gone
  boost::asio::io_context& context_;
  worker& worker_;
  boost::asio::any_io_executor executor_;
  const params p_;
  const std::uint64_t id_;
  const clock::time_point started_;

  flv_sink* sink_ = nullptr;
  int fd_ = -1;  // sink_'s socket
  std::shared_ptr<live_stream> live_;
  // The write path's state, together (see rtmp_session's): each live message touches it.
  outbound_queue queue_;
  lag_watch lag_;
  std::vector<outbound_queue::entry> batch_;        // being written
  std::vector<iovec> iov_;                          // the write: answers, frame, batch_
  std::vector<boost::asio::const_buffer> buffers_;  // what is left of it, when partial
  std::size_t write_bytes_ = 0;
  clock::time_point batch_queued_at_{};
  std::vector<shared::bytes> answers_;  // for the peer, not yet taken
  std::size_t answer_bytes_ = 0;
  shared::bytes answers_out_;         // answers_ in the write being sent
  bool writing_ = false;              // an async_write of the rest of a write is in flight
  bool closing_ = false;              // ending: nothing more is queued
  bool cut_ = false;                  // the connection is cut: nothing more is written
  bool said_goodbye_ = false;         // the goodbye is queued: nothing after it
  boost::asio::steady_timer wake_;    // lifetime() waits on it
  boost::asio::steady_timer window_;  // --write-batching window
  clock::time_point closing_since_{};
  bool observed_ = false;
  std::string close_reason_;
  std::uint64_t bytes_out_ = 0;
};

}  // namespace lectern::server
