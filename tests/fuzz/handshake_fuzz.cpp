// Fuzzes both sides of the RTMP handshake: the input is what the peer sends (C0 C1 C2 to a
// server, S0 S1 S2 to a client), fed in several split sizes. Besides "no crash", it checks that
// the split never changes the outcome, that nothing past the peer's last packet is consumed, and
// that output sizes are the ones the protocol allows. Any violation aborts.
//
// Options match the capture in tests/data/handshake/README.md (epoch 1000, lcg from 1), so the
// captured C0C1 + C2 seeds reach the "C2 verified" path.
#include "lectern/shared/handshake.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <system_error>
#include <vector>

namespace {

namespace hs = lectern::shared::handshake;
using lectern::shared::byte_view;
using lectern::shared::bytes;

constexpr std::size_t k_c0c1 = 1 + hs::k_packet_size;
constexpr std::size_t k_all = 1 + 2 * hs::k_packet_size;

hs::random_fill lcg() {
  return [n = std::uint32_t{1}](std::span<std::uint8_t> s) mutable {
    for (auto& b : s) {
      n = n * 1103515245u + 12345u;
      b = static_cast<std::uint8_t>(n >> 24);
    }
  };
}

void check(bool ok) {
  if (!ok) std::abort();
}

struct outcome {
  std::size_t used = 0;
  bytes out;
  std::error_code ec;
  bool done = false;
  int scheme = -1;
  hs::reply_check reply = hs::reply_check::pending;
  std::uint32_t peer_version = 0;

  bool operator==(const outcome&) const = default;
};

// Split policy 0 means "sizes taken cyclically from the input itself" (1..256 bytes).
std::size_t next_split(byte_view in, std::size_t policy, std::size_t call) {
  if (policy != 0) return policy;
  return std::size_t{in[call % in.size()]} + 1;
}

template <typename Side>
void feed(Side& side, byte_view in, std::size_t policy, outcome& r) {
  for (std::size_t at = 0, call = 0; at < in.size() && !r.ec; ++call) {
    const std::size_t n = std::min(next_split(in, policy, call), in.size() - at);
    const std::size_t used = side.put(in.subspan(at, n), r.out, r.ec);
    check(used <= n);
    r.used += used;
    if (used < n) break;
    at += n;
  }
  // Once finished or failed, a side takes nothing more.
  if (side.done() || r.ec) {
    bytes more;
    std::error_code ec;
    const std::uint8_t extra[4] = {3, 0, 0, 0};
    check(side.put(byte_view(extra, sizeof extra), more, ec) == 0 && more.empty());
  }
}

template <typename Side>
void finish(const Side& side, outcome& r) {
  r.done = side.done();
  r.scheme = side.scheme();
  r.peer_version = side.peer_version();
  check(r.used <= k_all);
  check(!r.done || (r.used == k_all && !r.ec));
  check(r.scheme >= -1 && r.scheme <= 1);
}

outcome run_server(byte_view in, std::size_t policy) {
  hs::server srv({.epoch = 1000, .random = lcg()});
  outcome r;
  feed(srv, in, policy, r);
  finish(srv, r);
  r.reply = srv.c2();
  // S0 S1 S2 go out all at once, exactly when C0 C1 is complete.
  check(r.out.empty() || r.out.size() == k_all);
  check(r.out.size() == k_all || r.used < k_c0c1);
  check(r.done == (r.reply != hs::reply_check::pending));
  return r;
}

outcome run_client(byte_view in, std::size_t policy, bool use_digest) {
  hs::client cl({.epoch = 1000, .use_digest = use_digest, .random = lcg()});
  outcome r;
  cl.start(r.out, r.ec);
  check(!r.ec && r.out.size() == k_c0c1);
  feed(cl, in, policy, r);
  finish(cl, r);
  r.reply = cl.s2();
  check(r.out.size() == k_c0c1 || r.out.size() == k_c0c1 + hs::k_packet_size);
  check(use_digest || r.scheme == -1);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const byte_view in(data, size);
  constexpr std::size_t k_policies[] = {0, 1, 7, k_all + 16};

  const outcome server_ref = run_server(in, k_policies[0]);
  for (std::size_t p : k_policies) check(run_server(in, p) == server_ref);

  for (bool use_digest : {true, false}) {
    const outcome client_ref = run_client(in, k_policies[0], use_digest);
    for (std::size_t p : k_policies) check(run_client(in, p, use_digest) == client_ref);
  }
  return 0;
}
