// Commands and messages a client sends (RTMP spec 7.2), answered the way Flash Media
// Server does, so that ffmpeg, OBS, GStreamer, librtmp and Flash/AIR clients all work.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "lectern/shared/control.hpp"
#include "lectern/shared/data_message.hpp"
#include "rtmp_net_stream.hpp"
#include "stream_name.hpp"

namespace lectern::server {

namespace rtmp = shared::rtmp;
using rtmp::message_type;

namespace {

// Windows as FMS and nginx-rtmp announce them: ack every 2.5 MB.
constexpr std::uint32_t k_window_ack_size = 2'500'000;
// Streams one connection may create (each may publish or play).
constexpr std::uint32_t k_max_streams = 16;

}  // namespace

void rtmp_session::on_shared_object(const rtmp::message& m) {
  rtmp::shared_object_message so;
  if (auto ec = rtmp::parse_shared_object(m, so)) {
    close("protocol error: malformed shared object message: " + ec.message());
    return;
  }
  if (!so_link_) {
    std::string refusal;
    if (server_.observer != nullptr && connected_) {
      rtmp_so_client c;
      c.session_id = id_;
      c.peer = peer_;
      c.app = app_;
      c.query = connect_query_;
      c.amf3 = amf3_;
      auto* ctx = &worker_.context;
      c.send = [weak = weak_from_this(), ctx, amf3 = amf3_](rtmp::shared_object_message msg) {
        boost::asio::post(*ctx, [weak, amf3, msg = std::move(msg)] {
          if (auto self = weak.lock(); self && !self->closing_) {
            self->send(rtmp::make_shared_object(msg, 0, amf3));
          }
        });
      };
      c.close = [weak = weak_from_this(), ctx](std::string reason) {
        boost::asio::post(*ctx, [weak, reason = std::move(reason)] {
          if (auto self = weak.lock()) self->close(reason);
        });
      };
      so_link_ = server_.observer->open_shared_objects(std::move(c), refusal);
    } else {
      refusal = connected_ ? "this server has no shared objects" : "connect first";
    }
    if (!so_link_) {
      rtmp::shared_object_message reply;
      reply.name = so.name;
      rtmp::so_event status;
      status.type = rtmp::so_event_type::status;
      status.code = "SharedObject.NoAccess";  // not an FMS code name; the level says error
      status.level = "error";
      reply.events.push_back(std::move(status));
      send(rtmp::make_shared_object(reply, 0, amf3_));
      close_after_flush("shared objects refused: " + refusal);
      return;
    }
  }
  so_link_->on_message(std::move(so));
}

void rtmp_session::dispatch(rtmp::message&& m) {
  switch (m.kind()) {
    case message_type::command_amf0:
    case message_type::command_amf3:
      on_command(m);
      return;
    case message_type::data_amf0:
    case message_type::data_amf3:
      on_data(std::move(m));
      return;
    case message_type::audio:
    case message_type::video:
      on_media(std::move(m));
      return;
    case message_type::aggregate: {
      // FMS packs several media messages into one (RTMP spec 7.1.6).
      std::vector<rtmp::message> parts;
      if (auto ec = rtmp::split_aggregate(m, parts)) {
        server_.log.debug(
            "rtmp", "conn " + std::to_string(id_) + ": aggregate message ignored: " + ec.message());
        return;
      }
      for (auto& p : parts) dispatch(std::move(p));
      return;
    }
    case message_type::user_control:
      on_user_control(m);
      return;
    case message_type::shared_object_amf0:
    case message_type::shared_object_amf3:
      on_shared_object(m);
      return;
    default:
      // Protocol control (chunk size, abort, acks, window) is applied by the chunk reader;
      // Set Peer Bandwidth from a client means nothing to a server.
      return;
  }
}

void rtmp_session::on_command(const rtmp::message& m) {
  rtmp::command c;
  if (auto ec = rtmp::parse_command(m, c)) {
    close("protocol error: malformed command: " + ec.message());
    return;
  }
  const std::string_view name = c.name;
  if (name == rtmp::k_cmd_connect) return on_connect(c);
  if (!connected_) {
    close("protocol error: '" + c.name + "' before connect");
    return;
  }
  if (name == rtmp::k_cmd_create_stream) return on_create_stream(c);
  if (name == rtmp::k_cmd_publish) return on_publish(c, m.stream_id);
  if (name == rtmp::k_cmd_play) return on_play(c, m.stream_id);
  if (name == rtmp::k_cmd_play2) return on_play2(c, m.stream_id);
  if (name == rtmp::k_cmd_pause) return on_pause(c, m.stream_id);
  if (name == rtmp::k_cmd_seek) return on_seek(c, m.stream_id);
  if (name == rtmp::k_cmd_receive_audio) return on_receive(c, m.stream_id, false);
  if (name == rtmp::k_cmd_receive_video) return on_receive(c, m.stream_id, true);
  if (name == rtmp::k_cmd_delete_stream) {
    rtmp::delete_stream_command d;
    if (!rtmp::parse_delete_stream(c, d)) on_delete_stream(d.stream_id);
    return;
  }
  if (name == rtmp::k_cmd_close_stream) return on_delete_stream(m.stream_id);
  if (name == rtmp::k_cmd_check_bw) {
    // librtmp answers our onBWDone with _checkbw; a plain result ends the exchange (a
    // second onBWDone would start it again, for ever).
    reply_result(c.transaction_id);
    return;
  }
  if (name == rtmp::k_cmd_get_stream_length) return get_stream_length(c);
  // releaseStream, FCPublish, FCUnpublish, FCSubscribe and calls we do not implement: a
  // result keeps clients that wait for one going (OBS and ffmpeg send these before publish).
  if (c.transaction_id != 0) reply_result(c.transaction_id);
}

void rtmp_session::reply_result(double transaction_id) {
  rtmp::command r;
  r.name = std::string(rtmp::k_cmd_result);
  r.transaction_id = transaction_id;
  r.args.emplace_back(shared::amf::undefined_t{});
  send_command(r, 0);
}

void rtmp_session::reply_error(double transaction_id, std::string_view code,
                               std::string_view description) {
  rtmp::command r;
  r.name = std::string(rtmp::k_cmd_error);
  r.transaction_id = transaction_id;
  r.args.push_back(rtmp::to_amf(rtmp::make_status(rtmp::k_level_error, code, description)));
  send_command(r, 0);
}

void rtmp_session::on_connect(const rtmp::command& c) {
  rtmp::connect_command cc;
  if (auto ec = rtmp::parse_connect(c, cc)) {
    close("protocol error: malformed connect: " + ec.message());
    return;
  }
  if (connected_) {
    close("protocol error: a second connect on one connection");
    return;
  }
  const double encoding = cc.object_encoding.value_or(0);
  amf3_ = encoding == 3;
  const auto parts = rtmp::split_query(cc.app);
  // "live", "live/", and "live/extra" (some clients put a path after the app) all mean app
  // "live"; a stream name may also carry the query instead.
  std::string app(parts.name);
  while (!app.empty() && app.back() == '/') app.pop_back();
  if (!valid_name_component(app)) {
    send_command(rtmp::make_connect_rejected(c.transaction_id,
                                             "The application name '" + app +
                                                 "' is not valid: use letters, digits, '-', '_' "
                                                 "and '.', for example rtmp://host/live."),
                 0);
    close_after_flush("connect rejected: bad application name");
    return;
  }
  app_ = std::move(app);
  connect_query_ = std::string(parts.query);
  connected_ = true;
  send(rtmp::make_window_ack_size(k_window_ack_size));
  send(rtmp::make_set_peer_bandwidth(k_window_ack_size, rtmp::peer_bandwidth_limit::dynamic));
  send(rtmp::make_set_chunk_size(server_.options.chunk_size));
  out_chunk_size_ = server_.options.chunk_size;
  send_command(rtmp::make_connect_result(c.transaction_id, encoding), 0);
  send_command(rtmp::make_on_bw_done(), 0);
}

void rtmp_session::on_create_stream(const rtmp::command& c) {
  if (streams_.size() >= k_max_streams) {
    reply_error(c.transaction_id, "NetConnection.Call.Failed",
                "Too many streams on one connection (the limit is " +
                    std::to_string(k_max_streams) + "); delete one first.");
    return;
  }
  const auto id = next_stream_id_++;
  streams_.emplace(id, std::make_unique<net_stream>(id));
  send_command(rtmp::make_create_stream_result(c.transaction_id, id), 0);
}

rtmp_session::net_stream* rtmp_session::stream(std::uint32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

rtmp_session::net_stream* rtmp_session::stream_or_create(std::uint32_t id) {
  // Some clients publish or play on a stream id they never created (or on 0); accept it
  // rather than fail a class over a missing createStream, within the same limit.
  auto it = streams_.find(id);
  if (it != streams_.end()) return it->second.get();
  if (streams_.size() >= k_max_streams) {
    close("protocol error: more than " + std::to_string(k_max_streams) +
          " streams on one connection");
    return nullptr;
  }
  auto& s = streams_[id];
  s = std::make_unique<net_stream>(id);
  if (id >= next_stream_id_) next_stream_id_ = id + 1;
  return s.get();
}

void rtmp_session::on_delete_stream(std::uint32_t stream_id) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  stop_stream(*it->second, true);
  streams_.erase(it);
}

void rtmp_session::on_receive(const rtmp::command& c, std::uint32_t stream_id, bool video) {
  rtmp::receive_command r;
  auto* s = stream(stream_id);
  if (s == nullptr || rtmp::parse_receive(c, r)) return;
  if (video) {
    // Video back on: inter frames before the next keyframe could not be decoded.
    if (r.enabled && !s->receive_video) queue_.wait_for_keyframe(s->id);
    s->receive_video = r.enabled;
  } else {
    s->receive_audio = r.enabled;
  }
}

void rtmp_session::on_user_control(const rtmp::message& m) {
  rtmp::user_control_event e;
  if (rtmp::parse_user_control(m.payload, e)) return;
  if (const auto* b = std::get_if<rtmp::set_buffer_length>(&e)) {
    // Flash sends it after play and whenever NetStream.bufferTime changes; VOD sends this
    // much ahead of real time.
    if (auto* s = stream(b->stream_id)) s->buffer_ms = b->buffer_ms;
  } else if (const auto* p = std::get_if<rtmp::ping_request>(&e)) {
    send(rtmp::make_user_control(rtmp::ping_response{p->timestamp}));
  }
}

void rtmp_session::on_data(rtmp::message&& m) {
  auto* s = stream(m.stream_id);
  if (s == nullptr || s->what != role::publishing || !s->live) return;
  rtmp::data_message d;
  if (auto ec = rtmp::parse_data(m, d)) {
    server_.log.debug("rtmp",
                      "conn " + std::to_string(id_) + ": data message ignored: " + ec.message());
    return;
  }
  if (d.handler == rtmp::k_set_data_frame) {
    // @setDataFrame onMetaData {...}: kept for late joiners and sent on without the
    // "@setDataFrame" (players and FLV files expect a plain onMetaData).
    if (d.values.size() >= 2 && d.values[0].as_string() &&
        *d.values[0].as_string() == rtmp::k_on_metadata) {
      s->live->push_metadata(id_, d.values[1]);
      if (s->recorder) s->recorder->write_metadata(d.values[1]);
    }
    return;
  }
  if (d.handler == rtmp::k_clear_data_frame) {
    s->live->clear_metadata(id_);
    return;
  }
  // Anything else (onMetaData sent directly, cue points, the teacher client's capture
  // timecodes) goes to players as it is.
  if (d.handler == rtmp::k_on_metadata && !d.values.empty()) {
    s->live->push_metadata(id_, d.values[0]);
    if (s->recorder) s->recorder->write_metadata(d.values[0]);
    return;
  }
  s->live->push_data(id_, std::move(m), clock::now());
}

void rtmp_session::on_media(rtmp::message&& m) {
  auto* s = stream(m.stream_id);
  if (s == nullptr || s->what != role::publishing || !s->live) return;
  shared::media_message mm;
  if (auto ec = shared::media_message::from_message(std::move(m), mm)) {
    // Still forwarded: players may understand what we could not classify.
    server_.log.debug("rtmp",
                      "conn " + std::to_string(id_) + ": unclassified media: " + ec.message());
  }
  ++media_in_;
  auto item = s->live->push_media(id_, std::move(mm), clock::now());
  if (!item) {
    // Another publisher took the stream over; this one is being closed.
    return;
  }
  if (s->recorder) {
    if (auto ec = s->recorder->write(item->media)) {
      server_.log.error("record", "conn " + std::to_string(id_) + ": writing " +
                                      s->recorder->path().string() + " failed: " + ec.message() +
                                      "; recording stopped");
      stop_recording(*s);
    }
  }
}

}  // namespace lectern::server
