// The room's publications and players (RTMP, HTTP-FLV, WS-FLV) as the relay reports them
// (rtmp_observer): the teacher's live flag, kicks that reach them, and the attendance of
// players that have no control connection of their own.
#include "classroom.hpp"
#include "classroom_runtime.hpp"

namespace lectern::server {

using nlohmann::json;

void classroom::on_publish_start(const rtmp_activity& activity) {
  if (activity.access.room_id == 0) return;
  with_room(activity.access.room_id, [this, a = activity](runtime& rt) mutable {
    // A speaker's participant comes from its grant; a teacher's is only a claim.
    if (a.access.role != "speaker") check_claim(rt, a);
    rt.rtmp[{a.session_id, a.stream_id}] = a;
    rt.publishing.insert({a.session_id, a.stream_id});
    if (a.access.role != "teacher" || a.key != "live/" + std::to_string(rt.id)) return;
    if (++rt.teacher_publications == 1 && rt.state) {
      apply(rt, rt.state->set_teacher_live(true, now_ms_()));
    }
  });
}

void classroom::on_publish_stop(const rtmp_activity& a) {
  if (a.access.room_id == 0) return;
  with_room(a.access.room_id, [this, a](runtime& rt) {
    rt.rtmp.erase({a.session_id, a.stream_id});
    rt.publishing.erase({a.session_id, a.stream_id});
    if (a.access.role != "teacher" || a.key != "live/" + std::to_string(rt.id)) return;
    if (--rt.teacher_publications == 0 && rt.state) {
      apply(rt, rt.state->set_teacher_live(false, now_ms_()));
    }
  });
}

namespace {

bool anonymous_player(const rtmp_activity& a) {
  return a.access.participant.empty() && a.access.role != "admin";
}

std::string player_key(const rtmp_activity& a) {
  std::string key = "rtmp:";
  key += std::to_string(a.session_id);
  key += ':';
  key += std::to_string(a.stream_id);
  return key;
}

}  // namespace

void classroom::check_claim(runtime& rt, rtmp_activity& a) const {
  auto& claimed = a.access.participant;
  if (claimed.empty()) return;
  // The id travels in the URL, so anyone can write any id: believe it only when the room
  // has that participant with the token's role (a student token cannot claim the teacher).
  // A wrong id is dropped rather than refused: a student whose control channel came back
  // under a new id after the resume grace still plays, as an anonymous viewer.
  const auto actual = rt.state ? rt.state->role_of(claimed) : std::nullopt;
  if (actual && room_state::role_name(*actual) == a.access.role) return;
  log_.info("classroom", "room " + std::to_string(rt.id) + ": " + a.peer + " named participant " +
                             claimed + ", which is not a " + a.access.role +
                             " of the room; counted as an anonymous " + a.transport + " player");
  claimed.clear();
}

void classroom::on_play_start(const rtmp_activity& activity) {
  if (activity.access.room_id == 0) return;
  with_room(activity.access.room_id, [this, a = activity](runtime& rt) mutable {
    check_claim(rt, a);
    rt.rtmp[{a.session_id, a.stream_id}] = a;
    // A desktop client that names its participant id is in the attendance already (through
    // its control connection); anonymous players (ffmpeg, VLC) get a row of their own. An
    // admin's preview in the panel is nobody's attendance.
    if (!anonymous_player(a) || !rt.state) return;
    // The attendance's "via" is rtmp, ws or http (store_schema.cpp); "ws" is the control
    // channel, so HTTP-FLV and WS-FLV players are both "http".
    const bool rtmp = a.transport == "rtmp";
    const std::string via = rtmp ? "rtmp" : "http";
    const std::string name = (rtmp ? "RTMP player " : "Browser player ") + a.peer;
    const auto key = player_key(a);
    attendance_join(rt, key, key, a.access.role, name, via, a.peer);
  });
}

void classroom::on_play_stop(const rtmp_activity& activity) {
  if (activity.access.room_id == 0) return;
  with_room(activity.access.room_id,
            [this, room = activity.access.room_id,
             k = std::make_pair(activity.session_id, activity.stream_id)](runtime& rt) {
              const auto it = rt.rtmp.find(k);
              if (it == rt.rtmp.end()) return;
              // What on_play_start decided (the claim checked), not what the session says.
              const auto a = std::move(it->second);
              rt.rtmp.erase(it);
              if (!anonymous_player(a)) return;
              const auto key = player_key(a);
              attendance_leave(rt, key);
              emit("participant.left",
                   json{{"room_id", room}, {"participant", key}, {"role", a.access.role}});
            });
}

void classroom::on_play_switch(const rtmp_activity& from, const rtmp_activity& to) {
  if (from.access.room_id == 0 || from.access.room_id != to.access.room_id ||
      from.access.role != to.access.role) {
    rtmp_observer::on_play_switch(from, to);
    return;
  }
  // The same room and role (the teacher's camera and screen): the player only watches
  // another of the room's streams; its attendance row and its checked claim stay.
  with_room(to.access.room_id,
            [k = std::make_pair(to.session_id, to.stream_id), key = to.key](runtime& rt) {
              const auto it = rt.rtmp.find(k);
              if (it != rt.rtmp.end()) it->second.key = key;
            });
}

}  // namespace lectern::server
