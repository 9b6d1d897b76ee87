#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "authorizer.hpp"

namespace lectern::server {

class rtmp_session;

/// One RTMP publication or playback, as the classroom layer sees it.
struct rtmp_activity {
  std::uint64_t session_id = 0;
  std::uint32_t stream_id = 0;
  std::string key;   ///< "live/3"
  std::string peer;  ///< "127.0.0.1:53211"
  access_decision access;
  /// To reach the session later: post to `context`, then lock `session` (it may be gone).
  std::weak_ptr<rtmp_session> session;
  boost::asio::io_context* context = nullptr;
};

/// A player's figures for the live state of a room (read on the session's thread).
struct rtmp_player_stats {
  std::uint32_t buffer_ms = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t dropped_messages = 0;
  std::uint64_t dropped_bytes = 0;
  std::size_t queued_bytes = 0;
  bool paused = false;
  bool receive_video = true;
};

/// Told about publications and playbacks as they start and stop, on the session's own
/// thread: the classroom layer keeps attendance, the teacher's live flag and a way to
/// kick from it. Implementations must be thread-safe and quick (no I/O).
class rtmp_observer {
 public:
  virtual ~rtmp_observer() = default;
  virtual void on_publish_start(const rtmp_activity&) {}
  virtual void on_publish_stop(const rtmp_activity&) {}
  virtual void on_play_start(const rtmp_activity&) {}
  virtual void on_play_stop(const rtmp_activity&) {}
};

}  // namespace lectern::server
