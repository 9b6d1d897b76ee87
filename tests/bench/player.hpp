// One simulated student: set up (over RTMP, HTTP-FLV or WS-FLV), play, read everything,
// measure. The transport (player_transport.hpp) does the protocol; this file measures.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lectern/shared/message.hpp"
#include "options.hpp"
#include "player_transport.hpp"
#include "send_log.hpp"
#include "stats.hpp"

namespace lectern::bench {

/// What every player is told to do.
struct player_config {
  bench::transport transport = transport::rtmp;
  bench::target target;  ///< what the players play (--play-url, else --url)
  std::uint32_t buffer_ms = 1000;
  std::optional<std::uint32_t> stall_reader_ms;
  bool audio_only = false;
  std::uint32_t stall_threshold_ms = 500;
  const send_log* log = nullptr;  ///< the in-process publisher's log, if there is one
};

/// What one player measured; tests/bench/README.md defines every field.
struct player_stats {
  int id = 0;
  std::uint64_t bytes = 0;        ///< socket bytes received, handshake included
  std::uint64_t media_bytes = 0;  ///< audio + video payload bytes received
  std::uint64_t video_msgs = 0;
  std::uint64_t audio_msgs = 0;
  std::uint64_t data_msgs = 0;
  std::optional<double> first_frame_ms;
  std::optional<bool> first_is_keyframe;
  std::uint64_t stalls = 0;
  double stalled_ms = 0;
  std::uint64_t timestamp_jumps = 0;
  std::optional<std::uint64_t> first_timestamp;  ///< of the first media message, ms
  std::uint64_t last_timestamp = 0;              ///< of the last media message, ms
  sample_set delays{1024, 1};         ///< ms, at the read, messages the publisher sent after play
  sample_set audio_delays{1024, 2};   ///< ms, audio frames alone (what audio batching adds)
  sample_set socket_delays{1024, 1};  ///< ms, as delays, at the socket (kernel timestamp)
  sample_set socket_audio_delays{1024, 2};  ///< ms, as audio_delays, at the socket
  std::uint64_t reads = 0;                  ///< reads that returned bytes, after the handshake
  std::uint64_t reads_without_kernel_timestamp = 0;  ///< of them: socket time = read time
  std::uint64_t matched = 0;                         ///< messages found in the publisher's log
  std::uint64_t unmatched = 0;                       ///< media messages not found there
  std::optional<double> delivery;
  /// onStatus codes in order (the first k_max_statuses); an HTTP player's answer ("HTTP 200")
  std::vector<std::string> statuses;
  std::uint64_t statuses_dropped = 0;
  std::optional<double> play_s;  ///< seconds from play to the end of reading
  bool stuck = false;            ///< stopped reading on --stall-reader
  bool setup_failed = false;     ///< never got as far as play
  std::string error;             ///< empty: none

  static constexpr std::size_t k_max_statuses = 32;
};

/// A player. Lives on one io_context; stop() and finish() are called on that thread.
class player {
 public:
  player(const asio::any_io_executor& ex, int id, const player_config& cfg,
         live_counters& counters);

  /// Waits until `start_at`, sets up, then reads until stop() or the connection ends.
  asio::awaitable<void> run(clock::time_point start_at);
  /// Ends the run: closes the socket and cancels every wait. Idempotent.
  void stop();
  /// Computes what needs the publisher's totals (delivery, the final stall check); call
  /// once run() has returned. `publisher_last_send` is a zero time_point without one.
  void finish(clock::time_point publisher_last_send);

  /// Marks a player that was never started because the run could not begin.
  void skip(std::string why);

  const player_stats& stats() const noexcept { return stats_; }

 private:
  asio::awaitable<std::error_code> setup();
  asio::awaitable<std::error_code> read_loop();
  asio::awaitable<void> wait_until_stopped();
  void on_message(const shared::rtmp::message& m, const arrival_times& arrival);
  void on_command(const shared::rtmp::message& m);
  void on_video(const shared::rtmp::message& m, const arrival_times& arrival);
  void on_audio(const shared::rtmp::message& m, const arrival_times& arrival);
  void on_media(const shared::rtmp::message& m, const arrival_times& arrival, bool measured,
                bool audio_frame);
  void first_frame(bool keyframe, clock::time_point arrival);
  void set_playing();
  void add_status(std::string status);

  const player_config& cfg_;
  live_counters& counters_;
  std::unique_ptr<player_transport> transport_;
  asio::steady_timer timer_;
  player_stats stats_;
  playout_model playout_;
  clock::time_point play_sent_{};
  clock::time_point ended_{};
  bool stopped_ = false;
  bool playing_ = false;
  bool connected_ = false;
  bool set_up_ = false;  // setup() succeeded: errors from here on are not setup failures
  // Delivery, in payload bytes of the measured kind (video, or audio with --audio-only):
  // the publisher's total before the first frame matched (its total at play until then),
  // and the bytes of matched frames sent before the log's cutoff.
  bool have_baseline_ = false;
  std::uint64_t baseline_ = 0;
  std::uint64_t delivered_ = 0;
};

}  // namespace lectern::bench
