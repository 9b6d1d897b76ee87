#include "lectern/shared/handshake.hpp"
#include "test_util.hpp"

#include "lectern/shared/error.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

namespace lectern::shared::handshake {
namespace {

using test::hex;
using test::to_hex;

constexpr std::size_t k_c0c1 = 1 + k_packet_size;
constexpr std::size_t k_all = 1 + 2 * k_packet_size;  // C0 C1 C2 (or S0 S1 S2)

bytes load(const std::string& name) {
  std::ifstream in(std::string(LECTERN_TEST_DATA) + "/handshake/" + name, std::ios::binary);
  bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return b;
}

// The generator the captured C2s were answered with (tests/data/handshake/README.md).
random_fill lcg() {
  return [n = std::uint32_t{1}](std::span<std::uint8_t> s) mutable {
    for (auto& b : s) {
      n = n * 1103515245u + 12345u;
      b = static_cast<std::uint8_t>(n >> 24);
    }
  };
}

byte_view c1_of(const bytes& c0c1) {
  return byte_view(c0c1).subspan(1, k_packet_size);
}
byte_view s1_of(const bytes& s) {
  return byte_view(s).subspan(1, k_packet_size);
}
byte_view s2_of(const bytes& s) {
  return byte_view(s).subspan(k_c0c1, k_packet_size);
}

std::uint32_t be32(byte_view p, std::size_t at) {
  return std::uint32_t{p[at]} << 24 | std::uint32_t{p[at + 1]} << 16 |
         std::uint32_t{p[at + 2]} << 8 | p[at + 3];
}

struct fed {
  std::size_t used = 0;
  bytes out;
  std::error_code ec;
};

// Feeds `in` to a handshake side `split` bytes per call, stopping when it takes less than offered.
template <typename Side>
fed feed(Side& side, byte_view in, std::size_t split) {
  fed r;
  for (std::size_t at = 0; at < in.size() && !r.ec;) {
    const std::size_t n = std::min(split, in.size() - at);
    const std::size_t used = side.put(in.subspan(at, n), r.out, r.ec);
    r.used += used;
    if (used < n) break;
    at += n;
  }
  return r;
}

bytes concat(byte_view a, byte_view b) {
  bytes r(a.begin(), a.end());
  r.insert(r.end(), b.begin(), b.end());
  return r;
}

// ---- digest primitives ----------------------------------------------------------------------

TEST(handshake_digest, hmac_sha256_matches_rfc4231_case_2) {
  digest d;
  ASSERT_TRUE(hmac_sha256(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"), d));
  EXPECT_EQ(bytes(d.begin(), d.end()),
            hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
}

TEST(handshake_digest, keys_are_the_published_ones) {
  ASSERT_EQ(k_player_key.size(), 62u);
  ASSERT_EQ(k_server_key.size(), 68u);
  EXPECT_EQ(as_string(player_key_public()), "Genuine Adobe Flash Player 001");
  EXPECT_EQ(as_string(server_key_public()), "Genuine Adobe Flash Media Server 001");
  EXPECT_EQ(k_player_key[30], 0xF0);
  EXPECT_EQ(k_player_key[61], 0xAE);
  EXPECT_EQ(k_server_key[36], 0xF0);
  EXPECT_EQ(k_server_key[67], 0xAE);
}

TEST(handshake_digest, offsets_follow_both_schemes) {
  bytes p(k_packet_size, 0);
  EXPECT_EQ(digest_offset(p, 1), 12u);   // digest block first, at byte 8
  EXPECT_EQ(digest_offset(p, 0), 776u);  // digest block second, at byte 772
  std::fill_n(p.begin() + 8, 4, 0xFF);   // 1020 % 728 = 292
  std::fill_n(p.begin() + 772, 4, 0xFF);
  EXPECT_EQ(digest_offset(p, 1), 12u + 292u);
  EXPECT_EQ(digest_offset(p, 0), 776u + 292u);
  // The largest offsets keep the digest inside its block.
  EXPECT_LE(digest_offset(p, 1) + k_digest_size, 8u + 764u);
}

TEST(handshake_digest, packet_digest_on_known_data) {
  // Expected values computed independently with Python's hmac module.
  bytes p(k_packet_size);
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(i);
  ASSERT_EQ(digest_offset(p, 1), 50u);   // 12 + (8 + 9 + 10 + 11)
  ASSERT_EQ(digest_offset(p, 0), 798u);  // 776 + (4 + 5 + 6 + 7)
  digest d;
  ASSERT_TRUE(packet_digest(p, 50, player_key_public(), d));
  EXPECT_EQ(bytes(d.begin(), d.end()),
            hex("db8e5fd0b081979a4ede294f09b382fa04d10f66b27d6de0438960458b0a6a21"));
  ASSERT_TRUE(packet_digest(p, 798, server_key_public(), d));
  EXPECT_EQ(bytes(d.begin(), d.end()),
            hex("8155a83bf5d6f7dc63ada1ce50e1879be4863afb5e38839d6858d92de87a17a6"));
}

TEST(handshake_digest, imprint_then_verify_in_each_scheme) {
  for (int scheme : {0, 1}) {
    bytes p(k_packet_size);
    lcg()(p);
    ASSERT_TRUE(imprint_digest(p, scheme, player_key_public()));
    EXPECT_TRUE(verify_digest(p, scheme, player_key_public()));
    EXPECT_FALSE(verify_digest(p, scheme, server_key_public()));
    EXPECT_EQ(find_digest(p, player_key_public()), scheme);
    p[100] ^= 1;
    EXPECT_EQ(find_digest(p, player_key_public()), -1);
  }
}

TEST(handshake_digest, wrong_sizes_never_verify) {
  bytes p(100, 0);
  digest d;
  EXPECT_FALSE(packet_digest(p, 0, player_key_public(), d));
  EXPECT_EQ(find_digest(p, player_key_public()), -1);
  EXPECT_TRUE(digest_of(p, 0).empty());
  EXPECT_FALSE(verify_reply(p, d, k_server_key));
}

// ---- captured clients --------------------------------------------------------------------------

TEST(handshake_captured, ffmpeg_c1_carries_a_scheme_1_digest) {
  const bytes c0c1 = load("ffmpeg_c0c1.bin");
  ASSERT_EQ(c0c1.size(), k_c0c1);
  EXPECT_EQ(c0c1[0], 3);
  EXPECT_EQ(be32(c1_of(c0c1), 4), 0x09007C02u);  // Flash Player 9.0.124.2
  EXPECT_EQ(find_digest(c1_of(c0c1), player_key_public()), 1);
}

TEST(handshake_captured, rtmpdump_swfverify_c1_carries_a_scheme_1_digest) {
  const bytes c0c1 = load("rtmpdump_swfvfy_c0c1.bin");
  ASSERT_EQ(c0c1.size(), k_c0c1);
  EXPECT_EQ(be32(c1_of(c0c1), 4), 0x0A002D02u);  // 10.0.45.2
  EXPECT_EQ(find_digest(c1_of(c0c1), player_key_public()), 1);
}

TEST(handshake_captured, plain_rtmpdump_c1_is_simple) {
  const bytes c0c1 = load("rtmpdump_c0c1.bin");
  ASSERT_EQ(c0c1.size(), k_c0c1);
  EXPECT_EQ(be32(c1_of(c0c1), 4), 0u);
  EXPECT_EQ(find_digest(c1_of(c0c1), player_key_public()), -1);
}

struct capture {
  const char* c0c1;
  const char* c2;
  int scheme;
  reply_check c2_check;
};

class handshake_replay : public testing::TestWithParam<capture> {};

// The server, given the options it ran with during the capture, rebuilds the S1 the client saw,
// so the client's real C2 can be checked again.
TEST_P(handshake_replay, server_accepts_the_real_c2) {
  const capture& cap = GetParam();
  const bytes in = concat(load(cap.c0c1), load(cap.c2));
  ASSERT_EQ(in.size(), k_all);
  server srv({.epoch = 1000, .random = lcg()});
  const fed r = feed(srv, in, in.size());
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.used, k_all);
  EXPECT_TRUE(srv.done());
  EXPECT_EQ(srv.scheme(), cap.scheme);
  EXPECT_EQ(srv.c2(), cap.c2_check);
}

INSTANTIATE_TEST_SUITE_P(
    captures, handshake_replay,
    testing::Values(capture{"ffmpeg_c0c1.bin", "ffmpeg_play_c2.bin", 1, reply_check::verified},
                    capture{"ffmpeg_c0c1.bin", "ffmpeg_publish_c2.bin", 1, reply_check::echoed},
                    capture{"rtmpdump_swfvfy_c0c1.bin", "rtmpdump_swfvfy_c2.bin", 1,
                            reply_check::verified},
                    capture{"rtmpdump_c0c1.bin", "rtmpdump_c2.bin", -1, reply_check::echoed}));

// ---- server -------------------------------------------------------------------------------------

TEST(handshake_server, answers_a_digest_c1_with_digest_s1_and_signed_s2) {
  const bytes c0c1 = load("ffmpeg_c0c1.bin");
  server srv({.epoch = 77});
  const fed r = feed(srv, c0c1, c0c1.size());
  ASSERT_FALSE(r.ec);
  EXPECT_EQ(r.used, k_c0c1);
  ASSERT_EQ(r.out.size(), k_all);
  EXPECT_EQ(r.out[0], k_rtmp_version);
  EXPECT_EQ(be32(s1_of(r.out), 0), 77u);
  EXPECT_EQ(be32(s1_of(r.out), 4), k_server_version);
  EXPECT_EQ(find_digest(s1_of(r.out), server_key_public()), 1);  // the scheme of the C1
  EXPECT_TRUE(verify_reply(s2_of(r.out), digest_of(c1_of(c0c1), 1), k_server_key));
  EXPECT_TRUE(srv.used_digest());
  EXPECT_EQ(srv.peer_version(), 0x09007C02u);
  EXPECT_FALSE(srv.done());
  EXPECT_EQ(srv.c2(), reply_check::pending);
}

TEST(handshake_server, answers_in_scheme_0_to_a_scheme_0_c1) {
  client cl({.scheme = 0});
  bytes c0c1;
  std::error_code ec;
  cl.start(c0c1, ec);
  server srv;
  const fed r = feed(srv, c0c1, c0c1.size());
  ASSERT_FALSE(r.ec);
  EXPECT_EQ(srv.scheme(), 0);
  EXPECT_EQ(find_digest(s1_of(r.out), server_key_public()), 0);
}

TEST(handshake_server, version_0_c1_gets_the_simple_answer) {
  const bytes c0c1 = load("rtmpdump_c0c1.bin");
  server srv;
  const fed r = feed(srv, c0c1, c0c1.size());
  ASSERT_FALSE(r.ec);
  ASSERT_EQ(r.out.size(), k_all);
  EXPECT_EQ(be32(s1_of(r.out), 4), 0u);
  EXPECT_EQ(bytes(s2_of(r.out).begin(), s2_of(r.out).end()),
            bytes(c1_of(c0c1).begin(), c1_of(c0c1).end()));  // RTMP spec 5.2.4: exact echo
  EXPECT_FALSE(srv.used_digest());
  EXPECT_EQ(srv.scheme(), -1);
}

TEST(handshake_server, corrupted_digest_falls_back_to_simple) {
  bytes c0c1 = load("ffmpeg_c0c1.bin");
  c0c1[1 + 1000] ^= 0x40;
  server srv;
  const fed r = feed(srv, c0c1, c0c1.size());
  ASSERT_FALSE(r.ec);
  EXPECT_EQ(srv.scheme(), -1);
  EXPECT_EQ(srv.peer_version(), 0x09007C02u);
  EXPECT_EQ(be32(s1_of(r.out), 4), 0u);
  EXPECT_TRUE(std::equal(c1_of(c0c1).begin(), c1_of(c0c1).end(), s2_of(r.out).begin()));
}

TEST(handshake_server, refuses_c0_other_than_3_and_stays_failed) {
  for (int c0 : {0, 6, 8, 0x16 /* TLS */, int{'G'} /* HTTP */}) {
    server srv;
    bytes in(k_all, 0);
    in[0] = static_cast<std::uint8_t>(c0);
    bytes out;
    std::error_code ec;
    EXPECT_EQ(srv.put(in, out, ec), 1u);
    EXPECT_EQ(ec, error::handshake_bad_version) << c0;
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(srv.put(in, out, ec), 0u);
    EXPECT_EQ(ec, error::handshake_bad_version);
    EXPECT_FALSE(srv.done());
  }
}

TEST(handshake_server, never_consumes_past_c2) {
  const bytes trailing = {0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x8c, 0x14};  // a chunk header
  bytes in = concat(load("ffmpeg_c0c1.bin"), load("ffmpeg_publish_c2.bin"));
  in.insert(in.end(), trailing.begin(), trailing.end());
  for (std::size_t split : {std::size_t{1}, std::size_t{7}, in.size()}) {
    server srv;
    const fed r = feed(srv, in, split);
    ASSERT_FALSE(r.ec);
    EXPECT_EQ(r.used, k_all) << split;
    EXPECT_TRUE(srv.done());
    bytes out;
    std::error_code ec;
    EXPECT_EQ(srv.put(trailing, out, ec), 0u);
    EXPECT_FALSE(ec);
    EXPECT_TRUE(out.empty());
  }
}

TEST(handshake_server, output_is_deterministic_with_injected_random) {
  const bytes c0c1 = load("rtmpdump_c0c1.bin");
  server srv({.epoch = 0x01020304, .random = lcg()});
  const fed r = feed(srv, c0c1, c0c1.size());
  ASSERT_FALSE(r.ec);
  // S0, S1 time, S1 zero, then the first lcg() bytes.
  const bytes golden = {0x03, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
                        0x41, 0x96, 0x27, 0xC4, 0xF9, 0x95, 0xD9, 0x9C};
  EXPECT_TRUE(std::equal(golden.begin(), golden.end(), r.out.begin()));

  const bytes digest_c0c1 = load("ffmpeg_c0c1.bin");
  server a({.random = lcg()});
  server b({.random = lcg()});
  EXPECT_EQ(feed(a, digest_c0c1, 1).out, feed(b, digest_c0c1, 999).out);
}

// ---- client -------------------------------------------------------------------------------------

TEST(handshake_client, c1_is_a_flash_player_digest_c1) {
  for (int scheme : {0, 1}) {
    client cl({.epoch = 5, .scheme = scheme, .random = lcg()});
    bytes out;
    std::error_code ec;
    cl.start(out, ec);
    ASSERT_FALSE(ec);
    ASSERT_EQ(out.size(), k_c0c1);
    EXPECT_EQ(out[0], 3);
    EXPECT_EQ(be32(c1_of(out), 0), 5u);
    EXPECT_EQ(be32(c1_of(out), 4), k_client_version);
    EXPECT_EQ(find_digest(c1_of(out), player_key_public()), scheme);
    cl.start(out, ec);  // idempotent
    EXPECT_EQ(out.size(), k_c0c1);
  }
}

TEST(handshake_client, simple_c1_has_zero_version_and_no_digest) {
  client cl({.use_digest = false});
  bytes out;
  std::error_code ec;
  cl.start(out, ec);
  ASSERT_EQ(out.size(), k_c0c1);
  EXPECT_EQ(be32(c1_of(out), 4), 0u);
  EXPECT_EQ(find_digest(c1_of(out), player_key_public()), -1);
}

TEST(handshake_client, put_before_start_starts) {
  client cl;
  bytes out;
  std::error_code ec;
  const bytes s0 = {3};
  EXPECT_EQ(cl.put(s0, out, ec), 1u);
  EXPECT_FALSE(ec);
  EXPECT_EQ(out.size(), k_c0c1);
}

// Runs a client against a server answer built by `make_answer` from the client's C0 C1.
template <typename Make>
fed client_against(client& cl, Make make_answer, std::size_t split = 1) {
  bytes c0c1;
  std::error_code ec;
  cl.start(c0c1, ec);
  const bytes answer = make_answer(c0c1);
  return feed(cl, answer, split);
}

bytes real_answer(const bytes& c0c1) {
  server srv;
  return feed(srv, c0c1, c0c1.size()).out;
}

TEST(handshake_client, rejects_s0_other_than_3) {
  client cl;
  const fed r = client_against(cl, [](const bytes& c0c1) {
    bytes a = real_answer(c0c1);
    a[0] = 6;
    return a;
  });
  EXPECT_EQ(r.ec, error::handshake_bad_version);
  EXPECT_EQ(r.used, 1u);
}

TEST(handshake_client, rejects_a_digest_s1_that_does_not_verify) {
  client cl;
  const fed r = client_against(cl, [](const bytes& c0c1) {
    bytes a = real_answer(c0c1);
    a[1 + 900] ^= 1;
    return a;
  });
  EXPECT_EQ(r.ec, error::handshake_bad_digest);
  EXPECT_EQ(r.used, k_c0c1);
  EXPECT_TRUE(r.out.empty());  // no C2 for a server that failed
}

TEST(handshake_client, rejects_a_digest_s2_that_neither_verifies_nor_echoes) {
  client cl;
  const fed r = client_against(cl, [](const bytes& c0c1) {
    bytes a = real_answer(c0c1);
    a[k_c0c1 + 10] ^= 1;
    return a;
  });
  EXPECT_EQ(r.ec, error::handshake_bad_echo);
  EXPECT_EQ(cl.s2(), reply_check::mismatch);
}

TEST(handshake_client, accepts_a_simple_server_and_echoes_s1) {
  client cl;  // digest C1, but the server answers as FFmpeg's listen mode does
  const fed r = client_against(cl, [](const bytes& c0c1) {
    bytes a = {3};
    bytes s1(k_packet_size, 0x5A);
    std::fill_n(s1.begin(), 8, 0);
    a.insert(a.end(), s1.begin(), s1.end());
    a.insert(a.end(), c0c1.begin() + 1, c0c1.end());  // S2 echoes C1
    return a;
  });
  ASSERT_FALSE(r.ec);
  EXPECT_TRUE(cl.done());
  EXPECT_FALSE(cl.used_digest());
  EXPECT_EQ(cl.s2(), reply_check::echoed);
  ASSERT_EQ(r.out.size(), k_packet_size);
  EXPECT_TRUE(std::all_of(r.out.begin() + 8, r.out.end(), [](auto b) { return b == 0x5A; }));
}

TEST(handshake_client, tolerates_a_simple_s2_that_does_not_echo) {
  client cl({.use_digest = false});
  const fed r = client_against(cl, [](const bytes&) { return bytes(k_all, 3); });
  ASSERT_FALSE(r.ec);
  EXPECT_TRUE(cl.done());
  EXPECT_EQ(cl.s2(), reply_check::mismatch);
}

TEST(handshake_client, never_consumes_past_s2) {
  client cl;
  const fed r = client_against(
      cl,
      [](const bytes& c0c1) {
        bytes a = real_answer(c0c1);
        a.insert(a.end(), {0x02, 0x00, 0x00});
        return a;
      },
      7);
  ASSERT_FALSE(r.ec);
  EXPECT_EQ(r.used, k_all);
  EXPECT_TRUE(cl.done());
}

// ---- loopback -----------------------------------------------------------------------------------

struct loop_case {
  bool use_digest;
  int scheme;
  std::size_t split;
};

class handshake_loopback : public testing::TestWithParam<loop_case> {};

TEST_P(handshake_loopback, client_and_server_agree_in_any_split) {
  const loop_case& lc = GetParam();
  client cl({.use_digest = lc.use_digest, .scheme = lc.scheme});
  server srv;
  bytes to_server;
  bytes to_client;
  std::error_code ec;
  cl.start(to_server, ec);
  ASSERT_FALSE(ec);
  std::size_t server_used = 0;
  std::size_t client_used = 0;
  // Each round hands each side at most `split` new bytes; a round that moves nothing is a hang.
  for (int round = 0; !(cl.done() && srv.done()); ++round) {
    ASSERT_LT(round, 10000) << "handshake does not progress";
    const auto n1 = std::min(lc.split, to_server.size() - server_used);
    server_used += srv.put(byte_view(to_server).subspan(server_used, n1), to_client, ec);
    ASSERT_FALSE(ec) << ec.message();
    const auto n2 = std::min(lc.split, to_client.size() - client_used);
    client_used += cl.put(byte_view(to_client).subspan(client_used, n2), to_server, ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  EXPECT_EQ(server_used, k_all);
  EXPECT_EQ(client_used, k_all);
  EXPECT_EQ(srv.used_digest(), lc.use_digest);
  EXPECT_EQ(cl.used_digest(), lc.use_digest);
  const int expected_scheme = lc.use_digest ? lc.scheme : -1;
  EXPECT_EQ(srv.scheme(), expected_scheme);
  EXPECT_EQ(cl.scheme(), expected_scheme);
  const auto expected = lc.use_digest ? reply_check::verified : reply_check::echoed;
  EXPECT_EQ(srv.c2(), expected);
  EXPECT_EQ(cl.s2(), expected);
}

INSTANTIATE_TEST_SUITE_P(splits, handshake_loopback,
                         testing::Values(loop_case{true, 1, 1}, loop_case{true, 1, 7},
                                         loop_case{true, 1, 4096}, loop_case{true, 0, 1},
                                         loop_case{true, 0, 7}, loop_case{true, 0, 4096},
                                         loop_case{false, 1, 1}, loop_case{false, 1, 7},
                                         loop_case{false, 1, 4096}));

TEST(handshake_random, system_random_fills) {
  bytes a(64, 0);
  bytes b(64, 0);
  system_random(a);
  system_random(b);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace lectern::shared::handshake
