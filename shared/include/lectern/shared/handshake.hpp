// The RTMP handshake (RTMP spec 5.2), server and client side, simple and digest ("complex"):
// bytes in, bytes out, no I/O. Each side reads a version byte and two 1536-byte packets from its
// peer and never takes a byte more, so what follows C2/S2 in the caller's buffer is left for the
// chunk stream.
#pragma once

#include "lectern/shared/bytes.hpp"
#include "lectern/shared/handshake_digest.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <system_error>

namespace lectern::shared::handshake {

/// The only version we speak in C0/S0 (RTMP spec 5.2.2). 6 and 8 (RTMPE) are refused.
inline constexpr std::uint8_t k_rtmp_version = 3;
/// Version field of our digest S1: FMS 3.5.1.1, as librtmp's server sends. FFmpeg only checks the
/// S1 digest when the first byte is >= 3, librtmp when it is non-zero; 3 satisfies both.
inline constexpr std::uint32_t k_server_version = 0x03050101;
/// Version field of our digest C1: Flash Player 9.0.124.2, as FFmpeg and librtmp send.
inline constexpr std::uint32_t k_client_version = 0x09007C02;

/// Fills a buffer with random bytes (the C1/S1/C2/S2 filler); injectable for deterministic tests.
using random_fill = std::function<void(std::span<std::uint8_t>)>;

/// OpenSSL RAND_bytes, falling back to std::random_device if it fails: the filler is not a
/// secret (the keys are public), it only has to differ between connections.
void system_random(std::span<std::uint8_t> out);

/// How the peer's second packet (C2 to a server, S2 to a client) answered our first packet.
enum class reply_check {
  pending,   ///< not received yet
  verified,  ///< digest handshake: signed with a key derived from our digest
  echoed,    ///< bytes 8..1535 repeat our random bytes (RTMP spec 5.2.4)
  mismatch,  ///< neither
};

namespace detail {
/// Incremental framing of what every peer sends: a version byte, then two 1536-byte packets.
class framer {
 public:
  enum class part { version, first, second, finished };

  /// Copies what the current part still needs from `in`; returns the bytes taken.
  std::size_t take(byte_view in) noexcept;
  bool part_complete() const noexcept { return have_ == part_size(); }
  /// Moves on to the next part once the caller has handled the complete one.
  void next() noexcept;
  part current() const noexcept { return part_; }
  std::uint8_t version() const noexcept { return buf_[0]; }
  std::span<const std::uint8_t, k_packet_size> packet() const noexcept { return buf_; }

 private:
  std::size_t part_size() const noexcept;

  part part_ = part::version;
  std::size_t have_ = 0;
  std::array<std::uint8_t, k_packet_size> buf_{};
};
}  // namespace detail

/// Options of a server handshake.
struct server_options {
  std::uint32_t epoch = 0;  ///< S1 time field (RTMP spec 5.2.3), e.g. server uptime in ms
  random_fill random = system_random;
};

/// Server side: reads C0 C1 C2, answers S0 S1 S2 once C0 C1 are complete. A C1 with a valid
/// digest gets a digest S1 and a signed S2 in the same scheme, anything else the simple answer.
class server {
 public:
  explicit server(server_options options = {});

  /// Consumes client bytes (any split) up to the end of C2 and appends what must be sent to
  /// `out`. Returns the bytes consumed; the rest of `in` belongs to the chunk stream. Sets `ec`
  /// on a bad C0 (handshake_bad_version) or a libcrypto failure; a failed handshake stays failed.
  std::size_t put(byte_view in, bytes& out, std::error_code& ec);

  bool done() const noexcept { return framer_.current() == detail::framer::part::finished; }
  bool used_digest() const noexcept { return scheme_ >= 0; }
  /// Scheme of the client's C1 digest (0 or 1), -1 for the simple handshake.
  int scheme() const noexcept { return scheme_; }
  /// C1 time and version fields (0 until C1 arrived); version 0x09007C02 reads 9.0.124.2.
  std::uint32_t peer_epoch() const noexcept { return peer_epoch_; }
  std::uint32_t peer_version() const noexcept { return peer_version_; }
  /// Diagnostics only: many clients send a C2 that neither echoes nor verifies, so we accept it.
  reply_check c2() const noexcept { return c2_; }

 private:
  std::error_code on_c1(bytes& out);
  void on_c2() noexcept;

  server_options options_;
  detail::framer framer_;
  std::error_code error_;
  int scheme_ = -1;
  std::uint32_t peer_epoch_ = 0;
  std::uint32_t peer_version_ = 0;
  reply_check c2_ = reply_check::pending;
  std::array<std::uint8_t, k_packet_size> s1_{};
};

/// Options of a client handshake.
struct client_options {
  std::uint32_t epoch = 0;  ///< C1 time field (RTMP spec 5.2.3)
  bool use_digest = true;   ///< digest C1 (as Flash Player 9+, FFmpeg) or simple C1
  int scheme = 1;           ///< digest layout of C1; 1 is what FFmpeg and librtmp send
  random_fill random = system_random;
};

/// Client side: start() writes C0 C1, put() reads S0 S1 S2 and writes C2 as soon as S1 is in.
/// A server whose S1 version field is zero gets the simple handshake; otherwise its S1 digest
/// must verify (handshake_bad_digest) and its S2 must be signed or echo C1 (handshake_bad_echo),
/// as FFmpeg and librtmp demand.
class client {
 public:
  explicit client(client_options options = {});

  /// Appends C0 C1 to `out`. Fails only if libcrypto does (handshake_crypto_failed).
  void start(bytes& out, std::error_code& ec);

  /// Consumes server bytes (any split) up to the end of S2, appending C2 to `out` when S1 is
  /// complete. Returns the bytes consumed. Calls start() first if it has not been called.
  std::size_t put(byte_view in, bytes& out, std::error_code& ec);

  bool done() const noexcept { return framer_.current() == detail::framer::part::finished; }
  /// True when the server answered with a verified digest S1.
  bool used_digest() const noexcept { return scheme_ >= 0; }
  /// Scheme of the server's S1 digest (0 or 1), -1 for the simple handshake.
  int scheme() const noexcept { return scheme_; }
  std::uint32_t peer_epoch() const noexcept { return peer_epoch_; }
  std::uint32_t peer_version() const noexcept { return peer_version_; }
  /// How S2 answered C1; in the simple handshake a mismatch is tolerated, as librtmp does.
  reply_check s2() const noexcept { return s2_; }

 private:
  std::error_code on_s1(bytes& out);
  std::error_code on_s2() noexcept;

  client_options options_;
  detail::framer framer_;
  std::error_code error_;
  bool started_ = false;
  int scheme_ = -1;
  std::uint32_t peer_epoch_ = 0;
  std::uint32_t peer_version_ = 0;
  reply_check s2_ = reply_check::pending;
  std::array<std::uint8_t, k_packet_size> c1_{};
};

}  // namespace lectern::shared::handshake
