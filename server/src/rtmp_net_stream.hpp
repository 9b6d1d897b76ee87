#pragma once
// Internal to rtmp_session*.cpp: the per-message-stream state of a connection.

#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "flv_recorder.hpp"
#include "live_stream.hpp"
#include "rtmp_session.hpp"
#include "vod_source.hpp"

namespace lectern::server {

struct rtmp_session::live_player final : live_subscriber {
  // Owned by `stream` (net_stream::player, or its pending switch) and unsubscribed before
  // it goes: the stream is reached directly, without a lookup per message per player.
  live_player(rtmp_session& s, net_stream& n) : session(s), stream(n) {}
  void on_live(const live_item_ptr* items, std::size_t n,
               std::chrono::steady_clock::time_point now) override;
  void on_gap() override;
  rtmp_session& session;
  net_stream& stream;
  bool switching_to = false;  ///< the stream a play2 switch waits on, not the one playing
};

/// A play2 switch or swap waiting for the new stream's next keyframe (or, for a player
/// without video, its next audio frame); the current stream plays on meanwhile.
struct rtmp_session::pending_switch {
  std::string name;
  std::string key;
  access_decision access;
  std::shared_ptr<live_stream> live;
  std::unique_ptr<live_player> player;
  live_item_ptr metadata;  // the new stream's start state, sent just before the cut
  live_item_ptr video_header;
  live_item_ptr audio_header;
  bool abandoned = false;  ///< its publisher left: cancelled on the next turn of the loop
};

struct rtmp_session::net_stream {
  explicit net_stream(std::uint32_t stream_id) : id(stream_id) {}

  std::uint32_t id;
  role what = role::idle;
  std::string name;             ///< stream name without query
  std::string key;              ///< "app/name"
  std::uint32_t buffer_ms = 0;  ///< client's SetBufferLength
  bool receive_audio = true;
  bool receive_video = true;
  bool paused = false;
  access_decision access;  ///< who the authorizer said the client is
  bool observed = false;   ///< the observer was told this stream started

  // publishing
  std::shared_ptr<live_stream> live;  // also set while playing live
  std::unique_ptr<flv_recorder> recorder;

  // playing live
  std::unique_ptr<live_player> player;
  std::unique_ptr<pending_switch> next;  ///< a play2 switch waiting for its cut
  /// Added to the stream's timestamps for this player: after a switch the new stream's
  /// timeline continues where the old one stopped (a player's clock never goes back).
  std::int64_t ts_offset = 0;
  std::uint64_t last_ts = 0;   ///< newest media timestamp queued to the player
  std::uint64_t ts_floor = 0;  ///< media below it (the new stream's, before the cut) is skipped

  // playing a recording
  std::unique_ptr<vod_source> vod;
  std::unique_ptr<boost::asio::steady_timer> vod_timer;
  std::uint64_t vod_generation = 0;  // bumped by seek/stop: an old pump loop ends
  std::uint32_t vod_position_ms = 0;
};

inline void rtmp_session::live_player::on_live(const live_item_ptr* items, std::size_t n,
                                               std::chrono::steady_clock::time_point now) {
  if (switching_to) {
    for (std::size_t i = 0; i < n; ++i) session.on_switch_live(stream, items[i]);
  } else {
    session.on_live(stream, items, n, now);
  }
}

inline void rtmp_session::live_player::on_gap() {
  if (!switching_to) session.queue_.wait_for_keyframe(stream.id);
}

}  // namespace lectern::server
