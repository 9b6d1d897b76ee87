#include "crypto.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <vector>

namespace lectern::server {
namespace {

constexpr int k_scrypt_log_n = 15;
constexpr std::uint64_t k_scrypt_r = 8;
constexpr std::uint64_t k_scrypt_p = 1;
constexpr std::size_t k_salt_bytes = 16;
constexpr std::size_t k_key_bytes = 32;
constexpr std::size_t k_secret_bytes = 32;
// Bounds for parameters read from a stored hash: a corrupt or hostile string must not make
// verification allocate gigabytes or run for minutes.
constexpr int k_max_log_n = 22;
constexpr std::uint64_t k_max_r = 32;
constexpr std::uint64_t k_max_p = 16;
constexpr std::uint64_t k_max_scrypt_memory = std::uint64_t{512} << 20;

constexpr std::string_view k_b64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view k_b64url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode_base64(std::string_view data, std::string_view alphabet) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : data) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += alphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

// Decodes unpadded base64; nullopt on a character outside `alphabet` or an impossible length.
std::optional<std::string> decode_base64(std::string_view text, std::string_view alphabet) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    const auto v = alphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw crypto_error("the system random generator failed (RAND_bytes)");
  return out;
}

struct scrypt_params {
  int log_n = 0;
  std::uint64_t r = 0;
  std::uint64_t p = 0;
};

// Memory scrypt needs (OpenSSL's own check: B is 128*r*p bytes, V is 128*r*(N+2)).
std::uint64_t scrypt_memory(const scrypt_params& s) {
  return 128 * s.r * ((std::uint64_t{1} << s.log_n) + s.p + 2);
}

// False on failure, e.g. when OpenSSL cannot allocate the memory.
bool scrypt(std::string_view password, std::string_view salt, const scrypt_params& s,
            std::string& key) {
  return EVP_PBE_scrypt(password.data(), password.size(),
                        reinterpret_cast<const unsigned char*>(salt.data()), salt.size(),
                        std::uint64_t{1} << s.log_n, s.r, s.p, scrypt_memory(s) + 4096,
                        reinterpret_cast<unsigned char*>(key.data()), key.size()) == 1;
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  const auto* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, out);
  return !text.empty() && r.ec == std::errc() && r.ptr == end;
}

// "ln=15,r=8,p=1" with each value in bounds.
std::optional<scrypt_params> parse_params(std::string_view text) {
  scrypt_params s;
  const auto c1 = text.find(',');
  const auto c2 = text.find(',', c1 == std::string_view::npos ? c1 : c1 + 1);
  if (c1 == std::string_view::npos || c2 == std::string_view::npos) return std::nullopt;
  const auto ln = text.substr(0, c1);
  const auto r = text.substr(c1 + 1, c2 - c1 - 1);
  const auto p = text.substr(c2 + 1);
  if (!ln.starts_with("ln=") || !r.starts_with("r=") || !p.starts_with("p=")) return std::nullopt;
  if (!parse_number(ln.substr(3), s.log_n) || !parse_number(r.substr(2), s.r) ||
      !parse_number(p.substr(2), s.p))
    return std::nullopt;
  if (s.log_n < 1 || s.log_n > k_max_log_n || s.r < 1 || s.r > k_max_r || s.p < 1 ||
      s.p > k_max_p || scrypt_memory(s) > k_max_scrypt_memory)
    return std::nullopt;
  return s;
}

std::string hex(std::string_view raw) {
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (const char c : raw) {
    const auto b = static_cast<unsigned char>(c);
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

[[noreturn]] void secret_error(const std::filesystem::path& file, std::string_view what, int err) {
  std::string m = "server secret ";
  m += file.string();
  m += ": ";
  m += what;
  if (err != 0) {
    m += ": ";
    m += std::strerror(err);
  }
  throw crypto_error(m);
}

// Closes a file descriptor on every path out of a scope.
class fd_guard {
 public:
  explicit fd_guard(int fd) noexcept : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

// The secret in `file`; nullopt if the file does not exist.
std::optional<std::string> read_secret(const std::filesystem::path& file) {
  const fd_guard fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    secret_error(file, "cannot open", errno);
  }
  std::string data(k_secret_bytes + 1, '\0');  // one more, to notice a longer file
  std::size_t got = 0;
  while (got < data.size()) {
    const auto n = ::read(fd.get(), data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) secret_error(file, "cannot read", errno);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got != k_secret_bytes) {
    std::string m = "has ";
    if (got > k_secret_bytes) m += "more than ";
    m += std::to_string(got > k_secret_bytes ? k_secret_bytes : got);
    m += " bytes, expected 32; restore it from a backup or delete it (which invalidates every "
         "room link)";
    secret_error(file, m, 0);
  }
  data.resize(k_secret_bytes);
  return data;
}

void write_all(const std::filesystem::path& file, int fd, std::string_view data) {
  while (!data.empty()) {
    const auto n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) secret_error(file, "cannot write", errno);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Writes the secret to a temporary file and links it into place: the secret file appears
// complete or not at all, and a concurrent creator's secret is never overwritten.
std::string create_secret(const std::filesystem::path& file) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) secret_error(file, "cannot create its directory", ec.value());
  auto tmp = file;
  tmp += ".tmp-";
  tmp += std::to_string(::getpid());
  ::unlink(tmp.c_str());  // left over from a crash of this very pid number
  std::string secret = random_bytes(k_secret_bytes);
  {
    const fd_guard fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (fd.get() < 0) secret_error(tmp, "cannot create", errno);
    try {
      // The umask may only remove bits, but be explicit: the secret is for this user alone.
      if (::fchmod(fd.get(), 0600) != 0) secret_error(tmp, "cannot chmod", errno);
      write_all(tmp, fd.get(), secret);
      if (::fsync(fd.get()) != 0) secret_error(tmp, "cannot fsync", errno);
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  if (::link(tmp.c_str(), file.c_str()) != 0) {
    const int err = errno;
    if (err == EEXIST) {  // another process created it first: use theirs
      ::unlink(tmp.c_str());
      if (auto theirs = read_secret(file)) return *theirs;
      secret_error(file, "disappeared while being created", 0);
    }
    // A file system without hard links: rename is atomic too, just not exclusive.
    if (::rename(tmp.c_str(), file.c_str()) != 0) {
      ::unlink(tmp.c_str());
      secret_error(file, "cannot create", err);
    }
  } else {
    ::unlink(tmp.c_str());
  }
  const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  const fd_guard dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) ::fsync(dfd.get());  // make the new name durable
  return secret;
}

}  // namespace

std::string hash_password(std::string_view password) {
  const scrypt_params s{k_scrypt_log_n, k_scrypt_r, k_scrypt_p};
  const std::string salt = random_bytes(k_salt_bytes);
  std::string key(k_key_bytes, '\0');
  if (!scrypt(password, salt, s, key)) throw crypto_error("scrypt failed (EVP_PBE_scrypt)");
  std::string out = "$scrypt$ln=";
  out += std::to_string(s.log_n);
  out += ",r=";
  out += std::to_string(s.r);
  out += ",p=";
  out += std::to_string(s.p);
  out += '$';
  out += encode_base64(salt, k_b64);
  out += '$';
  out += encode_base64(key, k_b64);
  return out;
}

bool verify_password(std::string_view password, std::string_view encoded) {
  constexpr std::string_view prefix = "$scrypt$";
  if (!encoded.starts_with(prefix)) return false;
  const auto rest = encoded.substr(prefix.size());
  const auto d1 = rest.find('$');
  if (d1 == std::string_view::npos) return false;
  const auto d2 = rest.find('$', d1 + 1);
  if (d2 == std::string_view::npos) return false;
  const auto params = parse_params(rest.substr(0, d1));
  const auto salt = decode_base64(rest.substr(d1 + 1, d2 - d1 - 1), k_b64);
  const auto expected = decode_base64(rest.substr(d2 + 1), k_b64);
  if (!params || !salt || !expected) return false;
  if (salt->size() < 8 || salt->size() > 64 || expected->size() < 16 || expected->size() > 64)
    return false;
  std::string key(expected->size(), '\0');
  if (!scrypt(password, *salt, *params, key)) return false;
  return CRYPTO_memcmp(key.data(), expected->data(), key.size()) == 0;
}

std::string random_token(std::size_t bytes) {
  return base64url_encode(random_bytes(bytes));
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr) != 1)
    throw crypto_error("SHA-256 failed (EVP_Digest)");
  return hex(std::string_view(reinterpret_cast<const char*>(md.data()), len));
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), md.data(),
           &len) == nullptr)
    throw crypto_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(md.data()), len);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  return hex(hmac_sha256(key, message));
}

std::string base64url_encode(std::string_view data) {
  return encode_base64(data, k_b64url);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string derive_room_token(std::string_view secret, std::int64_t room_id, std::string_view role,
                              std::string_view nonce) {
  std::string message = "lectern-room-token\n";
  message += std::to_string(room_id);
  message += '\n';
  message += role;
  message += '\n';
  message += nonce;
  return base64url_encode(hmac_sha256(secret, message));
}

std::string load_or_create_secret(const std::filesystem::path& file) {
  if (auto secret = read_secret(file)) return *secret;
  return create_secret(file);
}

}  // namespace lectern::server
