// A student in a class: the control channel (roster, chat, hand, speak grants, the
// recommended buffer), the players of the teacher's camera and screen, and speaking when
// called on. Used by the headless loop and by the window alike.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "json_log.hpp"
#include "lectern/client/api_client.hpp"
#include "lectern/client/control_channel.hpp"
#include "lectern/media/player.hpp"
#include "options.hpp"
#include "speaker.hpp"

namespace lectern::student {

/// Which stream a frame or a stat belongs to.
enum class feed : std::uint8_t { teacher, screen };

/// One chat line as the window shows it.
struct chat_line {
  std::string id;
  std::string name;
  std::string role;
  std::string text;
};

/// One roster entry as the window shows it.
struct roster_entry {
  std::string id;
  std::string name;
  std::string role;
  bool hand = false;
  bool speaking = false;
};

/// What the window needs each frame (a copy).
struct class_view {
  std::string room_name;
  std::string participant;
  std::vector<roster_entry> roster;
  std::vector<chat_line> chat;  ///< the last 200
  bool hand = false;
  bool grant_pending = false;  ///< granted, waiting for consent
  bool speaking = false;
  std::string status;  ///< the last notable event, for a status line
};

/// The session; start() once, stop() once (the destructor stops too).
class classroom {
 public:
  using frame_fn = std::function<void(feed, const media::video_frame&)>;

  classroom(const options& opts, client::join_info join, json_log& log);
  ~classroom();
  classroom(const classroom&) = delete;
  classroom& operator=(const classroom&) = delete;

  /// Where decoded frames go (set before start(); the window converts them to textures).
  void on_frame(frame_fn fn) { on_frame_ = std::move(fn); }
  /// Where the speaker's own preview goes (window).
  void on_preview(frame_fn fn) { on_preview_ = std::move(fn); }
  void start();
  void stop();
  /// Called about once a second: starts the players if no welcome came in time.
  void tick();
  /// True once the class is over for us (kicked, class ended, refused).
  bool done() const { return done_.load(); }
  std::string done_reason() const;

  // Actions, from any thread.
  void raise_hand(bool up);
  void send_chat(const std::string& text);
  void set_buffer(media::buffer_setting setting);
  void consent_to_speak();
  void stop_speaking();

  std::optional<media::player_stats> stats(feed which) const;
  class_view view() const;
  bool speaking() const;
  /// The speaker's publication state, "" when not speaking.
  std::string speak_state() const;

 private:
  client::control_callbacks make_callbacks();
  void on_welcome(const client::welcome_info& w);
  void on_state_changed(const std::string& so);
  void on_roster_changed();
  void on_chat_changed();
  void on_room_changed();
  void on_grant(const client::speak_grant& g);
  void start_players(const std::string& participant);
  std::unique_ptr<media::player> make_player(feed which, const std::string& url);
  void finish(const std::string& reason);

  const options& opts_;
  client::join_info join_;
  json_log& log_;
  frame_fn on_frame_;
  frame_fn on_preview_;
  std::chrono::steady_clock::time_point started_at_;

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<client::control_channel> channel_;
  std::thread io_thread_;

  mutable std::mutex mutex_;  // guards everything below
  std::unique_ptr<media::player> teacher_;
  std::unique_ptr<media::player> screen_;
  std::unique_ptr<speaker> speaker_;
  std::optional<client::speak_grant> grant_;
  bool consent_ = false;
  class_view view_;
  std::set<std::string> chat_seen_;  // bounded: the chat object keeps 200 messages
  bool follow_room_buffer_ = true;
  std::atomic<bool> done_{false};
  std::string done_reason_;
};

}  // namespace lectern::student
