// Errors of the recording and VOD code (flv_recorder, recording_finalizer, vod_source) that
// neither std::errc nor lectern::shared::error names.
#pragma once

#include <system_error>

namespace lectern::server {

/// Why a recording or VOD operation failed; system errors (open, write, mmap) are passed
/// through as std::system_category() codes and FLV parse errors as lectern::shared::error.
enum class recording_error {
  busy = 1,            ///< another recorder or the finalizer holds the file's lock
  closed,              ///< the recorder was closed or failed earlier; nothing more is written
  not_media,           ///< flv_recorder::write() got a message that is neither audio nor video
  bad_metadata,        ///< metadata is not an AMF object or ECMA array
  timestamp_overflow,  ///< a file timestamp would pass 2^32 ms (49.7 days)
  file_replaced,       ///< finalizer: the file was replaced while being rewritten; left alone
  queue_full,          ///< finalizer: the queue already holds its maximum of files
  stopped,             ///< finalizer: finish() after shutdown began
  not_a_file,          ///< the path is not a regular file
};

/// The category of recording_error ("lectern.recording").
const std::error_category& recording_category() noexcept;

inline std::error_code make_error_code(recording_error e) noexcept {
  return {static_cast<int>(e), recording_category()};
}

}  // namespace lectern::server

template <>
struct std::is_error_code_enum<lectern::server::recording_error> : std::true_type {};
