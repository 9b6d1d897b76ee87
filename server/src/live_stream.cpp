#include "live_stream.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "lectern/shared/amf0.hpp"
#include "lectern/shared/data_message.hpp"

namespace lectern::server {

namespace asio = boost::asio;
using shared::media_message;
namespace rtmp = shared::rtmp;

namespace {

// hold_audio bounds: frames held per worker thread (a few: 50 ms of AAC is 3), and how long
// they may wait in wall time when no video frame comes (a stalled or audio-only publisher).
constexpr std::size_t k_max_held_audio = 16;
// The most audio (media time) held for a video frame: 50 ms covers video down to 20 fps; with
// slower or no video (a 5 fps screen share, an audio-only stream) audio goes in 50 ms runs.
constexpr std::uint64_t k_audio_hold_ms = 50;
constexpr auto k_held_audio_wall = std::chrono::milliseconds(100);

timestamp_mapper::track track_of(const media_message& m) noexcept {
  if (m.is_audio()) return timestamp_mapper::track::audio;
  if (m.is_video()) return timestamp_mapper::track::video;
  return timestamp_mapper::track::data;
}

}  // namespace

live_stream::live_stream(std::string key, live_stream_limits limits)
    : key_(std::move(key)), limits_(limits) {}

bool live_stream::holds_locked(std::uint64_t session_id) const noexcept {
  return publisher_ && publisher_->session_id == session_id;
}

live_stream::publish_result live_stream::publish(publisher_info info, clock::time_point now) {
  group_list groups;
  live_item_ptr event;
  publish_result result = publish_result::accepted;
  {
    std::lock_guard lock(mutex_);
    if (publisher_) {
      const bool same_principal =
          !info.principal.empty() && info.principal == publisher_->principal;
      const bool stale = now - last_media_at_ >= limits_.stale_publisher;
      if (!same_principal && !stale) return publish_result::busy;
      // Teacher reconnect: the old session is closed on its own thread.
      if (publisher_->evict && publisher_->context) {
        asio::post(*publisher_->context, std::move(publisher_->evict));
      }
      result = publish_result::taken_over;
    }
    publisher_ = std::move(info);
    last_media_at_ = now;
    ++stats_.publishes;
    // A new publisher brings its own codec configuration and its own clock.
    reset_start_state_locked();
    timestamps_.rebase();
    event = make_item(live_item::kind::publish, media_message{});
    groups = groups_;
  }
  broadcast(event, *groups);
  return result;
}

void live_stream::unpublish(std::uint64_t session_id) {
  group_list groups;
  live_item_ptr event;
  {
    std::lock_guard lock(mutex_);
    if (!holds_locked(session_id)) return;
    publisher_.reset();
    reset_start_state_locked();
    event = make_item(live_item::kind::unpublish, media_message{});
    groups = groups_;
  }
  broadcast(event, *groups);
}

void live_stream::reset_start_state_locked() {
  metadata_.reset();
  video_header_.reset();
  audio_header_.reset();
  gop_.clear();
  gop_bytes_ = 0;
  gop_valid_ = false;
}

live_item_ptr live_stream::make_item(live_item::kind k, media_message&& m) {
  auto item = std::make_shared<live_item>();
  item->what = k;
  item->seq = ++seq_;
  item->media = std::move(m);
  item->chunk_size = limits_.chunk_size;
  item->wire = encode_live_wire(item->media, k_common_play_stream_id, limits_.chunk_size,
                                item->media.timestamp);
  return item;
}

live_item_ptr live_stream::push_media(std::uint64_t session_id, media_message&& m,
                                      clock::time_point now) {
  group_list groups;
  live_item_ptr item;
  {
    std::lock_guard lock(mutex_);
    if (!holds_locked(session_id)) return nullptr;
    last_media_at_ = now;
    m.timestamp = m.sequence_header ? timestamps_.map_config(track_of(m))
                                    : timestamps_.map(track_of(m), m.timestamp, now);
    m.stream_id = k_common_play_stream_id;
    ++stats_.media_messages;
    stats_.media_bytes += m.size();
    if (m.is_video()) {
      stats_.video_bytes += m.size();
      if (!m.sequence_header && !m.no_picture) ++stats_.video_frames;
    } else if (m.is_audio()) {
      stats_.audio_bytes += m.size();
    }
    item = make_item(live_item::kind::media, std::move(m));
    cache_locked(item);
    groups = groups_;
  }
  broadcast(item, *groups);
  return item;
}

void live_stream::cache_locked(const live_item_ptr& item) {
  const auto& m = item->media;
  if (m.sequence_header) {
    (m.is_video() ? video_header_ : audio_header_) = item;
  }
  if (m.is_video() && m.keyframe && !m.sequence_header) {
    ++stats_.video_keyframes;
    // A new GOP: a late joiner starts here, with the headers in force for it.
    gop_.clear();
    gop_bytes_ = 0;
    gop_valid_ = limits_.gop_cache_bytes > 0;
    gop_start_ = m.timestamp;
    if (gop_valid_) {
      if (video_header_) gop_.push_back(video_header_);
      if (audio_header_) gop_.push_back(audio_header_);
    }
  } else if (!gop_valid_) {
    return;
  }
  // Sequence headers that change mid-GOP stay in order with the frames they apply to.
  gop_.push_back(item);
  gop_bytes_ += item->wire ? item->wire->size() : 0;
  const bool too_long =
      m.timestamp > gop_start_ &&
      m.timestamp - gop_start_ > static_cast<std::uint64_t>(limits_.gop_cache_ms.count());
  if (gop_bytes_ > limits_.gop_cache_bytes || too_long) {
    // Keyframes are too far apart for the cache: late joiners wait for the next one
    // rather than the server holding unbounded memory.
    gop_.clear();
    gop_bytes_ = 0;
    gop_valid_ = false;
  }
}

live_item_ptr live_stream::push_metadata(std::uint64_t session_id,
                                         const shared::amf::value& metadata) {
  group_list groups;
  live_item_ptr item;
  {
    std::lock_guard lock(mutex_);
    if (!holds_locked(session_id)) return nullptr;
    auto msg = shared::rtmp::make_on_metadata(metadata, k_common_play_stream_id);
    media_message m;
    m.type = rtmp::message_type::data_amf0;
    m.timestamp = timestamps_.newest();
    m.payload = std::make_shared<const shared::bytes>(std::move(msg.payload));
    item = make_item(live_item::kind::metadata, std::move(m));
    metadata_ = item;
    stats_.metadata = metadata;
    groups = groups_;
  }
  broadcast(item, *groups);
  return item;
}

void live_stream::clear_metadata(std::uint64_t session_id) {
  std::lock_guard lock(mutex_);
  if (!holds_locked(session_id)) return;
  metadata_.reset();
  stats_.metadata.reset();
}

live_item_ptr live_stream::push_data(std::uint64_t session_id, rtmp::message&& msg,
                                     clock::time_point now) {
  group_list groups;
  live_item_ptr item;
  {
    std::lock_guard lock(mutex_);
    if (!holds_locked(session_id)) return nullptr;
    media_message m;
    m.type = msg.kind();
    m.timestamp = timestamps_.map(timestamp_mapper::track::data, msg.timestamp, now);
    m.payload = std::make_shared<const shared::bytes>(std::move(msg.payload));
    item = make_item(live_item::kind::data, std::move(m));
    groups = groups_;
  }
  broadcast(item, *groups);
  return item;
}

void live_stream::snapshot_locked(std::vector<live_item_ptr>& out) const {
  if (metadata_) out.push_back(metadata_);
  if (gop_valid_ && !gop_.empty()) {
    out.insert(out.end(), gop_.begin(), gop_.end());
    return;
  }
  if (video_header_) out.push_back(video_header_);
  if (audio_header_) out.push_back(audio_header_);
}

live_stream::join live_stream::subscribe(asio::io_context& ctx, live_subscriber* s) {
  join j;
  std::shared_ptr<group> g;
  std::uint64_t start_seq = 0;
  {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(groups_->begin(), groups_->end(),
                           [&](const auto& x) { return x->context == &ctx; });
    if (it == groups_->end()) {
      // Copy on write: the publisher hands each item to a snapshot of the list, taken by
      // copying one pointer, without copying the list per message.
      g = std::make_shared<group>(&ctx);
      auto more = std::make_shared<std::vector<std::shared_ptr<group>>>(*groups_);
      more->push_back(g);
      groups_ = std::move(more);
    } else {
      g = *it;
    }
    j.publishing = publisher_.has_value();
    snapshot_locked(j.items);
    start_seq = seq_;
    ++players_;
  }
  // We run on ctx's thread, the only one that touches g->members: items the publisher
  // handed over before the snapshot are skipped by seq, later ones all arrive.
  g->members.push_back({s, start_seq});
  return j;
}

void live_stream::unsubscribe(asio::io_context& ctx, live_subscriber* s) {
  std::shared_ptr<group> g;
  {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(groups_->begin(), groups_->end(),
                           [&](const auto& x) { return x->context == &ctx; });
    if (it == groups_->end()) return;
    g = *it;
  }
  auto& ms = g->members;
  const auto before = ms.size();
  ms.erase(std::remove_if(ms.begin(), ms.end(), [&](const member& m) { return m.subscriber == s; }),
           ms.end());
  if (ms.size() != before) {
    std::lock_guard lock(mutex_);
    --players_;
  }
}

std::vector<live_item_ptr> live_stream::start_items() {
  std::vector<live_item_ptr> out;
  std::lock_guard lock(mutex_);
  snapshot_locked(out);
  return out;
}

void live_stream::broadcast(const live_item_ptr& item,
                            const std::vector<std::shared_ptr<group>>& groups) {
  const std::size_t size = item->wire ? item->wire->size() : 0;
  const bool droppable = (item->what == live_item::kind::media &&
                          item->media.priority() != shared::drop_priority::never) ||
                         item->what == live_item::kind::data;
  const bool hold = limits_.hold_audio;
  for (auto& g : groups) {
    if (g->context->get_executor().running_in_this_thread()) {
      deliver(g, item, hold);
      continue;
    }
    if (droppable && g->backlog.load(std::memory_order_relaxed) > k_max_group_backlog) {
      g->gap.store(true, std::memory_order_relaxed);
      continue;
    }
    g->backlog.fetch_add(size, std::memory_order_relaxed);
    asio::post(*g->context, [g, item, size, hold] {
      g->backlog.fetch_sub(size, std::memory_order_relaxed);
      if (g->gap.exchange(false, std::memory_order_relaxed)) {
        for (std::size_t i = 0; i < g->members.size(); ++i) g->members[i].subscriber->on_gap();
      }
      deliver(g, item, hold);
    });
  }
}

void live_stream::deliver(const std::shared_ptr<group>& g, const live_item_ptr& item, bool hold) {
  const auto& m = item->media;
  if (hold && item->what == live_item::kind::media && m.is_audio() && !m.sequence_header) {
    if (g->held.empty()) {
      g->held_from = m.timestamp;
      g->held_at = clock::now();
      arm_release(g);
    }
    const bool within = m.timestamp >= g->held_from && m.timestamp - g->held_from < k_audio_hold_ms;
    if (within && g->held.size() < k_max_held_audio) {
      g->held.push_back(item);
      return;
    }
  }
  hand_over(*g, &item);
}

void live_stream::hand_over(group& g, const live_item_ptr* item) {
  // Index loops: a subscriber must not (un)subscribe inside on_live, but be safe anyway.
  // Each member takes the held audio and the item in one visit (its memory is touched once).
  // One clock reading for the round: the players' queues date the items with it.
  const auto now = clock::now();
  if (g.held.empty()) {
    if (item == nullptr) return;
    for (std::size_t i = 0; i < g.members.size(); ++i) {
      const auto& mb = g.members[i];
      if ((*item)->seq > mb.start_seq) mb.subscriber->on_live(item, 1, now);
    }
    return;
  }
  if (item != nullptr) g.held.push_back(*item);
  const auto* const run = g.held.data();
  const std::size_t n = g.held.size();
  for (std::size_t i = 0; i < g.members.size(); ++i) {
    const auto& mb = g.members[i];
    // Items are in seq order: a player that joined during the hold skips the older ones.
    std::size_t first = 0;
    while (first < n && run[first]->seq <= mb.start_seq) ++first;
    if (first < n) mb.subscriber->on_live(run + first, n - first, now);
  }
  g.held.clear();
}

void live_stream::arm_release(const std::shared_ptr<group>& g) {
  // A publisher that stops sending video (or stalls) must not leave audio held: a timer
  // per worker thread and stream, not per player, hands it over after a short wall time.
  // Only a hold that is that old is released: releasing whatever is held when the timer
  // happens to fire would cut holds short (about 10 extra writes a second per player).
  if (g->timer_armed) return;
  g->timer_armed = true;
  auto timer = std::make_shared<asio::steady_timer>(*g->context, g->held_at + k_held_audio_wall);
  timer->async_wait([timer, g](const boost::system::error_code&) {
    g->timer_armed = false;
    if (g->held.empty()) return;
    if (clock::now() - g->held_at >= k_held_audio_wall) {
      hand_over(*g, nullptr);
    } else {
      arm_release(g);  // a newer hold: its own deadline
    }
  });
}

std::uint64_t live_stream::newest_timestamp() {
  std::lock_guard lock(mutex_);
  return timestamps_.newest();
}

bool live_stream::idle() {
  std::lock_guard lock(mutex_);
  return !publisher_ && players_ == 0;
}

live_stream_stats live_stream::stats() {
  std::lock_guard lock(mutex_);
  auto s = stats_;
  s.publishing = publisher_.has_value();
  s.players = players_;
  s.gop_items = gop_valid_ ? gop_.size() : 0;
  s.gop_bytes = gop_valid_ ? gop_bytes_ : 0;
  s.timestamp_discontinuities = timestamps_.discontinuities();
  return s;
}

std::optional<publisher_info> live_stream::publisher() {
  std::lock_guard lock(mutex_);
  return publisher_;
}

}  // namespace lectern::server
