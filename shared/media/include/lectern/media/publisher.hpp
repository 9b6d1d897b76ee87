// The RTMP publisher: FLV over RTMP through libavformat on its own thread, fed by a bounded
// queue, reconnecting with backoff when the connection or the server drops while capture
// and encoding go on.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "lectern/media/av.hpp"
#include "lectern/media/packet_queue.hpp"

namespace lectern::media {

/// Where to publish and how hard to try.
struct publisher_options {
  std::string url;  ///< rtmp://HOST:PORT/live/ROOM?token=T
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{2000};  ///< live again ≤ ~2 s after the server is back
  std::chrono::milliseconds io_timeout{5000};   ///< connect and each write
  /// Send-queue bound: ~4 s of 30 fps video plus its AAC at the default; beyond it new
  /// packets are dropped and video waits for the next keyframe.
  std::size_t max_queue_packets = 320;
};

/// The connection's state as stats and the UI show it.
enum class connection_state { connecting, live, retrying, stopped };
const char* to_string(connection_state s) noexcept;

/// Counters since start (cumulative) plus the current queue and state.
struct publisher_stats {
  connection_state state = connection_state::connecting;
  std::uint64_t connects = 0;    ///< successful connections (1 + reconnects)
  std::uint64_t video_sent = 0;  ///< video packets written to the socket
  std::uint64_t audio_sent = 0;
  std::uint64_t bytes_sent = 0;  ///< media payload bytes
  std::uint64_t dropped = 0;  ///< packets dropped: queue full, disconnected, or before a keyframe
  std::size_t queue_length = 0;
  std::uint64_t latency_sum_us = 0;  ///< capture → written, summed over video_sent
  std::int64_t latency_max_us = 0;   ///< the largest since the previous stats(true)
  std::string last_error;
};

/// Publishes the packets of one video and/or one audio encoder to one RTMP URL.
/// Thread-safe: submit() from encoder threads, stats()/stop() from any thread.
class rtmp_publisher {
 public:
  /// `video`/`audio`: the opened encoders' contexts (either may be null), copied.
  rtmp_publisher(publisher_options options, const AVCodecContext* video,
                 const AVCodecContext* audio);
  ~rtmp_publisher();
  rtmp_publisher(const rtmp_publisher&) = delete;
  rtmp_publisher& operator=(const rtmp_publisher&) = delete;

  void start();
  /// Stops the thread (aborting a blocked connect or write); idempotent.
  void stop();
  /// Queues one packet; a full queue drops it and counts it.
  void submit(encoded_packet&& p);
  /// True once: the publisher needs an IDR (a new connection, a dropped video packet).
  bool take_keyframe_request() noexcept { return keyframe_wanted_.exchange(false); }
  /// A snapshot; `reset_max` starts a new latency_max window.
  publisher_stats stats(bool reset_max = false);

 private:
  static int interrupt_callback(void* self);
  void run();
  bool connect();
  void disconnect(const std::string& why);
  bool write(encoded_packet& p);
  bool admit(const encoded_packet& p);
  void wait_backoff(unsigned attempt);

  publisher_options options_;
  AVCodecParameters* video_par_ = nullptr;  // owned; freed in the destructor
  AVCodecParameters* audio_par_ = nullptr;
  AVRational video_rate_{0, 1};
  packet_queue queue_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> keyframe_wanted_{false};
  std::atomic<bool> video_gap_{false};           ///< a video packet was dropped at submit()
  std::atomic<std::int64_t> io_deadline_us_{0};  ///< steady-clock deadline of a blocking call
  std::mutex wait_mutex_;
  std::condition_variable wait_cv_;

  // Publisher thread only.
  output_format_ptr out_;
  int video_index_ = -1, audio_index_ = -1;
  bool need_first_key_ = true;     ///< a new connection starts at a video keyframe
  bool waiting_for_key_ = false;   ///< after a gap, video resumes at a keyframe
  std::int64_t first_dts_ms_ = 0;  ///< packets below it are dropped (FLV muxer's order check)
  std::minstd_rand rng_{std::random_device{}()};  ///< backoff jitter

  mutable std::mutex stats_mutex_;
  publisher_stats stats_;
};

}  // namespace lectern::media
