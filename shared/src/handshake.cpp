#include "lectern/shared/handshake.hpp"

#include "lectern/shared/error.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <random>

namespace lectern::shared::handshake {
namespace {

using part = detail::framer::part;
using packet = std::array<std::uint8_t, k_packet_size>;

// RTMP spec 5.2.4: the random echo is bytes 8..1535. The two time fields are left out because
// clients fill them differently (librtmp writes its uptime into time2, FFmpeg echoes them).
bool echoes(std::span<const std::uint8_t> reply, std::span<const std::uint8_t> ours) noexcept {
  return std::equal(reply.begin() + 8, reply.end(), ours.begin() + 8, ours.end());
}

void append(bytes& out, std::span<const std::uint8_t> p) {
  out.insert(out.end(), p.begin(), p.end());
}

std::error_code check_version(std::uint8_t version) noexcept {
  // RTMP spec 5.2.2: 3 is plain RTMP. 6 and 8 ask for RTMPE, which we do not implement; anything
  // else is not RTMP at all (often an HTTP or TLS client on the wrong port).
  if (version != k_rtmp_version) return make_error_code(error::handshake_bad_version);
  return {};
}

// Feeds `in` to `framer` part by part, calling handle(part) for each part that completes, and
// stops at the first error or at the end of the peer's second packet: bytes after it are the
// caller's.
template <typename Handle>
std::size_t drive(detail::framer& framer, byte_view in, std::error_code& ec, Handle handle) {
  std::size_t used = 0;
  while (!ec && framer.current() != part::finished) {
    used += framer.take(in.subspan(used));
    if (!framer.part_complete()) break;
    ec = handle(framer.current());
    if (!ec) framer.next();
  }
  return used;
}

}  // namespace

void system_random(std::span<std::uint8_t> out) {
  constexpr std::size_t k_max_call = 1 << 20;  // RAND_bytes takes an int length
  bool ok = true;
  for (std::size_t at = 0; ok && at < out.size(); at += k_max_call) {
    const std::size_t n = std::min(k_max_call, out.size() - at);
    ok = RAND_bytes(out.data() + at, static_cast<int>(n)) == 1;
  }
  if (ok) return;
  std::random_device device;
  for (auto& b : out) b = static_cast<std::uint8_t>(device());
}

// ---- framer ----------------------------------------------------------------------------------

namespace detail {

std::size_t framer::part_size() const noexcept {
  switch (part_) {
    case part::version:
      return 1;
    case part::first:
    case part::second:
      return k_packet_size;
    case part::finished:
      return 0;
  }
  return 0;
}

std::size_t framer::take(byte_view in) noexcept {
  const std::size_t n = std::min(in.size(), part_size() - have_);
  std::copy_n(in.begin(), n, buf_.begin() + static_cast<std::ptrdiff_t>(have_));
  have_ += n;
  return n;
}

void framer::next() noexcept {
  switch (part_) {
    case part::version:
      part_ = part::first;
      break;
    case part::first:
      part_ = part::second;
      break;
    case part::second:
    case part::finished:
      part_ = part::finished;
      break;
  }
  have_ = 0;
}

}  // namespace detail

// ---- server ----------------------------------------------------------------------------------

server::server(server_options options) : options_(std::move(options)) {
  if (!options_.random) options_.random = system_random;
}

std::size_t server::put(byte_view in, bytes& out, std::error_code& ec) {
  ec = error_;
  if (ec) return 0;
  const std::size_t used = drive(framer_, in, ec, [&](part p) -> std::error_code {
    switch (p) {
      case part::version:
        return check_version(framer_.version());
      case part::first:
        return on_c1(out);
      case part::second:
        on_c2();
        return {};
      case part::finished:
        break;
    }
    return {};
  });
  error_ = ec;
  return used;
}

std::error_code server::on_c1(bytes& out) {
  const auto c1 = framer_.packet();
  peer_epoch_ = load_u32be(c1.data());
  peer_version_ = load_u32be(c1.data() + 4);
  // A zero version field is a simple C1 (RTMP spec 5.2.3 "Zero"). A non-zero one whose digest
  // verifies in neither scheme (old clients, or ones that just fill it with garbage) also gets
  // the simple answer: FFmpeg and librtmp then fall back to simple themselves.
  scheme_ = peer_version_ == 0 ? -1 : find_digest(c1, player_key_public());

  store_u32be(s1_.data(), options_.epoch);
  store_u32be(s1_.data() + 4, used_digest() ? k_server_version : 0);
  options_.random(std::span(s1_).subspan(8));
  packet s2;
  if (used_digest()) {
    options_.random(std::span(s2).first(k_signed_size));
    if (!imprint_digest(s1_, scheme_, server_key_public()) ||
        !sign_reply(s2, digest_of(c1, scheme_), k_server_key))
      return make_error_code(error::handshake_crypto_failed);
  } else {
    // RTMP spec 5.2.4: S2 echoes C1. We echo all 1536 bytes, time fields included, because
    // librtmp compares the whole packet and warns otherwise.
    std::copy(c1.begin(), c1.end(), s2.begin());
  }
  out.reserve(out.size() + 1 + 2 * k_packet_size);
  out.push_back(k_rtmp_version);
  append(out, s1_);
  append(out, s2);
  return {};
}

void server::on_c2() noexcept {
  const auto c2 = framer_.packet();
  if (used_digest() && verify_reply(c2, digest_of(s1_, scheme_), k_player_key))
    c2_ = reply_check::verified;
  else if (echoes(c2, s1_))
    c2_ = reply_check::echoed;  // FFmpeg publishing echoes S1 even after a digest handshake
  else
    c2_ = reply_check::mismatch;
}

// ---- client ----------------------------------------------------------------------------------

client::client(client_options options) : options_(std::move(options)) {
  if (!options_.random) options_.random = system_random;
  options_.scheme = options_.scheme == 0 ? 0 : 1;
}

void client::start(bytes& out, std::error_code& ec) {
  ec = error_;
  if (started_ || ec) return;
  started_ = true;
  store_u32be(c1_.data(), options_.epoch);
  store_u32be(c1_.data() + 4, options_.use_digest ? k_client_version : 0);
  options_.random(std::span(c1_).subspan(8));
  if (options_.use_digest && !imprint_digest(c1_, options_.scheme, player_key_public())) {
    ec = error_ = make_error_code(error::handshake_crypto_failed);
    return;
  }
  out.reserve(out.size() + 1 + k_packet_size);
  out.push_back(k_rtmp_version);
  append(out, c1_);
}

std::size_t client::put(byte_view in, bytes& out, std::error_code& ec) {
  start(out, ec);  // no-op once started
  if (ec) return 0;
  const std::size_t used = drive(framer_, in, ec, [&](part p) -> std::error_code {
    switch (p) {
      case part::version:
        return check_version(framer_.version());
      case part::first:
        return on_s1(out);
      case part::second:
        return on_s2();
      case part::finished:
        break;
    }
    return {};
  });
  error_ = ec;
  return used;
}

std::error_code client::on_s1(bytes& out) {
  const auto s1 = framer_.packet();
  peer_epoch_ = load_u32be(s1.data());
  peer_version_ = load_u32be(s1.data() + 4);
  packet c2;
  // Like librtmp, a zero S1 version means the server speaks the simple handshake; after a
  // simple C1 we never look for a digest.
  if (!options_.use_digest || peer_version_ == 0) {
    std::copy(s1.begin(), s1.end(), c2.begin());  // RTMP spec 5.2.4: C2 echoes S1
  } else {
    // A server that claims a version must prove it: FFmpeg and librtmp refuse it otherwise.
    scheme_ = find_digest(s1, server_key_public());
    if (scheme_ < 0) return make_error_code(error::handshake_bad_digest);
    options_.random(std::span(c2).first(k_signed_size));
    if (!sign_reply(c2, digest_of(s1, scheme_), k_player_key))
      return make_error_code(error::handshake_crypto_failed);
  }
  append(out, c2);
  return {};
}

std::error_code client::on_s2() noexcept {
  const auto s2 = framer_.packet();
  if (used_digest() && verify_reply(s2, digest_of(c1_, options_.scheme), k_server_key))
    s2_ = reply_check::verified;
  else if (echoes(s2, c1_))
    s2_ = reply_check::echoed;
  else
    s2_ = reply_check::mismatch;
  // After a verified digest S1, an S2 that neither verifies nor echoes is a broken server
  // (FFmpeg: "Signature mismatch", librtmp: "Server not genuine Adobe!"). In the simple
  // handshake librtmp only warns and FFmpeg does not look, so neither do we.
  if (used_digest() && s2_ == reply_check::mismatch)
    return make_error_code(error::handshake_bad_echo);
  return {};
}

}  // namespace lectern::shared::handshake
