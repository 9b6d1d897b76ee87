// The network side of a player: an RTMP play through libavformat (announcing the buffer
// length with SetBufferLength), packets into the jitter buffer with their arrival time,
// and reconnects with backoff when the connection breaks or stays silent.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <system_error>

#include "lectern/media/jitter_buffer.hpp"
#include "lectern/media/player_stats.hpp"

namespace lectern::media {

/// Where to play from and how patiently.
struct reader_options {
  std::string url;                ///< rtmp://HOST:PORT/live/NAME?token=…
  int announce_buffer_ms = 1000;  ///< sent as SetBufferLength (the rtmp_buffer option)
  std::chrono::milliseconds idle_timeout{15000};  ///< no packet this long: reconnect
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{5000};
};

/// One reader per player; run() is the thread body.
class rtmp_reader {
 public:
  using event_fn = std::function<void(const player_event&)>;

  rtmp_reader(reader_options options, jitter_buffer& buffer, event_fn on_event);

  /// Reads (and reconnects) until `stop` is set.
  void run(const std::atomic<bool>& stop);

  /// connecting, waiting (connected) or reconnecting (any thread).
  player_state state() const { return state_.load(); }
  std::uint64_t bytes() const { return bytes_.load(); }
  std::uint64_t reconnects() const { return reconnects_.load(); }

 private:
  /// One connection: open, read until an error. Returns why it ended.
  std::error_code session(const std::atomic<bool>& stop, bool& got_packets);
  bool interrupted() const;
  void touch();
  static int interrupt_callback(void* self);

  reader_options options_;
  jitter_buffer& buffer_;
  event_fn on_event_;
  const std::atomic<bool>* stop_ = nullptr;
  std::atomic<std::int64_t> deadline_ns_{0};
  std::atomic<player_state> state_{player_state::connecting};
  std::atomic<std::uint64_t> bytes_{0};
  std::atomic<std::uint64_t> reconnects_{0};
};

}  // namespace lectern::media
