// play2(NetStreamPlayOptions) (RTMP spec 7.2.2.2, FMS semantics): "switch"/"swap" move a
// live player to another stream at that stream's next keyframe, with NetStream.Play.Transition
// and then onPlayStatus NetStream.Play.TransitionComplete; "reset" and "resume" are play;
// "stop" stops. See docs/server.md ("play2").
#include <boost/asio/post.hpp>

#include "lectern/shared/data_message.hpp"
#include "rtmp_net_stream.hpp"
#include "stream_name.hpp"

namespace lectern::server {

namespace rtmp = shared::rtmp;

namespace {

constexpr std::string_view k_play_transition = "NetStream.Play.Transition";
constexpr std::string_view k_play_transition_complete = "NetStream.Play.TransitionComplete";
// The new stream starts this long after the newest frame the player has of the old one, so
// that its audio from just before its keyframe does not land before what was played.
constexpr std::int64_t k_switch_gap_ms = 40;
constexpr std::int64_t k_switch_round_ms = 100;  // shifts are multiples of it

}  // namespace

void rtmp_session::on_play2(const rtmp::command& c, std::uint32_t stream_id) {
  rtmp::play2_command p;
  if (auto ec = rtmp::parse_play2(c, p)) {
    close("protocol error: malformed play2: " + ec.message());
    return;
  }
  const std::string_view t = p.transition;
  if (t == "switch" || t == "swap") {
    // Without a live stream playing there is nothing to switch from: FMS plays the new one.
    if (auto* s = stream(stream_id); s != nullptr && s->what == role::playing_live) {
      start_switch(*s, p);
      return;
    }
  } else if (t == "stop") {
    // NetStreamPlayTransitions.STOP: like play(false), the stream stops playing.
    auto* s = stream(stream_id);
    if (s != nullptr && s->what != role::idle && s->what != role::publishing) stop_stream(*s, true);
    return;
  } else if (t == "append" || t == "appendAndWait") {
    send_status(stream_id, rtmp::k_level_error, rtmp::k_play_failed,
                "Playlists (play2 append, appendAndWait) are not supported; use reset, switch, "
                "swap, resume or stop.");
    return;
  } else if (!t.empty() && t != "reset" && t != "resume") {
    send_status(stream_id, rtmp::k_level_error, rtmp::k_play_failed,
                "Unknown play2 transition '" + p.transition +
                    "'; use reset, switch, swap, resume or stop.");
    return;
  }
  rtmp::play_command play;
  play.transaction_id = p.transaction_id;
  play.stream_name = p.stream_name;
  // NetStreamPlayOptions.start and len are seconds (play's are ms on the wire); -2 and -1
  // keep their meaning.
  play.start = p.start >= 0 ? p.start * 1000 : p.start;
  play.duration = p.len >= 0 ? p.len * 1000 : p.len;
  play.reset = t != "resume";
  start_play(play, stream_id);
}

// Switches at the new stream's next keyframe rather than at once from its GOP cache: the
// current stream plays on until the cut, so the picture never stops, and nothing already
// old is sent (starting from the cached keyframe would add up to a GOP of delay for this
// student for the rest of the class). The cost is waiting up to one GOP (2 s for the
// teacher client) before the switch shows.
void rtmp_session::start_switch(net_stream& s, const rtmp::play2_command& p) {
  const auto parsed = parse_stream_name(p.stream_name);
  if (!p.old_stream_name.empty()) {
    const auto old = parse_stream_name(p.old_stream_name);
    if (old.name != s.name) {
      send_status(
          s.id, rtmp::k_level_error, rtmp::k_play_failed,
          "Cannot switch from " + app_ + "/" + old.name + ": this stream plays " + s.key + ".");
      return;
    }
  }
  const auto decision = authorize_play(s.id, parsed, "switch to");
  if (!decision) return;
  const std::string key = app_ + "/" + parsed.name;
  auto live = server_.streams.find(key);
  if (!live || !live->publisher()) {
    send_status(s.id, rtmp::k_level_error, rtmp::k_play_stream_not_found,
                key + " is not live; still playing " + s.key + ".");
    return;
  }
  cancel_switch(s);  // a newer switch replaces one still waiting for its keyframe
  auto status =
      rtmp::make_status(rtmp::k_level_status, k_play_transition,
                        "Switching from " + s.key + " to " + key + " at its next keyframe.");
  status.extra.set("details", parsed.name);
  status.extra.set("reason", std::string("NetStream.Transition.Success"));
  send_command(rtmp::make_on_status(status), s.id);
  if (parsed.name == s.name) {  // already there: done at once
    send_transition_complete(s, s.key, s.last_ts);
    return;
  }
  auto n = std::make_unique<pending_switch>();
  n->name = parsed.name;
  n->key = key;
  n->access = *decision;
  n->live = std::move(live);
  n->player = std::make_unique<live_player>(*this, s);
  n->player->switching_to = true;
  const auto j = n->live->subscribe(worker_.context, n->player.get());
  for (const auto& item : j.items) {  // its start state; the cached GOP is not replayed
    if (item->what == live_item::kind::metadata) n->metadata = item;
    if (item->media.sequence_header) {
      (item->media.is_video() ? n->video_header : n->audio_header) = item;
    }
  }
  s.next = std::move(n);
  server_.log.info("rtmp", "conn " + std::to_string(id_) + " " + peer_ + " switches from " + s.key +
                               " to " + key);
}

// An item of the stream a switch waits on: its start state is kept; the cut comes with its
// next keyframe (or next audio frame for a player without video, or a stream without it).
void rtmp_session::on_switch_live(net_stream& s, const live_item_ptr& item) {
  const auto stream_id = s.id;
  if (!s.next || s.next->abandoned || closing_ || draining_) return;
  auto& n = *s.next;
  const auto& m = item->media;
  switch (item->what) {
    case live_item::kind::unpublish:
      n.abandoned = true;
      send_status(s.id, rtmp::k_level_error, rtmp::k_play_failed,
                  n.key + " stopped before the switch; still playing " + s.key + ".");
      // Not from inside the stream's delivery loop: unsubscribing there would make the
      // loop skip the next player of this thread.
      boost::asio::post(worker_.context, [weak = weak_from_this(), stream_id] {
        auto self = weak.lock();
        auto* st = self ? self->stream(stream_id) : nullptr;
        if (st != nullptr && st->next && st->next->abandoned) self->cancel_switch(*st);
      });
      return;
    case live_item::kind::metadata:
      n.metadata = item;
      return;
    case live_item::kind::media:
      break;
    default:
      return;
  }
  if (m.sequence_header) {
    (m.is_video() ? n.video_header : n.audio_header) = item;
    return;
  }
  const bool keyframe = m.is_video() && m.keyframe;
  const bool audio_cut = m.is_audio() && (!s.receive_video || !n.video_header);
  if (keyframe || audio_cut) complete_switch(s, item);
}

void rtmp_session::complete_switch(net_stream& s, const live_item_ptr& cut) {
  auto n = std::move(s.next);
  const auto from = activity_of(s);
  // The new stream continues just after the newest frame of the old one (on this player's
  // timeline), rounded up to 100 ms: players that switch together get the same shift and so
  // share each item's shifted encoding (live_item::wire_for) instead of one copy each.
  const auto old_newest = static_cast<std::int64_t>(s.live->newest_timestamp()) + s.ts_offset;
  const auto after =
      std::max<std::int64_t>(static_cast<std::int64_t>(s.last_ts), old_newest) + k_switch_gap_ms;
  const auto at = static_cast<std::uint64_t>((after + k_switch_round_ms - 1) / k_switch_round_ms *
                                             k_switch_round_ms);
  s.live->unsubscribe(worker_.context, s.player.get());
  const std::string old_key = s.key;
  n->player->switching_to = false;  // its next items are the stream's
  s.player = std::move(n->player);
  s.live = std::move(n->live);
  server_.streams.release(old_key);
  s.name = n->name;
  s.key = n->key;
  s.access = n->access;
  activity_ = "played " + s.key;
  s.ts_offset = static_cast<std::int64_t>(at) - static_cast<std::int64_t>(cut->media.timestamp);
  s.ts_floor = s.last_ts;
  send_transition_complete(s, old_key, at);
  const auto now = clock::now();
  for (const auto* start : {&n->metadata, &n->video_header, &n->audio_header}) {
    if (*start) queue_at(s, **start, at, false, now);  // what decodes the new stream
  }
  if (!s.paused) queue_live(s, *cut, false, now);  // paused: unpause waits for a keyframe
  // Cut on audio (the new stream had no video header yet): its video, when it comes, must
  // start at a keyframe, not with inter frames that have nothing to refer to.
  if (!(cut->media.is_video() && cut->media.keyframe)) queue_.wait_for_keyframe(s.id);
  wake_writer();
  // One switch, not a leave and a join: a student moved from the camera to the screen is
  // still in the class (attendance, the panel's events).
  if (server_.observer != nullptr && s.observed)
    server_.observer->on_play_switch(from, activity_of(s));
  server_.log.info("rtmp", "conn " + std::to_string(id_) + " " + peer_ + " switched from " +
                               old_key + " to " + s.key);
}

// Data onPlayStatus, like NetStream.Play.Complete; its timestamp is where the new stream
// starts on the player's timeline.
void rtmp_session::send_transition_complete(net_stream& s, const std::string& from,
                                            std::uint64_t at) {
  shared::rtmp::data_message d;
  d.handler = "onPlayStatus";
  auto status = rtmp::make_status(rtmp::k_level_status, k_play_transition_complete,
                                  "Switched from " + from + " to " + s.key + ".");
  status.extra.set("details", s.name);
  d.values.push_back(rtmp::to_amf(status));
  auto complete = rtmp::make_data(d, s.id);
  complete.timestamp = at;
  send(complete);
}

void rtmp_session::cancel_switch(net_stream& s) {
  if (!s.next) return;
  auto n = std::move(s.next);
  n->live->unsubscribe(worker_.context, n->player.get());
  n->live.reset();
  server_.streams.release(n->key);
}

}  // namespace lectern::server
