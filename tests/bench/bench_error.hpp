// Errors of lectern-bench's RTMP clients that are not socket or protocol errors: what the
// server answered, or did not answer, during setup.
#pragma once

#include <system_error>

namespace lectern::bench {

/// Why a publisher or player setup step failed. The client keeps a readable detail (the
/// status code and description the server sent) beside the value.
enum class bench_error {
  connect_rejected = 1,  ///< connect answered with _error
  create_stream_failed,  ///< createStream answered with _error or a bad stream id
  publish_refused,       ///< onStatus with level "error" after publish
  play_refused,          ///< onStatus with level "error" after play
  closed_by_server,      ///< the server closed the connection
  stopped,               ///< the run ended before this step finished
};

/// The category of bench_error ("lectern.bench").
const std::error_category& bench_category() noexcept;

inline std::error_code make_error_code(bench_error e) noexcept {
  return {static_cast<int>(e), bench_category()};
}

}  // namespace lectern::bench

template <>
struct std::is_error_code_enum<lectern::bench::bench_error> : std::true_type {};
