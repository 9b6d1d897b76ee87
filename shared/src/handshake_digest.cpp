#include "lectern/shared/handshake_digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

namespace lectern::shared::handshake {
namespace {

// A digest block: 4 offset bytes, then 728 positions for the 32-byte digest (764 - 4 - 32).
constexpr std::size_t k_block_size = 764;
constexpr std::size_t k_digest_positions = k_block_size - 4 - k_digest_size;
constexpr std::size_t k_blocks_start = 8;  // after time and version

bool equal(byte_view a, byte_view b) noexcept {
  // Constant time out of habit; these keys are public, so nothing secret leaks either way.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

bool hmac_sha256(byte_view key, byte_view data, digest& out) noexcept {
  unsigned int len = 0;
  // HMAC() is the one-shot API that OpenSSL 3 keeps undeprecated; our keys are at most 68 bytes.
  const unsigned char* md = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                                 data.data(), data.size(), out.data(), &len);
  return md != nullptr && len == out.size();
}

std::size_t digest_offset(byte_view packet, int scheme) noexcept {
  // Scheme 0 puts the digest block second (byte 772), scheme 1 first (byte 8).
  const std::size_t block = k_blocks_start + (scheme == 0 ? k_block_size : 0);
  if (packet.size() < block + 4) return block + 4;  // callers always pass 1536 bytes
  const std::size_t sum =
      std::size_t{packet[block]} + packet[block + 1] + packet[block + 2] + packet[block + 3];
  return block + 4 + sum % k_digest_positions;
}

bool packet_digest(byte_view packet, std::size_t offset, byte_view key, digest& out) noexcept {
  if (packet.size() != k_packet_size || offset > k_packet_size - k_digest_size) return false;
  // HMAC() wants one contiguous message: the packet with the 32 digest bytes cut out.
  std::array<std::uint8_t, k_signed_size> message{};
  const auto after = packet.subspan(offset + k_digest_size);
  std::copy_n(packet.begin(), offset, message.begin());
  std::copy(after.begin(), after.end(), message.begin() + static_cast<std::ptrdiff_t>(offset));
  return hmac_sha256(key, message, out);
}

bool imprint_digest(std::span<std::uint8_t> packet, int scheme, byte_view key) noexcept {
  const std::size_t offset = digest_offset(packet, scheme);
  digest d;
  if (!packet_digest(packet, offset, key, d)) return false;
  std::copy(d.begin(), d.end(), packet.begin() + static_cast<std::ptrdiff_t>(offset));
  return true;
}

bool verify_digest(byte_view packet, int scheme, byte_view key) noexcept {
  const std::size_t offset = digest_offset(packet, scheme);
  digest d;
  if (!packet_digest(packet, offset, key, d)) return false;
  return equal(d, packet.subspan(offset, k_digest_size));
}

int find_digest(byte_view packet, byte_view key) noexcept {
  // Scheme 1 first: FFmpeg and librtmp send it unless they speak RTMPE, so it usually costs one
  // HMAC. The order cannot change the answer: a packet valid under both is a 2^-256 accident.
  if (verify_digest(packet, 1, key)) return 1;
  if (verify_digest(packet, 0, key)) return 0;
  return -1;
}

byte_view digest_of(byte_view packet, int scheme) noexcept {
  const std::size_t offset = digest_offset(packet, scheme);
  if (offset + k_digest_size > packet.size()) return {};
  return packet.subspan(offset, k_digest_size);
}

bool sign_reply(std::span<std::uint8_t> packet, byte_view peer_digest,
                byte_view full_key) noexcept {
  if (packet.size() != k_packet_size) return false;
  digest key2;
  digest signature;
  if (!hmac_sha256(full_key, peer_digest, key2)) return false;
  if (!hmac_sha256(key2, packet.first(k_signed_size), signature)) return false;
  std::copy(signature.begin(), signature.end(), packet.begin() + k_signed_size);
  return true;
}

bool verify_reply(byte_view packet, byte_view peer_digest, byte_view full_key) noexcept {
  if (packet.size() != k_packet_size) return false;
  digest key2;
  digest signature;
  if (!hmac_sha256(full_key, peer_digest, key2)) return false;
  if (!hmac_sha256(key2, packet.first(k_signed_size), signature)) return false;
  return equal(signature, packet.subspan(k_signed_size));
}

}  // namespace lectern::shared::handshake
