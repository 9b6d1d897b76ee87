#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "authorizer.hpp"
#include "lectern/shared/data_message.hpp"

namespace lectern::server {

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

/// A connection that publishes or plays a live stream (an RTMP session, an HTTP-FLV or
/// WS-FLV player), as the classroom reaches it: both calls run on the connection's own
/// thread (post to rtmp_activity::context first).
class stream_client {
 public:
  virtual ~stream_client() = default;
  /// Ends the connection (a kick, the class ended, the room was deleted).
  virtual void close(std::string reason) = 0;
  /// A player's figures; nullopt if `stream_id` does not play.
  virtual std::optional<rtmp_player_stats> player_stats(std::uint32_t stream_id) const = 0;
};

/// One publication or playback (RTMP, HTTP-FLV or WS-FLV), as the classroom layer sees it.
struct rtmp_activity {
  std::uint64_t session_id = 0;
  std::uint32_t stream_id = 0;
  std::string key;   ///< "live/3"
  std::string peer;  ///< "127.0.0.1:53211"
  access_decision access;
  /// To reach the connection later: post to `context`, then lock `session` (it may be gone).
  std::weak_ptr<stream_client> session;
  boost::asio::io_context* context = nullptr;
  std::string transport = "rtmp";  ///< "rtmp", "http-flv" or "ws-flv"
};

/// An RTMP connection that uses remote shared objects (RTMP spec 7.1.3), as the classroom
/// sees it. Both functions are thread-safe (they post to the session's thread).
struct rtmp_so_client {
  std::uint64_t session_id = 0;
  std::string peer;
  std::string app;    ///< "live"
  std::string query;  ///< the connect URL's query: "token=…&name=…"
  bool amf3 = false;  ///< the client connected with objectEncoding 3
  std::function<void(shared::rtmp::shared_object_message)> send;
  std::function<void(std::string reason)> close;
};

/// The classroom's side of one RTMP shared-object connection: the session hands it each
/// shared object message (on the session's thread, in order) and says when it ends.
class rtmp_so_link {
 public:
  virtual ~rtmp_so_link() = default;
  virtual void on_message(shared::rtmp::shared_object_message m) = 0;
  virtual void on_close() = 0;
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
  /// A player moved to another stream without stopping (play2 switch or swap); `from` is
  /// what on_play_start was told. By default a stop and a start.
  virtual void on_play_switch(const rtmp_activity& from, const rtmp_activity& to) {
    on_play_stop(from);
    on_play_start(to);
  }
  /// A connection sent its first shared object message. Null (with `refusal` set) when it
  /// may not use shared objects; the session then tells the client and closes.
  virtual std::shared_ptr<rtmp_so_link> open_shared_objects(rtmp_so_client, std::string& refusal) {
    refusal = "this server has no shared objects";
    return nullptr;
  }
};

}  // namespace lectern::server
