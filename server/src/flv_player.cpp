#include "flv_player.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>

#include "lectern/net/use_tuple.hpp"
#include "lectern/shared/flv_writer.hpp"
#include "live_stream.hpp"
#include "player_writes.hpp"
#include "stream_registry.hpp"
#include "text.hpp"

namespace lectern::server {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {

using lectern::net::k_use;
// How long a goodbye (the last chunk, a WebSocket close frame) may take before the
// connection is cut anyway.
constexpr auto k_goodbye_time = std::chrono::seconds(3);
// Frames owed to the peer (pongs) that it does not read: more and it is cut.
constexpr std::size_t k_max_answer_bytes = 64 * 1024;

shared::shared_bytes flv_file_header(bool video) {
  auto out = std::make_shared<shared::bytes>();
  shared::flv::file_header h;
  h.has_video = video;  // an audio-only player (?video=0) says so: a browser then plays audio
  shared::flv::writer w(h);
  w.write_file_header(*out);
  return out;
}

}  // namespace

flv_player::flv_player(server_context& relay, http_player_counters& counters, http_player_slot slot,
                       worker& w, asio::any_io_executor executor, params p)
    : relay_(relay),
      counters_(counters),
      slot_(std::move(slot)),
      context_(w.context),
      worker_(w),
      executor_(std::move(executor)),
      p_(std::move(p)),
      id_(relay.next_session_id++),
      started_(clock::now()),
      queue_(outbound_queue::limits{relay.options.subscriber_queue_bytes,
                                    relay.options.subscriber_queue_ms}),
      lag_(relay.options.max_lag),
      wake_(executor_),
      window_(executor_) {}

flv_player::~flv_player() {
  finish();  // run() did, unless an exception skipped it: no stream may keep our pointer
}

asio::awaitable<void> flv_player::run(flv_sink& sink) {
  sink_ = &sink;
  // The sink is the caller's: however run() ends (an exception too), no write round, timer
  // or late close() (a kick posted before we ended) may use it afterwards.
  struct forget_sink {
    flv_player& p;
    ~forget_sink() {
      p.sink_ = nullptr;
      p.window_.cancel();
    }
  } forget{*this};
  fd_ = sink.socket().native_handle();  // once: each write would otherwise ask the sink
  start();
  wake_writer();
  co_await (lifetime() || watchdog() || watch_peer());
  finish();
  if (!cut_) cut(close_reason_);
  closing_ = true;
  // The rest of a write may still be in flight: the cut socket ends it with an error, and
  // the socket (the caller's) must outlive it.
  while (writing_) co_await wait_for_wake();
  const auto& st = queue_.stats();
  relay_.log.info(
      "http", p_.transport + " " + std::to_string(id_) + " " + p_.peer + " closed after " +
                  duration_text(std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() -
                                                                                      started_)) +
                  ": " + close_reason_ + "; played " + p_.key + ", " + size_text(bytes_out_) +
                  " out, " + std::to_string(st.dropped_messages) + " messages dropped");
}

asio::awaitable<void> flv_player::wait_for_wake() {
  wake_.expires_at(clock::time_point::max());
  (void)co_await wake_.async_wait(k_use);  // close(), cut() and finished writes cancel it
}

void flv_player::start() {
  queue_.push_control(flv_file_header(!p_.audio_only), clock::now());
  live_ = relay_.streams.acquire(p_.key);
  auto j = live_->subscribe(context_, this);
  observe(true);
  if (!j.publishing) {
    relay_.log.info("http", p_.transport + " " + std::to_string(id_) + " " + p_.peer +
                                " waits for " + p_.key + " to be published");
    return;
  }
  relay_.log.info("http", p_.transport + " " + std::to_string(id_) + " " + p_.peer + " plays " +
                              p_.key + (p_.audio_only ? " (audio only)" : ""));
  // A start without a keyframe (the GOP cache is off or overflowed): video waits for one.
  if (!has_keyframe(j.items)) queue_.wait_for_keyframe();
  const auto now = clock::now();
  for (const auto& item : j.items) queue_item(*item, true, now);
}

void flv_player::finish() {
  if (!live_) return;
  live_->unsubscribe(context_, this);
  live_.reset();
  relay_.streams.release(p_.key);
  observe(false);
  counters_.dropped_messages += queue_.stats().dropped_messages;
  queue_.clear();
}

void flv_player::observe(bool start) {
  if (relay_.observer == nullptr || observed_ == start) return;
  observed_ = start;
  rtmp_activity a;
  a.session_id = id_;
  a.stream_id = 1;
  a.key = p_.key;
  a.peer = p_.peer;
  a.access = p_.access;
  a.session = weak_from_this();
  a.context = &context_;
  a.transport = p_.transport;
  start ? relay_.observer->on_play_start(a) : relay_.observer->on_play_stop(a);
}

void flv_player::queue_item(const live_item& item, bool burst, clock::time_point now) {
  if (p_.audio_only && item.media.is_video()) return;
  auto tag = item.flv_tag();
  if (!tag) return;
  queue_.push_media(live_queue_entry(item, std::move(tag), 0, burst, now));
}

void flv_player::on_live(const live_item_ptr* items, std::size_t n, clock::time_point now) {
  if (closing_) return;
  for (std::size_t i = 0; i < n; ++i) {
    const live_item& item = *items[i];
    if (item.what == live_item::kind::publish) {
      // A new publisher: its stream starts at its first keyframe (its sequence headers
      // come first and are never dropped).
      queue_.wait_for_keyframe();
    } else if (item.what != live_item::kind::unpublish) {  // unpublish: stay, like RTMP
      queue_item(item, false, now);
    }
  }
  wake_writer();
}

void flv_player::on_gap() {
  queue_.wait_for_keyframe();
}

// From the room (a kick, the room deleted): the goodbye (the last chunk, a WebSocket close
// frame with the reason) goes after the write in flight, then the connection is cut.
void flv_player::close(std::string reason) {
  if (closing_) return;
  closing_ = true;
  closing_since_ = clock::now();
  close_reason_ = std::move(reason);
  wake_.cancel();
}

// The peer is gone, too slow or failed: nothing more can or should be sent.
void flv_player::cut(std::string reason) {
  if (!closing_) {
    closing_ = true;
    close_reason_ = std::move(reason);
  }
  cut_ = true;
  if (sink_ != nullptr) sink_->cut();
  wake_.cancel();
}

std::optional<rtmp_player_stats> flv_player::player_stats(std::uint32_t) const {
  rtmp_player_stats st;
  st.bytes_out = bytes_out_;
  st.dropped_messages = queue_.stats().dropped_messages;
  st.dropped_bytes = queue_.stats().dropped_bytes;
  st.queued_bytes = queue_.bytes();
  st.receive_video = !p_.audio_only;
  return st;
}

// Writing: as an RTMP player does (rtmp_session.cpp), in the worker's write rounds, a
// non-blocking send of what is queued, and an async_write only for what the socket does not
// take at once. No coroutine, timer or async operation per message.
void flv_player::wake_writer() {
  if (in_round || waiting || writing_ || closing_ || sink_ == nullptr) return;
  if (relay_.options.batching == write_batching::window) {
    schedule_write_after(window_, shared_from_this());  // the publisher may add more meanwhile
  } else {
    schedule_write(worker_, shared_from_this());
  }
}

void flv_player::answer(shared::bytes frame) {
  if (cut_ || said_goodbye_) return;  // after a close frame, nothing more (RFC 6455 5.5.1)
  answer_bytes_ += frame.size();
  // A peer that sends pings and never reads the pongs: bounded like the rest of the queue.
  if (answer_bytes_ > k_max_answer_bytes) return cut("the client sends pings and reads no pongs");
  answers_.push_back(std::move(frame));
  if (!writing_ && sink_ != nullptr) schedule_write(worker_, shared_from_this());
}

bool flv_player::take_write(int& fd, const iovec*& buffers, std::size_t& count) {
  if (writing_ || cut_ || sink_ == nullptr) return false;
  iov_.clear();
  write_bytes_ = 0;
  const auto add = [this](const void* data, std::size_t size) {
    if (size == 0) return;
    iov_.push_back({const_cast<void*>(data), size});
    write_bytes_ += size;
  };
  if (!answers_.empty()) {  // between two frames of the stream, never inside one
    answers_out_.clear();
    for (const auto& a : answers_) answers_out_.insert(answers_out_.end(), a.begin(), a.end());
    answers_.clear();
    answer_bytes_ = 0;
    add(answers_out_.data(), answers_out_.size());
  }
  if (!closing_ && !queue_.empty()) {
    batch_.clear();
    queue_.take(batch_, k_player_write_batch, k_player_write_buffers);
    batch_queued_at_ = batch_.front().queued_at;
    // The frame's header goes first but needs the payload's size: a place kept for it.
    const std::size_t header_at = iov_.size();
    iov_.push_back({});
    const std::size_t framed_from = write_bytes_;
    for (const auto& e : batch_) add(e.wire->data(), e.wire->size());
    asio::const_buffer before, after;
    sink_->frame(write_bytes_ - framed_from, before, after);
    iov_[header_at] = {const_cast<void*>(before.data()), before.size()};  // may be empty
    write_bytes_ += before.size();
    add(after.data(), after.size());
  } else {
    batch_queued_at_ = clock::now();  // answers only: the lag check must not see an old time
  }
  if (iov_.empty()) return false;
  fd = fd_;
  buffers = iov_.data();
  count = iov_.size();
  return true;
}

void flv_player::written(std::size_t n) {
  bytes_out_ += n;
  counters_.bytes_out += n;
}

bool flv_player::sent(long result) {
  if (cut_) {
    batch_.clear();
    return false;
  }
  if (result < 0 && result != -EAGAIN && result != -EWOULDBLOCK) {
    cut("the connection failed: " + std::string(std::strerror(static_cast<int>(-result))));
    return false;
  }
  const auto n = result < 0 ? std::size_t{0} : static_cast<std::size_t>(result);
  written(n);
  if (n == write_bytes_) {
    batch_.clear();                // releases our references to shared payloads at once
    if (closing_) wake_.cancel();  // lifetime() waits for the goodbye to go
    return true;
  }
  // The socket is full: the rest goes when it drains; meanwhile the queue keeps bounding
  // (and dropping) what arrives.
  unsent_part(iov_, n, buffers_);
  writing_ = true;
  asio::async_write(
      sink_->socket(), buffers_,
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t written) {
        self->writing_ = false;
        self->batch_.clear();
        self->wake_.cancel();  // lifetime() or run() may wait for it
        if (ec) {
          if (!self->cut_) self->cut("the connection failed: " + ec.message());
          return;
        }
        self->written(written);
        write_now(*self);
      });
  return false;
}

// Waits for the end: a goodbye when closed from the room, nothing when cut.
asio::awaitable<void> flv_player::lifetime() {
  while (!closing_) co_await wait_for_wake();
  if (cut_) co_return;
  if (!said_goodbye_) say_goodbye(sink_->goodbye(close_reason_));
  while (!cut_ && (writing_ || !answers_.empty() || in_round)) co_await wait_for_wake();
  if (cut_) co_return;
  if (!sink_->waits_for_answer()) co_return cut(close_reason_);
  // Nothing more from us (FIN after the close frame); the peer answers the close or closes
  // (watch_peer() then ends the playback), or the watchdog cuts after k_goodbye_time.
  boost::system::error_code ignored;
  sink_->socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  while (!cut_) co_await wait_for_wake();
}

void flv_player::say_goodbye(shared::bytes frame) {
  if (frame.empty() || said_goodbye_) {
    said_goodbye_ = true;
    return;
  }
  answer_bytes_ = 0;  // the goodbye always fits
  answer(std::move(frame));
  said_goodbye_ = true;
}

asio::awaitable<void> flv_player::watchdog() {
  asio::steady_timer timer(executor_);
  const auto lag_period = player_lag_period(relay_.options.max_lag);
  while (!cut_) {
    // Only the goodbye's deadline needs the short period; the lag check takes the long one.
    timer.expires_after(closing_ ? k_player_watchdog_period : lag_period);
    auto [ec] = co_await timer.async_wait(k_use);
    if (ec || cut_) break;
    const auto now = clock::now();
    if (closing_) {
      // A goodbye the peer does not take (its socket is full) must not hold us.
      if (now - closing_since_ > k_goodbye_time) cut(close_reason_);
      continue;
    }
    const auto oldest = writing_ ? batch_queued_at_ : queue_.oldest_queued_at(now);
    if (auto verdict = lag_.check(queue_.stats().dropped_keyframes_or_audio, oldest, now)) {
      cut("too slow: " + verdict->why);
    }
  }
}

asio::awaitable<void> flv_player::watch_peer() {
  flv_sink::peer_answers to;
  to.reply = [this](shared::bytes frame) { answer(std::move(frame)); };
  to.last_words = [this](shared::bytes frame, std::string why) {
    if (closing_) return;  // our goodbye is out already (a kick): this answers it
    closing_ = true;
    closing_since_ = clock::now();
    close_reason_ = std::move(why);
    say_goodbye(std::move(frame));
    wake_.cancel();  // lifetime() writes it, after the write in flight, then waits
  };
  cut(co_await sink_->watch_peer(to));
}

}  // namespace lectern::server
