// The digest ("complex") RTMP handshake of Flash Player 9+ and Flash Media Server 3+: where a
// C1/S1 packet carries its HMAC-SHA256 digest and how C2/S2 are signed. Adobe never published
// it (the RTMP spec 5.2 only describes the simple handshake); this is the scheme reverse-engineered
// by the rtmpdump authors and implemented alike by FFmpeg (libavformat/rtmpproto.c), librtmp
// (handshake.h), nginx-rtmp and SRS. FFmpeg, when playing, refuses a server whose S1 digest or S2
// signature does not verify, so a server has to speak it.
//
// C1/S1 layout: time (4) | version (4, non-zero = digest present) | two 764-byte blocks.
//   scheme 0: key block, then digest block (the digest block starts at byte 772)
//   scheme 1: digest block, then key block (the digest block starts at byte 8)
// A digest block is: offset (4) | filler | digest (32) | filler, where the digest sits at
// (sum of the 4 offset bytes) mod 728 bytes after the offset field (728 = 764 - 4 - 32), so it
// always lies inside its block. The digest is HMAC-SHA256 over the 1504 other bytes of the packet,
// keyed with the public part of the sender's key. C2/S2: 1504 bytes | HMAC-SHA256(key2, those
// 1504 bytes) where key2 = HMAC-SHA256(sender's full key, the peer's C1/S1 digest).
#pragma once

#include "lectern/shared/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace lectern::shared::handshake {

/// Size of C1, S1, C2 and S2 (RTMP spec 5.2.3, 5.2.4).
inline constexpr std::size_t k_packet_size = 1536;
/// Size of a SHA-256 digest, and of the signature at the end of C2/S2.
inline constexpr std::size_t k_digest_size = 32;
/// Bytes of C2/S2 covered by the signature in their last 32 bytes.
inline constexpr std::size_t k_signed_size = k_packet_size - k_digest_size;

/// An HMAC-SHA256 value.
using digest = std::array<std::uint8_t, k_digest_size>;

namespace detail {
// The 32 bytes every published implementation appends to both textual keys.
inline constexpr std::array<std::uint8_t, 32> k_key_tail = {
    0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
    0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};

template <std::size_t N>
constexpr std::array<std::uint8_t, N - 1 + 32> make_key(const char (&text)[N]) {
  std::array<std::uint8_t, N - 1 + 32> key{};
  for (std::size_t i = 0; i + 1 < N; ++i) key[i] = static_cast<std::uint8_t>(text[i]);
  for (std::size_t i = 0; i < k_key_tail.size(); ++i) key[N - 1 + i] = k_key_tail[i];
  return key;
}
}  // namespace detail

/// Flash Player key: its first 30 bytes sign C1, all 62 derive the key that signs C2.
inline constexpr auto k_player_key = detail::make_key("Genuine Adobe Flash Player 001");
inline constexpr std::size_t k_player_key_public = 30;
/// Flash Media Server key: its first 36 bytes sign S1, all 68 derive the key that signs S2.
inline constexpr auto k_server_key = detail::make_key("Genuine Adobe Flash Media Server 001");
inline constexpr std::size_t k_server_key_public = 36;

/// The key that signs C1 (Flash Player key, public part).
inline byte_view player_key_public() noexcept {
  return {k_player_key.data(), k_player_key_public};
}
/// The key that signs S1 (Flash Media Server key, public part).
inline byte_view server_key_public() noexcept {
  return {k_server_key.data(), k_server_key_public};
}

/// HMAC-SHA256 of `data`; false only if libcrypto fails (allocation or provider error).
bool hmac_sha256(byte_view key, byte_view data, digest& out) noexcept;

/// Offset of the 32-byte digest in a C1/S1 `packet` (k_packet_size bytes) under `scheme` (0 or 1):
/// 8 + 764 * (1 - scheme) + 4 + (sum of the 4 bytes there) mod 728.
std::size_t digest_offset(byte_view packet, int scheme) noexcept;

/// HMAC-SHA256 of `packet` without its 32 bytes at `offset`, keyed with `key`.
bool packet_digest(byte_view packet, std::size_t offset, byte_view key, digest& out) noexcept;

/// Computes the digest of `packet` under `scheme` and writes it in place.
bool imprint_digest(std::span<std::uint8_t> packet, int scheme, byte_view key) noexcept;

/// True when `packet` carries a valid digest under `scheme` (a libcrypto failure reads as false).
bool verify_digest(byte_view packet, int scheme, byte_view key) noexcept;

/// The scheme (0 or 1) under which `packet` carries a valid digest, or -1 if neither verifies.
int find_digest(byte_view packet, byte_view key) noexcept;

/// The digest bytes of a packet already known to carry one under `scheme`.
byte_view digest_of(byte_view packet, int scheme) noexcept;

/// Signs C2/S2 in place: overwrites its last 32 bytes with HMAC-SHA256(key2, first 1504 bytes),
/// key2 = HMAC-SHA256(full_key, peer_digest).
bool sign_reply(std::span<std::uint8_t> packet, byte_view peer_digest, byte_view full_key) noexcept;

/// True when C2/S2 `packet` is signed as sign_reply() would sign it.
bool verify_reply(byte_view packet, byte_view peer_digest, byte_view full_key) noexcept;

}  // namespace lectern::shared::handshake
