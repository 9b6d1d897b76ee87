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
  // Owned by `stream` (net_stream::player) and unsubscribed before it goes: the stream is
  // reached directly, without a lookup per message per player.
  live_player(rtmp_session& s, net_stream& n) : session(s), stream(n) {}
  void on_live(const live_item_ptr& item) override { session.on_live(stream, item); }
  void on_gap() override;
  rtmp_session& session;
  net_stream& stream;
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

  // playing a recording
  std::unique_ptr<vod_source> vod;
  std::unique_ptr<boost::asio::steady_timer> vod_timer;
  std::uint64_t vod_generation = 0;  // bumped by seek/stop: an old pump loop ends
  std::uint32_t vod_position_ms = 0;
};

inline void rtmp_session::live_player::on_gap() {
  session.queue_.wait_for_keyframe(stream.id);
}

}  // namespace lectern::server
