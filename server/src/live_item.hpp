#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "lectern/shared/bytes.hpp"
#include "lectern/shared/media_message.hpp"
#include "outbound_queue.hpp"

namespace lectern::server {

/// The message stream id players' media goes out on when they play on the first stream a
/// connection creates (createStream returns 1 first: ffmpeg, OBS, librtmp, Flash). Items
/// are encoded for it when they are made; other stream ids get a shared encoding on demand
/// (live_item::wire_for).
inline constexpr std::uint32_t k_common_play_stream_id = 1;

/// `m` as one RTMP message with a type-0 header on its chunk stream (audio, video or data),
/// message stream `stream_id`, with `timestamp` (the stream's, or a play2 player's shifted one),
/// chunked at `chunk_size`; null without a payload.
shared::shared_bytes encode_live_wire(const shared::media_message& m, std::uint32_t stream_id,
                                      std::uint32_t chunk_size, std::uint64_t timestamp);

/// One immutable unit of a live stream, shared by every player of the stream and by the
/// GOP cache. Built once by the publisher's thread.
struct live_item {
  enum class kind : std::uint8_t {
    media,      ///< audio or video (media.timestamp is on the stream's timeline)
    metadata,   ///< onMetaData (the publisher's @setDataFrame, stripped)
    data,       ///< another data message the publisher sent (cue points, timecodes, …)
    publish,    ///< a publisher started: players get NetStream.Play.PublishNotify
    unpublish,  ///< the publisher stopped: NetStream.Play.UnpublishNotify
  };
  kind what = kind::media;
  shared::media_message media;  ///< payload (also for metadata/data), type, flags
  /// The whole message chunked with a type-0 header for k_common_play_stream_id at the
  /// server's chunk size: the exact bytes most players send.
  shared::shared_bytes wire;
  std::uint32_t chunk_size = 0;  ///< the chunk size of `wire` and of wire_for()'s encodings
  std::uint64_t seq = 0;         ///< position in the stream, for joining without gaps or repeats

  /// Message stream ids besides k_common_play_stream_id whose encoding an item keeps: a
  /// teacher's camera and screen on one connection, a client whose first createStream gave
  /// 2. Beyond them a player encodes its own copy.
  static constexpr std::size_t k_max_alternate_wires = 4;
  /// The item encoded for message stream `stream_id` at `chunk_size`, with timestamp
  /// `timestamp` (a player moved by a play2 switch is on a shifted timeline): `wire` for
  /// k_common_play_stream_id on the stream's own timeline; otherwise the encoding built by
  /// the first player that needs that (id, timestamp) and shared by all later ones
  /// (thread-safe), so 1,000 players on stream id 2, or switched to the screen together,
  /// cost one encoding per item, not 1,000. Past k_max_alternate_wires variants, a fresh
  /// private copy. Null for an item without payload (events).
  shared::shared_bytes wire_for(std::uint32_t stream_id, std::uint64_t timestamp) const;
  shared::shared_bytes wire_for(std::uint32_t stream_id) const {
    return wire_for(stream_id, media.timestamp);
  }

  /// The item as one FLV tag (header, data, PreviousTagSize) for HTTP-FLV and WS-FLV
  /// players, on the stream's timeline; null for events and for what FLV cannot carry
  /// (AMF3 data). Built by the first such player that needs it, then shared by all of them
  /// (thread-safe), so a stream without HTTP players pays nothing.
  shared::shared_bytes flv_tag() const;

 private:
  struct alternate_wire {
    std::uint32_t stream_id = 0;
    std::uint64_t timestamp = 0;
    shared::shared_bytes wire;
  };
  using alternate_wires = std::array<alternate_wire, k_max_alternate_wires>;

  mutable std::once_flag flv_once_;
  mutable shared::shared_bytes flv_;
  // Guards the two below. Held for a lookup or an insert only, never while encoding.
  mutable std::mutex alternates_mutex_;
  // Allocated by the first player on another stream id: most items never need it.
  mutable std::unique_ptr<alternate_wires> alternates_;
  mutable std::size_t alternates_used_ = 0;
};

using live_item_ptr = std::shared_ptr<const live_item>;

/// One live item as a player's queue entry carrying `wire` (its encoding for that player).
/// Media keeps its own drop priority; metadata is kept as long as audio is, and other data
/// messages (cue points, timecodes) go first, so a publisher cannot grow a player's queue
/// with them.
outbound_queue::entry live_queue_entry(const live_item& item, shared::shared_bytes wire,
                                       std::uint32_t stream_id, bool burst,
                                       std::chrono::steady_clock::time_point now);

/// True if `items` (a join's start state) hold a video keyframe to start decoding from.
bool has_keyframe(const std::vector<live_item_ptr>& items);

/// A player of a live stream. on_live() runs on the player's own io_context thread and
/// must not subscribe or unsubscribe from within the call.
class live_subscriber {
 public:
  virtual ~live_subscriber() = default;
  /// `n` items in stream order in one visit (one message, or with --write-batching frame
  /// the held audio and the video frame after it), handed over at `now`: a player queues
  /// them dated `now` (one clock reading per round, not per player) and wakes its writer once.
  virtual void on_live(const live_item_ptr* items, std::size_t n,
                       std::chrono::steady_clock::time_point now) = 0;
  /// Items were skipped before the next on_live() because this player's worker thread
  /// fell too far behind the publisher: video must wait for a keyframe.
  virtual void on_gap() = 0;
};

}  // namespace lectern::server
