// Reads a recording for VOD playback (FMS play(name, start >= 0), seek, pause): a read-only
// mapping of the file and its tag index. The index is immutable and may be shared by every
// player of the same version of the file (vod_library keeps it). See docs/recording.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <system_error>

#include "lectern/shared/amf_value.hpp"
#include "lectern/shared/bytes.hpp"
#include "lectern/shared/flv_index.hpp"
#include "lectern/shared/media_message.hpp"
#include "mapped_file.hpp"

namespace lectern::server {

/// One tag of a recording, ready to send to a player.
struct vod_item {
  bool is_data = false;         ///< a script tag (data message); else `media` is set
  shared::media_message media;  ///< audio or video, classified, stream id 0
  shared::bytes data;           ///< script tag body (AMF0 handler name, values)
  std::uint32_t timestamp = 0;  ///< ms on the file's timeline
};

/// What playing a recording needs besides its bytes: where every tag is, and the file's
/// onMetaData. Immutable once built, so players of one version of a file share it.
struct vod_index {
  shared::flv::file_index tags;
  std::optional<shared::amf::value> metadata;  ///< before the first frame, if any

  /// Indexes a mapped recording in recover mode (see vod_source::open for the errors).
  static std::shared_ptr<const vod_index> build(shared::byte_view file, std::error_code& ec);
  /// Heap bytes the index holds, for the cache's bound.
  std::size_t footprint() const noexcept;
};

/// A recording opened for one player: position, seek, next tag. Not thread-safe: one per
/// player. The mapping shares the file's pages with every other player of it.
class vod_source {
 public:
  /// A player of `map` with its index (`index` must have been built from these bytes).
  vod_source(mapped_file map, std::shared_ptr<const vod_index> index);

  /// Maps and indexes `file` in recover mode: a file cut by a crash plays up to its last
  /// complete tag, and damage in the middle is skipped. Errors: the file system's (e.g.
  /// std::errc::no_such_file_or_directory), recording_error::not_a_file, and the FLV header's
  /// (shared::error::flv_bad_signature for a file that is not FLV, truncated for one shorter
  /// than the header).
  static std::unique_ptr<vod_source> open(const std::filesystem::path& file, std::error_code& ec);

  /// The largest audio/video timestamp (recordings start at 0), or 0 without media.
  std::uint32_t duration_ms() const noexcept { return index_.max_timestamp; }
  /// The file's onMetaData object if it has one before its first frame.
  const std::optional<shared::amf::value>& metadata() const noexcept { return shared_->metadata; }
  /// Bytes that recover mode skipped as damage (0 for a healthy file).
  std::uint64_t skipped_bytes() const noexcept { return index_.skipped_bytes; }
  /// Tags in the file's index.
  std::size_t tag_count() const noexcept { return index_.tags.size(); }
  /// The index, for sharing with the next player of the same file version.
  const std::shared_ptr<const vod_index>& index() const noexcept { return shared_; }

  /// Positions at the keyframe at or before `ms` (the first keyframe if none is before; at
  /// the end if `ms` is beyond duration_ms()). Without video keyframes (audio only), at the
  /// latest frame at or before `ms`. Returns the position's timestamp (duration_ms() at the
  /// end). Then next() yields the video and audio sequence headers in force there, with that
  /// timestamp, before the tag itself.
  std::uint32_t seek(std::uint32_t ms);

  /// The next tag in file order from the position (starting at the file's first tag: call
  /// seek() first to skip the leading onMetaData); false at the end.
  bool next(vod_item& out);

 private:
  void seek_without_keyframes(std::uint32_t ms);
  void fill(const shared::flv::tag_entry& t, std::uint32_t timestamp, vod_item& out) const;

  mapped_file map_;
  std::shared_ptr<const vod_index> shared_;
  const shared::flv::file_index& index_;  // shared_->tags
  std::size_t position_ = 0;              // next tag in index_.tags
  // Sequence headers to replay after a seek (tag positions, k_npos when none), then position_.
  std::array<std::size_t, 2> configs_{shared::flv::k_npos, shared::flv::k_npos};
  std::size_t next_config_ = 2;
  std::uint32_t config_timestamp_ = 0;
};

}  // namespace lectern::server
