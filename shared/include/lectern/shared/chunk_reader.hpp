// Incremental RTMP chunk stream reader (RTMP spec 5.3): bytes in, complete messages out.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <system_error>
#include <vector>

#include "lectern/shared/bytes.hpp"
#include "lectern/shared/message.hpp"

namespace lectern::shared::rtmp {

/// Hard limits for a chunk stream read from an untrusted peer.
struct chunk_limits {
  /// Larger declared lengths close the connection. (The 24-bit field allows 16 MiB - 1; a
  /// keyframe of a 4K stream is a few MiB.)
  std::uint32_t max_message_size = 8u << 20;
  std::uint32_t max_chunk_streams = 64;     ///< distinct chunk stream ids with state
  std::size_t max_pending_messages = 1024;  ///< completed but not yet taken by next()
  /// Sum of the declared lengths of messages being reassembled at once: a peer that
  /// interleaves many large unfinished messages on different chunk streams would
  /// otherwise hold max_chunk_streams x max_message_size.
  std::size_t max_partial_bytes = 16u << 20;
};

/// Reassembles messages from a peer's chunk stream. Like Beast's parsers it never buffers a
/// partial header: put() returns how many bytes it used, and the caller keeps the rest and
/// presents them again with more (at most 18 bytes wait this way, unless put() stopped for
/// back-pressure). Any split of the input,
/// down to one byte at a time, yields the same messages. Set Chunk Size, Abort and Window
/// Acknowledgement Size are applied as they complete (they change how the following bytes
/// parse) and are still handed out.
class chunk_reader {
 public:
  explicit chunk_reader(const chunk_limits& lim = {});

  /// Consumes bytes and returns how many were used. It stops early when the rest is an
  /// incomplete chunk header, when max_pending_messages messages wait for next(), or on an
  /// error (then the connection must be closed: the stream cannot be resynchronised).
  std::size_t put(byte_view in, std::error_code& ec);

  /// Takes the oldest complete message; false when there is none.
  bool next(message& out);

  /// The chunk size the peer sends with (128 until it sends Set Chunk Size).
  std::uint32_t chunk_size() const noexcept { return chunk_size_; }
  /// Total bytes consumed, the basis of Acknowledgement sequence numbers (RTMP spec 5.4.3).
  std::uint64_t bytes_received() const noexcept { return bytes_received_; }
  /// Window size from the peer's Window Acknowledgement Size (0: none received).
  std::uint32_t ack_window() const noexcept { return ack_window_; }
  /// When the window has been filled since the last call, the sequence number to send in
  /// an Acknowledgement (RTMP spec 5.4.3).
  std::optional<std::uint32_t> take_ack() noexcept;

 private:
  /// Per chunk stream id state: the last header (for compressed headers) and the message
  /// being reassembled.
  struct stream_state {
    std::uint32_t csid = 0;
    std::uint64_t timestamp = 0;       // unwrapped, of the current/last message
    std::uint32_t wire_timestamp = 0;  // 32-bit value as last seen on the wire
    std::uint32_t delta = 0;           // timestamp delta that a type-3 new message adds
    std::uint32_t length = 0;
    std::uint32_t stream_id = 0;
    std::uint8_t type = 0;
    bool has_header = false;
    bool extended = false;             // last header carried an extended timestamp
    std::uint32_t extended_value = 0;  // and its value, repeated on type-3 chunks
    bytes partial;                     // payload received so far
    bool in_message = false;
  };

  /// The fields of one chunk header as they are on the wire.
  struct wire_header {
    std::uint8_t fmt = 0;
    std::uint32_t csid = 0;
    std::uint32_t ts_field = 0;  // timestamp or delta, extended timestamp applied
    std::uint32_t length = 0;
    std::uint32_t stream_id = 0;
    std::uint8_t type = 0;
    bool extended = false;
  };

  std::size_t parse_header(byte_view in, std::error_code& ec);
  static bool read_basic_header(byte_reader& r, wire_header& h) noexcept;
  bool read_message_header(byte_reader& r, const stream_state* s, wire_header& h,
                           std::error_code& ec) noexcept;
  static bool read_extended_timestamp(byte_reader& r, const stream_state* s,
                                      wire_header& h) noexcept;
  std::error_code apply_header(stream_state*& s, const wire_header& h);
  stream_state* find(std::uint32_t csid) noexcept;
  stream_state* add(std::uint32_t csid, std::error_code& ec);
  std::error_code start_message(stream_state& s, std::uint8_t fmt, std::uint32_t ts_field,
                                std::uint32_t length, std::uint8_t type, std::uint32_t sid);
  std::size_t read_payload(byte_view in);
  std::error_code finish_message(stream_state& s);
  std::error_code apply_control(const message& m);

  chunk_limits limits_;
  std::uint32_t chunk_size_ = 128;  // RTMP spec 5.4.1: default maximum chunk size
  std::uint32_t ack_window_ = 0;
  std::uint64_t bytes_received_ = 0;
  std::size_t partial_declared_ = 0;  // declared lengths of messages in progress
  std::uint64_t acked_ = 0;

  std::size_t cur_ = 0;           // index in streams_ of the chunk being read
  std::uint32_t chunk_left_ = 0;  // payload bytes left in that chunk

  std::vector<stream_state> streams_;
  std::deque<message> ready_;
};

}  // namespace lectern::shared::rtmp
