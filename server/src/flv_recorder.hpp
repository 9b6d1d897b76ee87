// Writes one FLV recording of a live stream (FMS "record" and "append"), cheaply enough to
// run on the publisher's network thread: tags go to a user-space buffer that reaches the file
// with one write(2) per flush interval or per ~256 KiB. See docs/recording.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <system_error>

#include "lectern/shared/amf_value.hpp"
#include "lectern/shared/bytes.hpp"
#include "lectern/shared/flv_writer.hpp"
#include "lectern/shared/media_message.hpp"
#include "recording_io.hpp"

namespace lectern::server {

/// One FLV recording being written. Not thread-safe: one owner (the publisher's session).
/// Whatever reached the file (everything up to the last flush) is a valid FLV that players
/// and vod_source read while it grows and after a crash; recording_finalizer later adds the
/// seekable onMetaData.
class flv_recorder {
 public:
  struct options {
    /// Longest time tags wait in memory (what a SIGKILL or power cut can lose), given tick()
    /// is called at least that often.
    std::chrono::milliseconds flush_interval{1000};
    /// Buffer size that triggers a write(2) before the interval is up.
    std::size_t flush_bytes = 256 << 10;
  };

  enum class mode {
    record,  ///< a new file; an existing one is replaced (readers that have it open keep it)
    append,  ///< continue an existing file (created if missing) after its last timestamp
  };

  /// Opens `file` (creating its directory) and takes its lock. Errors: recording_error::busy
  /// (being recorded or finalized), not_a_file, shared::error::flv_bad_signature/flv_bad_header
  /// (append to a file that is not FLV), file system errors.
  static std::unique_ptr<flv_recorder> open(const std::filesystem::path& file, mode m,
                                            const options& o, std::error_code& ec);

  flv_recorder(const flv_recorder&) = delete;
  flv_recorder& operator=(const flv_recorder&) = delete;
  /// Calls close() if it was not called.
  ~flv_recorder();

  /// The stream's onMetaData object or ECMA array. Before the first media it is written
  /// directly after the file header (the latest call wins); later, as a new onMetaData tag at
  /// the current time. "duration" and "filesize" are dropped: they describe the publisher's
  /// source, not this file (the finalizer writes the real ones).
  /// Errors: recording_error::bad_metadata, closed.
  std::error_code write_metadata(const shared::amf::value& metadata);

  /// Records an audio or video message. m.timestamp is on the live timeline; the file starts
  /// at 0 (record) or 1 ms after the file's last timestamp (append). Until the first video
  /// keyframe, frames are dropped and the latest sequence headers cached, so the file starts
  /// decodable: cached headers, then the keyframe. A stream with no video (metadata without
  /// video fields, or 1 s of audio with no video message) starts at its first audio frame.
  /// Sequence headers are written again whenever they change. Errors that drop only this
  /// message: not_media, timestamp_overflow, shared::error::flv_tag_too_large (over the
  /// 8 MiB our readers accept). Errors that end the recording: closed, or the sticky
  /// write(2) error of an earlier flush.
  std::error_code write(const shared::media_message& m);

  /// Flushes if flush_interval has passed since the last flush (the first call starts the
  /// clock). A write(2) error becomes sticky: see error().
  void tick(std::chrono::steady_clock::time_point now);

  /// Writes the buffer to the file now (no fsync).
  std::error_code flush();

  /// Writes what is pending (including audio held back while waiting to learn whether the
  /// stream has video), closes the file and releases its lock; the caller then passes path()
  /// to recording_finalizer::finish(). Idempotent; returns the first error seen.
  std::error_code close();

  const std::filesystem::path& path() const noexcept { return path_; }
  /// Size of the file once the buffer is flushed.
  std::uint64_t bytes_written() const noexcept { return base_size_ + writer_.bytes_written(); }
  /// The file's largest timestamp so far (recordings start at 0).
  std::uint32_t duration_ms() const noexcept { return max_timestamp_; }
  /// Frames dropped while waiting for the first keyframe.
  std::uint64_t dropped_frames() const noexcept { return dropped_; }
  /// The sticky error of an earlier flush, if any.
  std::error_code error() const noexcept { return error_; }

 private:
  enum class video_expectation : std::uint8_t { unknown, yes, no };

  flv_recorder(std::filesystem::path file, unique_fd fd, const options& o);
  std::error_code open_record();
  std::error_code open_append();

  std::error_code write_sequence_header(const shared::media_message& m);
  std::error_code write_video(const shared::media_message& m);
  std::error_code write_audio(const shared::media_message& m);
  std::error_code start(std::uint64_t live_timestamp);
  std::error_code start_audio_only();
  std::error_code emit_media(const shared::media_message& m, std::uint64_t live_timestamp);
  std::error_code emit_tag(shared::flv::tag_type type, std::uint32_t timestamp,
                           shared::byte_view data);
  std::error_code emit_pending_metadata();
  std::error_code file_timestamp(std::uint64_t live_timestamp, std::uint32_t& out) const;
  std::error_code after_write();

  std::filesystem::path path_;
  unique_fd fd_;
  options options_;
  shared::flv::writer writer_;  // frames tags; its offsets are relative to base_size_
  shared::bytes buffer_;        // whole tags not yet written to the file
  std::uint64_t base_size_ = 0;
  std::error_code error_;  // sticky
  bool closed_ = false;
  std::optional<std::chrono::steady_clock::time_point> last_flush_;

  // Timeline: file timestamp = timestamp_offset_ + (live - live_base_), never below the offset.
  bool started_ = false;
  bool video_synced_ = false;  // a keyframe was written: video frames may follow
  std::uint64_t live_base_ = 0;
  std::uint32_t timestamp_offset_ = 0;
  std::uint32_t max_timestamp_ = 0;

  video_expectation expect_video_ = video_expectation::unknown;
  bool seen_video_ = false;
  std::optional<shared::bytes> pending_metadata_;      // onMetaData body
  shared::media_message video_config_, audio_config_;  // latest sequence headers
  shared::shared_bytes written_video_config_, written_audio_config_;
  std::deque<shared::media_message> pending_audio_;  // bounded by k_max_pending_audio
  std::uint64_t dropped_ = 0;
};

}  // namespace lectern::server
