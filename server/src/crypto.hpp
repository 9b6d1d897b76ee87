// Password hashing, tokens, digests and the server secret, on OpenSSL 3.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lectern::server {

/// OpenSSL failed (no randomness, out of memory) or the secret file is unusable.
class crypto_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// scrypt with N=2^15, r=8, p=1, a 16-byte random salt and a 32-byte key, encoded as
/// `$scrypt$ln=15,r=8,p=1$<base64 salt>$<base64 key>` (standard alphabet, no padding).
std::string hash_password(std::string_view password);

/// Checks a password against hash_password()'s encoding, with the parameters read from the
/// string (so they can be raised later). False on a wrong password or any malformed input.
bool verify_password(std::string_view password, std::string_view encoded);

/// `bytes` random bytes as base64url without padding (32 bytes: 43 characters).
std::string random_token(std::size_t bytes = 32);

/// Lowercase hex SHA-256 (64 characters).
std::string sha256_hex(std::string_view data);

/// Raw 32-byte HMAC-SHA256.
std::string hmac_sha256(std::string_view key, std::string_view message);
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

/// RFC 4648 section 5 base64url without padding.
std::string base64url_encode(std::string_view data);

/// Compares in time that depends only on the lengths, not on where the inputs differ.
bool constant_time_equal(std::string_view a, std::string_view b);

/// The server secret: 32 random bytes kept in `file`, created (mode 0600, atomically) if
/// missing. Throws crypto_error if the file cannot be read or written or is the wrong size.
std::string load_or_create_secret(const std::filesystem::path& file);

/// base64url(HMAC-SHA256(secret, "lectern-room-token\n<room_id>\n<role>\n<nonce>")): a
/// 43-character room token. The database keeps only the nonce and sha256_hex(token), so the
/// server can show the links again while a leaked database alone reveals no token.
std::string derive_room_token(std::string_view secret, std::int64_t room_id, std::string_view role,
                              std::string_view nonce);

}  // namespace lectern::server
