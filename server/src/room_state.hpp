#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "room_state_frames.hpp"
#include "room_types.hpp"
#include "shared_object.hpp"

namespace lectern::server {

/// The control channel of one room (docs/control-protocol.md) as pure logic: events in
/// (joins, leaves, client frames, server and admin events, the time), effects out (frames
/// to send, rows to store, connections to close, publications to stop). No I/O, no threads,
/// no clock: the caller serializes calls (one mutex per room) and passes the time.
class room_state {
 public:
  /// Makes a publish token for a speak grant and a resume key; must be unguessable.
  using token_source = std::function<std::string()>;

  room_state(room_info info, std::vector<persisted_so> loaded, room_limits limits,
             token_source random_token);

  struct join_result {
    bool ok = false;
    std::string error_code;  ///< "room_full", "bad_request" (the name)
    std::uint16_t close_code = 0;
    std::string participant_id;
    std::string resume_key;
    std::string name;  ///< the display name as kept (trimmed)
    room_effects effects;
  };
  /// A connection joins after the integrator checked its token (the role). With the key of
  /// a participant still known (connected, or gone less than the grace ago) it takes that
  /// participant over: same id, hand and grant, and others see no leave or join. The effects
  /// hold the so.state frames for the joiner, to be sent after the integrator's welcome.
  /// `account` is an admin's user name (who started a class), whatever name it shows.
  join_result join(conn_handle conn, participant_role role, std::string_view name,
                   std::int64_t now_ms, std::optional<std::string> resume_key = std::nullopt,
                   std::string_view account = {});
  /// The connection is gone; its participant is kept for the resume grace.
  room_effects leave(conn_handle conn, std::int64_t now_ms);
  /// Call about once a second: ends resume graces and lock timeouts.
  room_effects expire(std::int64_t now_ms);
  /// One text frame from a client.
  room_effects handle(conn_handle conn, std::string_view text_frame, std::int64_t now_ms);

  /// The teacher's stream started (true) or stopped (false).
  room_effects set_teacher_live(bool live, std::int64_t now_ms);
  /// An admin ended the class from the panel.
  room_effects end_class(std::int64_t now_ms);
  room_effects kick(std::string_view participant_id, std::int64_t now_ms);
  room_effects delete_chat(std::string_view message_id, std::int64_t now_ms);
  /// An admin edited the room: the welcome text and the default buffer reach the `room` object.
  room_effects update_info(room_info info);
  /// What the constructor changed in the loaded objects (teacher_live forced to false, the
  /// welcome text), to be stored once; empty on later calls.
  room_effects startup_effects();

  /// The live state for the HTTP API.
  nlohmann::json snapshot() const;
  /// The role of a participant of the room (connected or within its resume grace).
  std::optional<participant_role> role_of(std::string_view participant_id) const;
  /// "teacher", "student", "admin": the role as tokens and the wire name it.
  static std::string_view role_name(participant_role role) noexcept;
  /// The participant a speak grant's publish token belongs to.
  std::optional<std::string> participant_for_publish_token(std::string_view token) const;
  /// The stream a participant may publish ("live/3-p7"), whether granted or not.
  std::string speak_stream(std::string_view participant_id) const;
  /// The teacher's stream ("live/3").
  std::string teacher_stream() const;
  /// No connection and no one in a resume grace: the room may be dropped.
  bool empty() const noexcept;
  const room_info& info() const noexcept { return info_; }

 private:
  using json = nlohmann::json;

  struct participant {
    std::string id;
    participant_role role = participant_role::student;
    std::string name;
    std::string account;  // an admin's user name
    std::string resume_key;
    std::optional<conn_handle> conn;
    std::int64_t joined_at = 0;
    std::int64_t left_at = 0;  // when the connection went (grace start)
    bool hand = false;
    bool muted = false;
    std::optional<std::string> speak;  // the granted stream
    std::string publish_token;
  };
  struct connection {
    std::string participant_id;  // empty once detached (kicked, replaced)
    bool closing = false;        // a close was asked for: its frames are ignored
    std::int64_t tokens_milli = 0;
    std::int64_t refilled_at = 0;
    int malformed = 0;
  };
  struct object_entry {
    shared_object so;
    std::map<conn_handle, std::uint64_t> subscribers;  // the version each one has
  };
  /// One client request being handled.
  struct request {
    conn_handle conn;
    connection& c;
    participant& who;
    const json& msg;
    const json& id;  // null when the request had none
    std::int64_t now;
    bool so_op;  // answered with so.result rather than result
    room_effects& fx;
  };
  using handler = void (room_state::*)(request&);

  static constexpr std::string_view k_room = "room";
  static constexpr std::string_view k_roster = "roster";
  static constexpr std::string_view k_chat = "chat";

  // room_state.cpp: connections and participants
  void attach(conn_handle conn, participant& p, std::int64_t now_ms, room_effects& fx);
  /// Unsubscribes the connection and detaches it from its participant; the connection stays
  /// known (closing) until leave() so that its late frames are ignored.
  void drop_connection(conn_handle conn, room_effects& fx);
  void remove_participant(const std::string& id, room_effects& fx);
  participant* participant_of(conn_handle conn);
  bool take_token(connection& c, std::int64_t now_ms) const;
  void count_malformed(conn_handle conn, connection& c, room_effects& fx) const;
  void fail(request& r, std::string_view code, std::string_view message);
  bool allowed(request& r, std::initializer_list<participant_role> roles);
  void drop_idle_temporaries();
  std::size_t students() const;

  // room_state_so.cpp: shared objects
  void on_so_connect(request& r);
  void on_so_close(request& r);
  void on_so_set(request& r);
  void on_so_delete(request& r);
  void on_so_send(request& r);
  void on_so_lock(request& r);
  void on_so_unlock(request& r);
  void client_write(request& r, std::optional<json> value);
  so_error write_permission(const participant& p, std::string_view name) const;
  /// The object named by the request if the connection subscribes to it; else answers.
  object_entry* subscribed(request& r);
  /// Applies the server's own edits and sends them to every subscriber.
  void server_write(std::string_view name, std::vector<so_edit> edits, room_effects& fx);
  void subscribe(conn_handle conn, object_entry& e, std::uint64_t version, room_effects& fx);
  void unsubscribe(conn_handle conn, object_entry& e, room_effects& fx);
  void release_lock(object_entry& e, room_effects& fx);
  /// Sends every subscriber what it lacks of `e` (nothing while `e` is locked).
  void catch_up(object_entry& e, room_effects& fx);
  object_entry& object(std::string_view name);
  std::size_t client_objects() const;

  // room_state_class.cpp: the classroom
  void on_chat_send(request& r);
  void on_chat_delete(request& r);
  void on_hand_raise(request& r);
  void on_hand_lower(request& r);
  void on_speak_grant(request& r);
  void on_speak_revoke(request& r);
  void on_mute(request& r);
  void on_buffer_set(request& r);
  void on_class_start(request& r);
  void on_class_end(request& r);
  void on_kick(request& r);
  void on_ping(request& r);
  void on_hello(request& r);
  json roster_entry(const participant& p) const;
  void roster_write(const participant& p, bool removed, room_effects& fx);
  participant* target_student(request& r);
  void revoke_speak(participant& p, room_effects& fx);
  bool remove_chat(std::string_view message_id, room_effects& fx);
  void start_class(std::int64_t now_ms, const participant& by, room_effects& fx);
  void finish_class(std::int64_t now_ms, room_effects& fx);
  void kick_participant(const std::string& id, room_effects& fx);

  static std::optional<std::size_t> utf8_chars(std::string_view s, bool allow_newlines);
  static std::optional<std::string> clean_name(std::string_view raw);
  static const std::map<std::string, handler, std::less<>>& handlers();
  void send(room_effects& fx, frames::frame_ptr frame, std::vector<conn_handle> to) const;
  std::vector<conn_handle> connections_of(std::initializer_list<participant_role> roles) const;

  room_info info_;
  room_limits limits_;
  token_source random_token_;
  std::map<std::string, object_entry, std::less<>> objects_;
  std::map<std::string, participant, std::less<>> participants_;
  std::map<conn_handle, connection> connections_;
  std::uint64_t next_participant_ = 1;
  std::uint64_t next_message_ = 1;
  std::vector<so_persist> startup_persist_;
};

}  // namespace lectern::server
