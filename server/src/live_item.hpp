#pragma once

#include <cstdint>
#include <memory>

#include "lectern/shared/bytes.hpp"
#include "lectern/shared/media_message.hpp"

namespace lectern::server {

/// The message stream id players' media goes out on when they play on the first stream a
/// connection creates (createStream returns 1 first: ffmpeg, OBS, librtmp, Flash). Items
/// are encoded once for it; a player on another stream id encodes its own copy.
inline constexpr std::uint32_t k_common_play_stream_id = 1;

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
  std::uint64_t seq = 0;  ///< position in the stream, for joining without gaps or repeats
};

using live_item_ptr = std::shared_ptr<const live_item>;

/// A player of a live stream. on_live() runs on the player's own io_context thread and
/// must not subscribe or unsubscribe from within the call.
class live_subscriber {
 public:
  virtual ~live_subscriber() = default;
  virtual void on_live(const live_item_ptr& item) = 0;
  /// Items were skipped before the next on_live() because this player's worker thread
  /// fell too far behind the publisher: video must wait for a keyframe.
  virtual void on_gap() = 0;
};

}  // namespace lectern::server
