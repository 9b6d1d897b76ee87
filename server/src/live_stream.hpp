#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "lectern/shared/amf_value.hpp"
#include "lectern/shared/message.hpp"
#include "live_item.hpp"
#include "timestamp_mapper.hpp"

namespace lectern::server {

/// Bounds of a live stream's caches.
struct live_stream_limits {
  std::size_t gop_cache_bytes = 32u << 20;  ///< 0 disables the GOP cache
  std::chrono::milliseconds gop_cache_ms{20000};
  std::uint32_t chunk_size = 4096;  ///< outgoing chunk size the shared encoding uses
  /// A publisher that sent nothing for this long may be replaced by a new one.
  std::chrono::milliseconds stale_publisher{5000};
  /// --write-batching frame: each worker thread holds audio (at most 50 ms of
  /// media time, and 100 ms of wall time) and hands it to its players with the next video
  /// frame, so that each player is visited about 25 times a second, not 68.
  bool hold_audio = false;
};

/// Who publishes a stream.
struct publisher_info {
  std::uint64_t session_id = 0;
  /// Identity from the authorizer (e.g. a room's teacher token): the same principal may
  /// take a stream over at once, a teacher reconnecting before the old TCP connection died.
  std::string principal;
  std::string peer;  ///< address, for logs
  /// Closes the replaced publisher; posted to its own thread.
  std::function<void()> evict;
  boost::asio::io_context* context = nullptr;
};

/// Per-stream figures for logs, the API and tests.
struct live_stream_stats {
  bool publishing = false;
  std::size_t players = 0;
  std::uint64_t publishes = 0;
  std::uint64_t media_messages = 0;
  std::uint64_t media_bytes = 0;
  std::uint64_t video_keyframes = 0;
  std::uint64_t video_frames = 0;  ///< pictures (not sequence headers), for the frame rate
  std::uint64_t video_bytes = 0;
  std::uint64_t audio_bytes = 0;
  std::uint64_t gop_items = 0;
  std::uint64_t gop_bytes = 0;
  std::uint64_t timestamp_discontinuities = 0;
  std::optional<shared::amf::value> metadata;
};

/// One live stream (app/name): its publisher, the state a late joiner needs (metadata,
/// sequence headers, GOP cache) and its players. Players are grouped by the io_context
/// (worker thread) they run on; the publisher hands each item to each group once, and a
/// group hands it to its players on their own thread, so no lock is held while sending
/// and a slow player never holds up the publisher (style: fan-out shares immutable data).
class live_stream : public std::enable_shared_from_this<live_stream> {
 public:
  using clock = std::chrono::steady_clock;

  live_stream(std::string key, live_stream_limits limits);
  const std::string& key() const noexcept { return key_; }

  enum class publish_result { accepted, taken_over, busy };
  /// Claims the stream for a publisher. `busy` when another one is live and not stale.
  publish_result publish(publisher_info info, clock::time_point now);
  /// Ends the publication if `session_id` still holds it; players are told.
  void unpublish(std::uint64_t session_id);

  /// Publisher side, on its thread. Ignored unless `session_id` holds the stream. The
  /// message's timestamp is mapped onto the stream timeline; returns the item sent (null
  /// if ignored), so the caller can record exactly what players got.
  live_item_ptr push_media(std::uint64_t session_id, shared::media_message&& m,
                           clock::time_point now);
  /// onMetaData from @setDataFrame (body already stripped of the handler name).
  live_item_ptr push_metadata(std::uint64_t session_id, const shared::amf::value& metadata);
  void clear_metadata(std::uint64_t session_id);
  /// Any other data message: forwarded to players as it is.
  live_item_ptr push_data(std::uint64_t session_id, shared::rtmp::message&& m,
                          clock::time_point now);

  /// Subscriber side, on the subscriber's own thread (`ctx` must be the context running
  /// the caller). Returns what the player needs first: metadata, sequence headers and the
  /// GOP cache, in order. Every later item reaches s->on_live() exactly once.
  struct join {
    bool publishing = false;
    std::vector<live_item_ptr> items;
  };
  join subscribe(boost::asio::io_context& ctx, live_subscriber* s);
  void unsubscribe(boost::asio::io_context& ctx, live_subscriber* s);

  /// A snapshot of the start state (metadata, headers, GOP) without subscribing: for a
  /// player that unpauses or turns video back on.
  std::vector<live_item_ptr> start_items();

  bool idle();  ///< no publisher and no players: the registry may drop it
  /// The newest timestamp on the stream's timeline (what a play2 switch continues after).
  std::uint64_t newest_timestamp();

  /// Bytes one worker thread may have posted to it and not yet delivered.
  static constexpr std::size_t k_max_group_backlog = 32u << 20;
  live_stream_stats stats();
  std::optional<publisher_info> publisher();

 private:
  struct member {
    live_subscriber* subscriber;
    std::uint64_t start_seq;  // items up to this one came with the join snapshot
  };
  struct group {
    explicit group(boost::asio::io_context* c) : context(c) {}
    boost::asio::io_context* context;
    std::vector<member> members;  // touched only on `context`'s thread
    // Bytes handed to `context` and not yet delivered: a worker thread that falls behind
    // the publisher (too much work for one core) gets droppable items skipped instead of
    // an unbounded backlog of posted handlers.
    std::atomic<std::size_t> backlog{0};
    std::atomic<bool> gap{false};
    // hold_audio: audio not yet handed to the members, in order (a few frames).
    std::vector<live_item_ptr> held;
    std::uint64_t held_from = 0;  // media timestamp of held.front()
    clock::time_point held_at{};  // when held.front() was held
    bool timer_armed = false;     // a wall-time release of `held` is pending
  };

  live_item_ptr make_item(live_item::kind k, shared::media_message&& m);
  void cache_locked(const live_item_ptr& item);
  void reset_start_state_locked();  // metadata, headers, GOP: what a joiner is sent first
  void snapshot_locked(std::vector<live_item_ptr>& out) const;
  using group_list = std::shared_ptr<const std::vector<std::shared_ptr<group>>>;
  void broadcast(const live_item_ptr& item, const std::vector<std::shared_ptr<group>>& groups);
  static void deliver(const std::shared_ptr<group>& g, const live_item_ptr& item, bool hold);
  static void hand_over(group& g, const live_item_ptr* item);  // held, then item
  static void arm_release(const std::shared_ptr<group>& g);
  bool holds_locked(std::uint64_t session_id) const noexcept;

  const std::string key_;
  const live_stream_limits limits_;

  std::mutex mutex_;  // guards everything below
  std::optional<publisher_info> publisher_;
  clock::time_point last_media_at_{};
  timestamp_mapper timestamps_;
  std::uint64_t seq_ = 0;
  live_item_ptr metadata_;
  live_item_ptr video_header_;
  live_item_ptr audio_header_;
  std::deque<live_item_ptr> gop_;
  std::size_t gop_bytes_ = 0;
  std::uint64_t gop_start_ = 0;  // timestamp of the GOP's keyframe
  bool gop_valid_ = false;       // gop_ starts with a keyframe and is within bounds
  group_list groups_ = std::make_shared<const std::vector<std::shared_ptr<group>>>();
  std::size_t players_ = 0;
  live_stream_stats stats_;
};

}  // namespace lectern::server
