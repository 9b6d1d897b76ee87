// RTMP chunk stream writer (RTMP spec 5.3): messages in, chunked bytes out.
#pragma once

#include <cstdint>
#include <system_error>
#include <vector>

#include "lectern/shared/bytes.hpp"
#include "lectern/shared/message.hpp"

namespace lectern::shared::rtmp {

/// The header fields of one message to chunk.
struct message_header {
  std::uint32_t chunk_stream_id = k_csid_command;
  std::uint8_t type = 0;
  std::uint32_t stream_id = 0;
  std::uint64_t timestamp = 0;
  std::uint32_t length = 0;
};

/// Chunks messages for one connection, choosing the smallest header each time given the
/// previous message on the same chunk stream id (RTMP spec 5.3.1.2). What cannot be said on
/// the wire is refused, never truncated: a payload over 16 MiB - 1 bytes
/// (chunk_message_too_large), a chunk stream id outside 2-65599 (chunk_bad_chunk_stream_id),
/// a chunk size of 0 or over 2^31 - 1 (chunk_bad_chunk_size). On error nothing is appended.
class chunk_writer {
 public:
  /// Starts with `chunk_size` (the RTMP default is 128); an invalid size is taken as 128.
  explicit chunk_writer(std::uint32_t chunk_size = 128) noexcept
      : chunk_size_(valid_chunk_size(chunk_size) ? chunk_size : 128) {}

  /// Call after queueing a Set Chunk Size message: later messages use the new size.
  std::error_code set_chunk_size(std::uint32_t n) noexcept;
  std::uint32_t chunk_size() const noexcept { return chunk_size_; }

  /// Appends the chunks of `m` to `out`.
  std::error_code write(const message& m, bytes& out);
  /// Appends the chunks of a message with header `h` (h.length is taken from the payload).
  std::error_code write(message_header h, byte_view payload, bytes& out);

  /// Appends the chunks of a message with a full type-0 header, independent of any
  /// connection's state: the server encodes a media message once per (chunk size, stream
  /// id) and sends the same bytes to every subscriber. Follow with note_sent() on each
  /// connection that sends them.
  static std::error_code write_standalone(message_header h, byte_view payload,
                                          std::uint32_t chunk_size, bytes& out);
  /// Exact size write_standalone() produces, for one allocation (0 for an invalid size).
  static std::size_t standalone_size(const message_header& h, std::uint32_t chunk_size) noexcept;

  static constexpr bool valid_chunk_size(std::uint32_t n) noexcept {
    return n >= 1 && n <= k_max_set_chunk_size;
  }
  /// Records that a standalone message went out on h.chunk_stream_id, so that the next
  /// compressed header on that chunk stream is relative to it.
  void note_sent(const message_header& h);

 private:
  struct stream_state {
    std::uint32_t csid = 0;
    std::uint64_t timestamp = 0;
    std::uint32_t length = 0;
    std::uint32_t stream_id = 0;
    std::uint32_t delta = 0;
    std::uint8_t type = 0;
    bool delta_valid = false;  // the last header was type 1 or 2, so type 3 may repeat it
  };

  stream_state& state(std::uint32_t csid);

  std::uint32_t chunk_size_;
  std::vector<stream_state> streams_;
};

}  // namespace lectern::shared::rtmp
