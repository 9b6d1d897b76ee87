#include "webhook_event.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <random>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace lectern::server {
namespace {

constexpr std::string_view k_example = " (e.g. https://hooks.example.com/lectern)";

std::string to_hex(const unsigned char* data, std::size_t size) {
  constexpr std::string_view k_digits = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += k_digits[data[i] >> 4];
    out += k_digits[data[i] & 0x0f];
  }
  return out;
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.';
}

bool fail(std::string& error, std::string message) {
  error = std::move(message);
  error += k_example;
  return false;
}

// Splits "HOST[:PORT]" (HOST may be "[IPv6]") into `url`.
bool parse_authority(std::string_view authority, webhook_url& url, std::string& error) {
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(error, "unclosed '[' in the host");
    host = authority.substr(1, close - 1);
    const auto rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return fail(error, "junk after ']'");
    has_port = !rest.empty();
    if (has_port) port = rest.substr(1);
    for (char c : host) {
      if (!(c == ':' || c == '.' || std::isxdigit(static_cast<unsigned char>(c)))) {
        return fail(error, "the bracketed host is not an IPv6 address");
      }
    }
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    has_port = colon != std::string_view::npos;
    if (has_port) port = authority.substr(colon + 1);
    for (char c : host) {
      if (!is_host_char(c)) return fail(error, "the host may hold only letters, digits, - and .");
    }
  }
  if (host.empty()) return fail(error, "the URL has no host");
  url.host = std::string(host);
  url.port = url.tls ? 443 : 80;
  if (has_port) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return fail(error, "the port must be 1..65535");
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  return true;
}

}  // namespace

std::string webhook_url::host_header() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) {
    out += ':';
    out += std::to_string(port);
  }
  return out;
}

std::string webhook_url::to_string() const {
  std::string out = tls ? "https://" : "http://";
  out += host_header();
  out += target;
  return out;
}

std::optional<webhook_url> parse_webhook_url(std::string_view text, std::string& error) {
  webhook_url url;
  std::string lowered(text.substr(0, 8));
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view rest;
  if (lowered.starts_with("https://")) {
    url.tls = true;
    rest = text.substr(8);
  } else if (lowered.starts_with("http://")) {
    rest = text.substr(7);
  } else {
    fail(error, "a webhook URL starts with http:// or https://");
    return std::nullopt;
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      fail(error, "spaces and control characters are not allowed in a URL; percent-encode them");
      return std::nullopt;
    }
  }
  if (text.find('#') != std::string_view::npos) {
    fail(error, "a webhook URL cannot have a #fragment");
    return std::nullopt;
  }
  const auto slash = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) {
    fail(error, "credentials in the URL are not supported; receivers check the signature");
    return std::nullopt;
  }
  if (!parse_authority(authority, url, error)) return std::nullopt;
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (url.target.starts_with('?')) url.target.insert(0, 1, '/');
  return url;
}

webhook_event make_webhook_event(std::string_view type, nlohmann::json data,
                                 std::chrono::system_clock::time_point now) {
  std::array<unsigned char, 16> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    // The OpenSSL generator failing is near impossible; an id need only be unique, not secret.
    std::random_device device;
    for (auto& b : random) b = static_cast<unsigned char>(device());
  }
  webhook_event event;
  event.id = "evt_" + to_hex(random.data(), random.size());
  event.type = std::string(type);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  const nlohmann::json body{{"id", event.id},
                            {"type", event.type},
                            {"created_at", ms.count()},
                            {"data", std::move(data)}};
  // Invalid UTF-8 in caller data is replaced rather than throwing on the emitting thread.
  event.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return event;
}

std::string webhook_signature(std::string_view secret, std::int64_t timestamp,
                              std::string_view body) {
  std::string message = std::to_string(timestamp);
  message += '.';
  message += body;
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(), &size);
  std::string out = "sha256=";
  out += to_hex(mac.data(), size);
  return out;
}

}  // namespace lectern::server
