// The client side of HTTP/1.1 as an HTTP-FLV player (and a WebSocket handshake) needs it:
// the response head and the body's framing, chunked included (RFC 9112 4, 5, 6.3, 7.1).
// No I/O: bytes in, values out, with hard limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "lectern/shared/bytes.hpp"

namespace lectern::bench {

/// `s` for an error message: at most `max` bytes, each byte that is not printable ASCII as
/// \xNN (a JSON report needs valid UTF-8), "..." when cut.
std::string printable(std::string_view s, std::size_t max);

/// How the body of a response ends (RFC 9112 6.3).
enum class body_framing {
  none,         ///< 1xx, 204, 304: no body
  chunked,      ///< Transfer-Encoding ending in chunked
  length,       ///< Content-Length bytes
  until_close,  ///< everything until the server closes (HTTP/1.0, or no length given)
};

/// A parsed response head.
struct http_response_head {
  int minor_version = 1;  ///< HTTP/1.x
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> fields;  ///< names lower-cased, in order
  std::optional<std::uint64_t> content_length;

  /// The first value of field `name` (lower case), or nullptr.
  const std::string* field(std::string_view name) const noexcept;
  /// Whether the comma-separated field `name` lists `token` (case-insensitive), e.g.
  /// has_token("connection", "upgrade").
  bool has_token(std::string_view name, std::string_view token) const;
  body_framing framing() const;
};

/// Reads a response head, in any split of the input: put() consumes bytes up to and
/// including the empty line that ends the head, and no further.
class http_head_parser {
 public:
  /// A head (status line and fields) longer than this is refused: no HTTP-FLV server sends
  /// more than a few hundred bytes.
  static constexpr std::size_t k_max_head = 16 * 1024;

  /// Consumes bytes of `in` until the head is complete; returns how many. After an error the
  /// parser stays failed.
  std::size_t put(shared::byte_view in, std::error_code& ec);
  bool done() const noexcept { return done_; }
  const http_response_head& head() const noexcept { return head_; }

 private:
  std::error_code parse();

  std::string buf_;
  http_response_head head_;
  std::error_code error_;
  bool done_ = false;
};

/// Decodes the chunked transfer coding (RFC 9112 7.1): put() hands out the chunk data as
/// views of its input, so nothing is copied and a chunk may be split anywhere. Chunk
/// extensions are skipped and the trailer fields read and dropped.
class chunked_decoder {
 public:
  /// A chunk may not announce more than this: a live FLV server writes a few tags per chunk,
  /// and a size past it is a corrupt stream rather than a big picture.
  static constexpr std::uint64_t k_max_chunk = 64u << 20;
  /// Longest chunk-size line (size, extensions) and longest trailer.
  static constexpr std::size_t k_max_line = 1024;
  static constexpr std::size_t k_max_trailer = 16 * 1024;

  /// Consumes bytes of `in`; `data` is set to the chunk data among them (a view into `in`,
  /// possibly empty). Returns the bytes consumed: call again with the rest. After an error
  /// the decoder stays failed.
  std::size_t put(shared::byte_view in, shared::byte_view& data, std::error_code& ec);
  /// The last chunk and the trailer were read: the body is complete.
  bool done() const noexcept { return state_ == state::done; }

 private:
  enum class state : std::uint8_t {
    size,       // hex digits
    extension,  // after the digits, up to CR
    size_lf,    // LF after the size line
    data,       // remaining_ bytes of chunk data
    data_cr,    // CRLF after the data
    data_lf,
    trailer,     // field lines after the last chunk, up to an empty line
    trailer_lf,  // LF after a trailer line (empty_line_: it ends the body)
    done,
    failed,
  };

  std::size_t step(shared::byte_view in, shared::byte_view& data, std::error_code& ec);
  std::error_code fail(std::error_code ec) {
    state_ = state::failed;
    return error_ = ec;
  }

  state state_ = state::size;
  std::error_code error_;
  std::uint64_t size_ = 0;       // the size being read
  std::size_t digits_ = 0;       // its hex digits so far
  std::size_t line_ = 0;         // bytes of the current size or trailer line
  std::size_t trailer_ = 0;      // bytes of trailer so far
  std::uint64_t remaining_ = 0;  // chunk data still to come
};

}  // namespace lectern::bench
