#include "rtmp_session.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <sstream>

#include "lectern/net/use_tuple.hpp"
#include "lectern/shared/chunk_writer.hpp"
#include "lectern/shared/control.hpp"
#include "lectern/shared/data_message.hpp"
#include "player_writes.hpp"
#include "recording_finalizer.hpp"
#include "rtmp_net_stream.hpp"
#include "text.hpp"

namespace lectern::server {

namespace asio = boost::asio;
namespace rtmp = shared::rtmp;
using namespace asio::experimental::awaitable_operators;
using asio::ip::tcp;

namespace {

using lectern::net::k_use;
// Players send little (acks, a few commands): they keep a small read buffer. A publisher's
// fills up and grows it, up to the large size, for fewer reads per second.
constexpr std::size_t k_read_buffer_small = 4 * 1024;
constexpr std::size_t k_read_buffer_large = 64 * 1024;
constexpr auto k_drain_grace = std::chrono::seconds(2);
// Replies and statuses a client has not read, beyond what a recording being played may
// have queued (the VOD pump stops at 1 MiB, plus one message). Real clients read them at
// once; one that sends commands and never reads would otherwise grow this without bound.
constexpr std::size_t k_control_slack = 2u << 20;

std::chrono::milliseconds since(rtmp_session::clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(rtmp_session::clock::now() - t);
}

}  // namespace

rtmp_session::rtmp_session(tcp::socket socket, server_context& server, worker& w)
    : socket_(std::move(socket)),
      server_(server),
      worker_(w),
      id_(server.next_session_id++),
      started_(clock::now()),
      handshake_(std::make_unique<shared::handshake::server>(shared::handshake::server_options{})),
      reader_(shared::rtmp::chunk_limits{
          .max_message_size = server.options.max_message_size,
          .max_chunk_streams = 64,
          .max_pending_messages = 1024,
          .max_partial_bytes = 2 * static_cast<std::size_t>(server.options.max_message_size)}),
      queue_(outbound_queue::limits{server.options.subscriber_queue_bytes,
                                    server.options.subscriber_queue_ms}),
      wake_(socket_.get_executor()),
      last_received_(started_),
      lag_(server.options.max_lag) {
  boost::system::error_code ec;
  const auto ep = socket_.remote_endpoint(ec);
  peer_ = ec ? std::string("?") : endpoint_text(ep);
  in_.resize(k_read_buffer_small);
  ++server_.connections;
}

rtmp_session::~rtmp_session() {
  // finish() runs when serve() ends; if an exception skipped it, no live stream may keep a
  // pointer to this session's players and no publication or recording may stay open.
  if (!streams_.empty()) {
    for (auto& [id, s] : streams_) stop_stream(*s, false);
  }
  --server_.connections;
}

asio::awaitable<void> rtmp_session::run(std::shared_ptr<rtmp_session> self) {
  co_await self->serve();
}

asio::awaitable<void> rtmp_session::serve() {
  worker_.sessions[id_] = weak_from_this();
  boost::system::error_code ignored;
  tune_live_socket(socket_);
  socket_.non_blocking(true, ignored);  // flush() writes without blocking
  server_.log.debug("rtmp", "conn " + std::to_string(id_) + " " + peer_ + " connected");
  co_await (reader() || watchdog());
  finish();
  worker_.sessions.erase(id_);
}

void rtmp_session::close(std::string reason) {
  if (closing_) return;
  closing_ = true;
  if (close_reason_.empty()) close_reason_ = std::move(reason);
  boost::system::error_code ignored;
  // Closing the socket ends reader() and any write in flight; the || in run() cancels the
  // watchdog.
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  wake_.cancel();
}

void rtmp_session::close_after_flush(std::string reason) {
  if (draining_ || closing_) return;
  draining_ = true;
  close_reason_ = std::move(reason);
  drain_deadline_ = clock::now() + k_drain_grace;
  wake_writer();
}

asio::awaitable<void> rtmp_session::reader() {
  for (;;) {
    if (in_used_ == in_.size()) {
      // Only a torn chunk header (at most 18 bytes) or handshake packet is ever kept, so a
      // full buffer means the parser is stuck: cannot happen with the limits we set.
      close("protocol error: unparsable data");
      co_return;
    }
    if (in_used_ == 0 && last_read_filled_ && in_.size() < k_read_buffer_large) {
      in_.resize(in_.size() * 2);
    }
    auto [ec, n] = co_await socket_.async_read_some(
        asio::buffer(in_.data() + in_used_, in_.size() - in_used_), k_use);
    if (ec) {
      if (!closing_) {
        close(ec == asio::error::eof ? "client closed the connection"
                                     : "read failed: " + ec.message());
      }
      co_return;
    }
    last_read_filled_ = n == in_.size() - in_used_;
    in_used_ += n;
    bytes_in_ += n;
    worker_.bytes_in.add(n);
    last_received_ = clock::now();
    std::error_code perr;
    if (!consume(perr)) {
      close("protocol error: " + perr.message());
      co_return;
    }
    if (closing_) co_return;
  }
}

// Feeds the buffered bytes to the handshake, then to the chunk reader, and acts on every
// message. Returns false on a protocol error (the connection must close).
bool rtmp_session::consume(std::error_code& ec) {
  std::size_t used = 0;
  while (used < in_used_ && !closing_) {
    const shared::byte_view view(in_.data() + used, in_used_ - used);
    std::size_t n = 0;
    if (!handshake_done_) {
      shared::bytes out;
      n = handshake_->put(view, out, ec);
      if (ec) return false;
      if (!out.empty()) {
        queue_.push_control(std::make_shared<const shared::bytes>(std::move(out)), clock::now());
        wake_writer();
      }
      if (handshake_->done()) {
        handshake_done_ = true;
        handshake_.reset();  // 3 KiB per connection that is never needed again
      }
    } else {
      n = reader_.put(view, ec);
      if (ec) return false;
      rtmp::message m;
      while (reader_.next(m)) {
        dispatch(std::move(m));
        if (closing_ || draining_) break;
      }
      if (auto ack = reader_.take_ack()) send(rtmp::make_acknowledgement(*ack));
    }
    used += n;
    if (n == 0) break;
  }
  if (used > 0) {
    std::memmove(in_.data(), in_.data() + used, in_used_ - used);
    in_used_ -= used;
  }
  return true;
}

// Sending. Whatever is queued while the current handler runs (a publisher's whole read, a
// run of posted live items) goes out in one gathered write in the worker's next write round
// (round_writer.hpp): batching without a timer. The write is tried at once without
// blocking; only what the socket does not take waits in an async_write. This is nginx's
// shape (send now, wait for writable only on EAGAIN) and costs one send per player per
// batch instead of a timer, a coroutine resumption and an async operation per message.
void rtmp_session::wake_writer() {
  if (in_round || waiting || writing_ || closing_) return;
  if (server_.options.batching != write_batching::window || draining_) {
    schedule_write(worker_, shared_from_this());
  } else {
    schedule_write_after(wake_, shared_from_this());  // the publisher may add more meanwhile
  }
}

bool rtmp_session::take_write(int& fd, const iovec*& buffers, std::size_t& count) {
  if (writing_ || closing_) return false;
  if (queue_.empty()) {
    if (draining_) close(close_reason_);
    return false;
  }
  batch_.clear();
  queue_.take(batch_, k_player_write_batch, k_player_write_buffers);
  batch_queued_at_ = batch_.front().queued_at;
  batch_bytes_ = 0;
  iov_.clear();
  for (const auto& e : batch_) {
    batch_bytes_ += e.wire->size();
    iov_.push_back({const_cast<std::uint8_t*>(e.wire->data()), e.wire->size()});
  }
  fd = socket_.native_handle();
  buffers = iov_.data();
  count = iov_.size();
  return true;
}

void rtmp_session::flush() {
  write_now(*this);
}

bool rtmp_session::sent(long result) {
  std::size_t n = result < 0 ? 0 : static_cast<std::size_t>(result);
  boost::system::error_code ec;
  if (result < 0) ec.assign(static_cast<int>(-result), boost::system::system_category());
  if (closing_) {  // closed meanwhile (by another session's handling in the round)
    batch_.clear();
    return false;
  }
  if (ec) {
    if (ec != asio::error::would_block && ec != asio::error::try_again) {
      close("write failed: " + ec.message());
      return false;
    }
    n = 0;
  }
  bytes_out_ += n;
  worker_.bytes_out.add(n);
  if (n == batch_bytes_) {
    batch_.clear();  // releases our references to shared payloads at once
    return true;
  }
  // The socket is full: the rest goes when it drains. Meanwhile the queue keeps bounding
  // (and dropping) what arrives.
  unsent_part(iov_, n, buffers_);
  writing_ = true;
  asio::async_write(
      socket_, buffers_,
      [self = shared_from_this()](const boost::system::error_code& e, std::size_t written) {
        self->writing_ = false;
        self->batch_.clear();
        if (e) {
          if (!self->closing_) self->close("write failed: " + e.message());
          return;
        }
        self->bytes_out_ += written;
        self->worker_.bytes_out.add(written);
        self->flush();
      });
  return false;
}

asio::awaitable<void> rtmp_session::watchdog() {
  asio::steady_timer timer(socket_.get_executor());
  const auto& o = server_.options;
  // Publishers (their recordings' flushes), connections being set up or drained keep the
  // short period; one that only plays checks its lag less often (player_writes.hpp).
  const auto player_period = player_lag_period(o.max_lag);
  bool only_playing = false;
  for (;;) {
    timer.expires_after(only_playing ? player_period : k_player_watchdog_period);
    auto [ec] = co_await timer.async_wait(k_use);
    if (ec || closing_) co_return;
    const auto now = clock::now();
    // The handshake timeout covers connect too: a client that opens a socket and never
    // says who it is holds a connection slot for nothing.
    if (!connected_ && now - started_ > o.handshake_timeout) {
      close((handshake_done_ ? "connect not received within " : "handshake not completed within ") +
            duration_text(o.handshake_timeout));
      co_return;
    }
    if (draining_ && now > drain_deadline_) {
      close(close_reason_);
      co_return;
    }
    bool playing = false, other = false;
    for (auto& [id, s] : streams_) {
      if (s->what == role::playing_live || s->what == role::playing_vod) {
        playing = true;
      } else if (s->what != role::idle) {
        other = true;
      }
      if (s->recorder) s->recorder->tick(now);
    }
    only_playing = playing && !other && !draining_;
    // A player may legitimately send nothing for a long time (a class before the teacher
    // arrives); everyone else must show signs of life.
    if (!playing && now - last_received_ > o.idle_timeout) {
      close("nothing received for " + duration_text(o.idle_timeout));
      co_return;
    }
    // Lag: how long the oldest unsent message has waited, counting the write in flight.
    const auto oldest = writing_ ? batch_queued_at_ : queue_.oldest_queued_at(now);
    const bool stuck = now - oldest > o.max_lag;
    if (stuck && !playing) {
      close("nothing could be sent for " + duration_text(since(oldest)));
      co_return;
    }
    if (!playing || draining_) continue;
    // Or the link cannot carry even audio and keyframes, for max_lag on end.
    const auto verdict = lag_.check(queue_.stats().dropped_keyframes_or_audio, oldest, now);
    if (verdict) {
      const auto& st = queue_.stats();
      const auto& why = verdict->why;
      queue_.clear();
      for (auto& [id, s] : streams_) {
        if (s->what != role::playing_live && s->what != role::playing_vod) continue;
        send_status(id, shared::rtmp::k_level_warning, shared::rtmp::k_play_insufficient_bw,
                    "Your connection is too slow for this stream (" + why + ", " +
                        std::to_string(st.dropped_messages) + " messages dropped); disconnecting.");
      }
      if (verdict->stuck) {
        // The socket accepts nothing: the notice cannot go out either.
        close("too slow: " + why);
        co_return;
      }
      close_after_flush("too slow: " + why);
    }
  }
}

void rtmp_session::send(const rtmp::message& m) {
  rtmp::message_header h{m.chunk_stream_id, m.type, m.stream_id, m.timestamp,
                         static_cast<std::uint32_t>(m.payload.size())};
  auto wire = std::make_shared<shared::bytes>();
  wire->reserve(rtmp::chunk_writer::standalone_size(h, out_chunk_size_));
  // Every message goes out with a full (type-0) header: shared media must, and dropping a
  // message then never breaks the header compression of the ones after it.
  if (auto ec = rtmp::chunk_writer::write_standalone(h, m.payload, out_chunk_size_, *wire)) {
    server_.log.error("rtmp",
                      "conn " + std::to_string(id_) + ": cannot encode a message: " + ec.message());
    return;
  }
  queue_.push_control(std::move(wire), clock::now());
  const std::size_t cap = k_control_slack + server_.options.max_message_size;
  if (queue_.control_bytes() > cap) {
    close("protocol error: more than " + size_text(cap) + " of replies not read by the client");
    return;
  }
  wake_writer();
}

void rtmp_session::send_command(const rtmp::command& c, std::uint32_t stream_id) {
  send(rtmp::make_command(c, stream_id, amf3_));
}

void rtmp_session::send_status(std::uint32_t stream_id, std::string_view level,
                               std::string_view code, std::string_view description) {
  send_command(rtmp::make_on_status(rtmp::make_status(level, code, description)), stream_id);
}

void rtmp_session::send_data_status(std::uint32_t stream_id, std::string_view handler,
                                    std::string_view code, std::string_view description) {
  shared::rtmp::data_message d;
  d.handler = std::string(handler);
  d.values.push_back(rtmp::to_amf(rtmp::make_status(rtmp::k_level_status, code, description)));
  auto m = shared::rtmp::make_data(d, stream_id);
  send(m);
}

void rtmp_session::finish() {
  server_.dropped_messages.fetch_add(queue_.stats().dropped_messages, std::memory_order_relaxed);
  for (auto& [id, s] : streams_) stop_stream(*s, false);
  streams_.clear();
  if (so_link_) std::exchange(so_link_, nullptr)->on_close();
  std::ostringstream line;
  line << "conn " << id_ << " " << peer_ << " closed after " << duration_text(since(started_))
       << ": " << (close_reason_.empty() ? "closed" : close_reason_) << "; " << summary();
  server_.log.info("rtmp", line.str());
}

std::string rtmp_session::summary() const {
  std::ostringstream s;
  s << (activity_.empty() ? std::string("no stream") : activity_) << ", " << size_text(bytes_in_)
    << " in, " << size_text(bytes_out_) << " out";
  const auto& st = queue_.stats();
  if (st.dropped_messages > 0) {
    s << ", " << st.dropped_messages << " messages dropped (" << size_text(st.dropped_bytes) << ")";
  }
  return s.str();
}

}  // namespace lectern::server
