#include "flv_player.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

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

shared::shared_bytes flv_file_header() {
  auto out = std::make_shared<shared::bytes>();
  shared::flv::writer w;
  w.write_file_header(*out);
  return out;
}

}  // namespace

flv_player::flv_player(server_context& relay, http_player_counters& counters, http_player_slot slot,
                       asio::io_context& context, asio::any_io_executor executor, params p)
    : relay_(relay),
      counters_(counters),
      slot_(std::move(slot)),
      context_(context),
      executor_(std::move(executor)),
      p_(std::move(p)),
      id_(relay.next_session_id++),
      started_(clock::now()),
      queue_(outbound_queue::limits{relay.options.subscriber_queue_bytes,
                                    relay.options.subscriber_queue_ms}),
      lag_(relay.options.max_lag),
      wake_(executor_) {}

flv_player::~flv_player() {
  finish();  // run() did, unless an exception skipped it: no stream may keep our pointer
}

asio::awaitable<void> flv_player::run(flv_sink& sink) {
  sink_ = &sink;
  start();
  co_await (writer() || watchdog() || watch_peer());
  finish();
  closing_ = cut_ = true;
  sink_ = nullptr;  // the caller's; a late close() (a kick posted before we ended) skips it
  const auto& st = queue_.stats();
  relay_.log.info(
      "http", p_.transport + " " + std::to_string(id_) + " " + p_.peer + " closed after " +
                  duration_text(std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() -
                                                                                      started_)) +
                  ": " + close_reason_ + "; played " + p_.key + ", " + size_text(bytes_out_) +
                  " out, " + std::to_string(st.dropped_messages) + " messages dropped");
}

void flv_player::start() {
  queue_.push_control(flv_file_header(), clock::now());
  live_ = relay_.streams.acquire(p_.key);
  auto j = live_->subscribe(context_, this);
  observe(true);
  if (!j.publishing) {
    relay_.log.info("http", p_.transport + " " + std::to_string(id_) + " " + p_.peer +
                                " waits for " + p_.key + " to be published");
    return;
  }
  relay_.log.info("http",
                  p_.transport + " " + std::to_string(id_) + " " + p_.peer + " plays " + p_.key);
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
  // Only an idle writer needs waking: a busy one takes the item with its next batch, and a
  // timer cancel per message per player costs a lock in the reactor.
  if (idle_) {
    idle_ = false;
    wake_.cancel();
  }
}

void flv_player::on_gap() {
  queue_.wait_for_keyframe();
}

// From the room (a kick, the room deleted): the writer says goodbye (the last chunk, a
// WebSocket close frame with the reason) after what it is writing, then cuts.
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
  return st;
}

asio::awaitable<void> flv_player::writer() {
  while (!closing_) {
    if (queue_.empty()) {
      idle_ = true;
      wake_.expires_at(clock::time_point::max());
      (void)co_await wake_.async_wait(k_use);  // on_live() and close() cancel it
      idle_ = false;
      if (!closing_ && relay_.options.batching == write_batching::window) {
        // --write-batching window, as for RTMP players: give the publisher a few ms to add more
        // to this write (close() cuts the wait short).
        wake_.expires_after(k_player_batch_wait);
        (void)co_await wake_.async_wait(k_use);
      }
      continue;
    }
    batch_.clear();
    queue_.take(batch_, k_player_write_batch);
    buffers_.clear();
    for (const auto& e : batch_) buffers_.emplace_back(e.wire->data(), e.wire->size());
    batch_queued_at_ = batch_.front().queued_at;
    writing_ = true;
    const auto ec = co_await sink_->write(buffers_);
    writing_ = false;
    if (ec) {
      cut(closing_ ? close_reason_ : "the connection failed: " + ec.message());
      co_return;
    }
    std::size_t n = 0;
    for (const auto& b : buffers_) n += b.size();
    bytes_out_ += n;
    counters_.bytes_out += n;
  }
  if (!cut_) {
    co_await sink_->finish(close_reason_);
    cut(close_reason_);
  }
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
  co_await sink_->watch_peer();
  cut("the client closed the connection");
}

}  // namespace lectern::server
