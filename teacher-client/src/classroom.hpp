// The teacher's side of the class over the control channel: roster, hands, chat, speak
// grants, mutes, the recommended buffer, start/end; events for the log and a snapshot for
// the window.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "event_log.hpp"
#include "lectern/client/control_channel.hpp"

namespace lectern::teacher {

/// One participant as the roster shows it.
struct roster_entry {
  std::string id, name, role;
  bool hand = false;
  bool muted = false;
  std::string speak;  ///< the stream they may publish ("live/3-p7"), empty if none
};

/// One chat line.
struct chat_entry {
  std::string id, name, role, text;
  bool is_private = false;
};

/// What the window draws; a copy taken under the classroom's lock.
struct class_snapshot {
  bool connected = false;
  std::string me;
  std::string class_state = "idle";  ///< idle, live, ended
  int buffer_ms = 0;
  std::vector<roster_entry> roster;
  std::vector<chat_entry> chat;  ///< oldest first
  std::string last_error;
};

/// Owns the control channel; its callbacks run on the io_context's thread.
class classroom {
 public:
  /// `on_speaker` is called (io thread) when a student's speak stream starts or ends:
  /// (participant, stream) or (participant, "").
  classroom(boost::asio::io_context& io, client::control_options options, event_log& log,
            std::function<void(const std::string&, const std::string&)> on_speaker);
  void start() { channel_.start(); }
  void stop() { channel_.stop(); }

  /// A headless command line (start, end, chat TEXT, grant/revoke/mute/unmute/kick PID,
  /// buffer MS). False with `error` for an unknown command or a missing argument.
  bool command(const std::string& line, std::string& error);
  client::control_channel& channel() { return channel_; }
  class_snapshot snapshot() const;

 private:
  client::control_callbacks callbacks();
  void roster_changed();
  void chat_changed();
  void room_changed();
  void diff_roster(const std::vector<roster_entry>& now);

  event_log& log_;
  std::function<void(const std::string&, const std::string&)> on_speaker_;
  mutable std::mutex mutex_;
  class_snapshot state_;
  client::control_channel channel_;  // last: its callbacks use the members above
};

}  // namespace lectern::teacher
