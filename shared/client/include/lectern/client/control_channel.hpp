// The WebSocket control channel of a room (docs/control-protocol.md): hello/welcome,
// the mirror of shared objects, classroom actions and events, automatic reconnects.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "lectern/client/shared_object_mirror.hpp"

namespace lectern::client {

/// How to connect and how hard to try.
struct control_options {
  std::string ws_url;  ///< from join_info::ws_url: ws://HOST:PORT/api/v1/ws?token=T
  std::string name;    ///< display name sent in hello
  std::size_t max_queued_frames = 256;  ///< outgoing frames beyond this are dropped (counted)
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{10000};
  std::chrono::milliseconds connect_timeout{5000};  ///< TCP connect + WebSocket handshake
  std::chrono::milliseconds idle_timeout{45000};    ///< silence before we ping, then give up
  unsigned jitter_seed = 0;                         ///< 0: random
};

/// What the server said in `welcome`.
struct welcome_info {
  nlohmann::json room;  ///< {"id","name","welcome","rtmp_url","stream"}
  std::string participant_id;
  std::string role;  ///< "teacher", "student" or "admin"
  std::string name;
  std::string session;     ///< the resume key
  bool reconnect = false;  ///< true after an automatic reconnect
};

/// A speak grant for this student: publish to `publish_url` (token included).
struct speak_grant {
  std::string stream;         ///< "live/3-p7"
  std::string publish_token;  ///< fresh secret for this grant
  std::string publish_url;    ///< rtmp://HOST:PORT/live/3-p7?token=…
};

/// The answer to a request that carried an id (`result`, or a refused `so.result`).
struct request_result {
  std::uint64_t id = 0;
  bool ok = false;
  std::string code;  ///< "forbidden", "locked", … when !ok
  std::string message;
};

/// Why the connection ended and whether the channel will try again.
struct disconnect_info {
  std::string reason;       ///< readable, e.g. "unauthorized: wrong token" or "connection refused"
  int close_code = 0;       ///< WebSocket close code, 0 if none arrived
  bool will_retry = false;  ///< false: refused/kicked/class ended/stopped; the channel is done
};

/// All callbacks run on the io_context's thread (inside the channel's strand). Any may be
/// empty. They may call the channel's methods; they must not block.
struct control_callbacks {
  std::function<void(const welcome_info&)> on_welcome;
  std::function<void(const std::string& so)> on_state_changed;  ///< read it via objects()
  std::function<void(const std::string& so, const std::string& handler, const nlohmann::json& args,
                     const std::string& from)>
      on_message;                                             ///< so.message
  std::function<void(const nlohmann::json& event)> on_event;  ///< op "event", "class.ended"
  std::function<void(const nlohmann::json& message)> on_private_chat;  ///< op "chat.private"
  std::function<void(const speak_grant&)> on_speak_granted;
  std::function<void()> on_kicked;
  std::function<void(const disconnect_info&)> on_disconnected;
  std::function<void(const request_result&)> on_result;
};

/// One participant's control channel.
///
/// Thread safety: start(), stop() and the action methods may be called from any thread;
/// they post to the channel's strand. Callbacks run on the io_context's thread, inside that
/// strand; objects() may be read only there. Destroying the channel stops it: do it on the
/// io_context's thread (a callback is fine) or after run() returned, so that no callback
/// runs while it is destroyed, and always before the io_context itself is destroyed.
///
/// Reconnects (backoff_initial doubling to backoff_max, with jitter) send the resume key
/// and re-send so.connect with the held versions, so the server answers with only what
/// changed. Frames queued while disconnected are sent after the next welcome.
class control_channel {
 public:
  control_channel(boost::asio::io_context& io, control_options options,
                  control_callbacks callbacks);
  ~control_channel();
  control_channel(const control_channel&) = delete;
  control_channel& operator=(const control_channel&) = delete;

  /// Starts connecting (posts; returns at once).
  void start();
  /// Closes the connection (normal close) and stops reconnecting; no callback fires after
  /// the stop has run on the io thread.
  void stop();

  // Classroom requests. Each returns the request id its `result` will carry.
  std::uint64_t chat_send(const std::string& text, bool to_teacher = false);
  std::uint64_t chat_delete(const std::string& message_id);
  std::uint64_t raise_hand();
  std::uint64_t lower_hand(const std::string& participant = {});  ///< empty: my own
  std::uint64_t speak_grant(const std::string& participant);
  std::uint64_t speak_revoke(const std::string& participant);
  std::uint64_t mute(const std::string& participant, bool muted);
  std::uint64_t set_buffer(int ms);
  std::uint64_t class_start();
  std::uint64_t class_end();
  std::uint64_t kick(const std::string& participant);

  // Shared objects.
  /// Subscribes (and re-subscribes on every reconnect with the held version).
  void so_connect(const std::string& so, bool persistent);
  void so_close(const std::string& so);
  std::uint64_t so_set(const std::string& so, const std::string& slot, nlohmann::json value);
  std::uint64_t so_delete(const std::string& so, const std::string& slot);
  void so_send(const std::string& so, const std::string& handler, nlohmann::json args);
  void lock(const std::string& so);
  void unlock(const std::string& so);

  /// The mirrored shared objects (io thread only).
  const shared_object_mirror& objects() const;
  /// Outgoing frames dropped because the queue was full (any thread).
  std::uint64_t dropped_frames() const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace lectern::client
