// WS-FLV's own WebSocket framing: what the server writes, and how it reads what a
// browser sends back (pings, its close, garbage).
#include "ws_stream_frames.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lectern::server::ws {
namespace {

using event = peer_reader::event;

// A client frame: masked, as RFC 6455 5.3 requires of clients.
shared::bytes client_frame(std::uint8_t first_byte, const std::string& payload,
                           bool masked = true) {
  shared::bytes out{first_byte};
  const auto n = payload.size();
  const std::uint8_t mask_bit = masked ? 0x80 : 0;
  if (n < 126) {
    out.push_back(static_cast<std::uint8_t>(mask_bit | n));
  } else {
    out.push_back(mask_bit | 126);
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
  }
  const std::uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
  if (masked) out.insert(out.end(), key, key + 4);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(static_cast<std::uint8_t>(payload[i]) ^ (masked ? key[i % 4] : 0));
  }
  return out;
}

std::vector<event> read_all(peer_reader& r, const shared::bytes& in, std::size_t step) {
  std::vector<event> out;
  for (std::size_t at = 0; at < in.size(); at += step) {
    r.put(in.data() + at, std::min(step, in.size() - at), out);
  }
  return out;
}

TEST(ws_stream_frames, HeadersUseTheShortestLengthForm) {
  std::array<std::uint8_t, 10> h{};
  EXPECT_EQ(frame_header(opcode::binary, 125, h), 2u);
  EXPECT_EQ(h[0], 0x82);
  EXPECT_EQ(h[1], 125);
  EXPECT_EQ(frame_header(opcode::binary, 1200, h), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ(h[2] << 8 | h[3], 1200);
  EXPECT_EQ(frame_header(opcode::binary, 70000, h), 10u);
  EXPECT_EQ(h[1], 127);
  std::uint64_t n = 0;
  for (int i = 2; i < 10; ++i) n = n << 8 | h[i];
  EXPECT_EQ(n, 70000u);
}

TEST(ws_stream_frames, ACloseFrameCarriesCodeAndReasonCutOnACharacterBoundary) {
  const auto f = close_frame(k_close_normal, "removed from the class");
  ASSERT_EQ(f.size(), 2u + 2 + 22);
  EXPECT_EQ(f[0], 0x88);
  EXPECT_EQ(f[2] << 8 | f[3], 1000);
  // 61 two-byte characters (122 bytes) do not fit beside the code: cut to 61 of them, not
  // in the middle of the 62nd.
  std::string long_reason;
  for (int i = 0; i < 70; ++i) long_reason += "\xC3\xA9";  // é
  const auto g = close_frame(k_close_normal, long_reason);
  EXPECT_EQ(g[1], 2 + 122);
}

TEST(ws_stream_frames, PingsAreReadWhateverTheReadsSplitAndPongsAreNoted) {
  shared::bytes in = client_frame(0x89, "are you there");
  const auto pong = client_frame(0x8A, "");
  in.insert(in.end(), pong.begin(), pong.end());
  for (std::size_t step : {1u, 3u, 1000u}) {
    peer_reader r(4096);
    const auto ev = read_all(r, in, step);
    ASSERT_EQ(ev.size(), 2u) << "step " << step;
    EXPECT_EQ(ev[0].what, event::kind::ping);
    EXPECT_EQ(std::string(ev[0].payload.begin(), ev[0].payload.end()), "are you there");
    EXPECT_EQ(ev[1].what, event::kind::pong);
  }
}

TEST(ws_stream_frames, MessagesAreIgnoredUpToTheLimitAndACloseEndsTheReading) {
  peer_reader r(4096);
  shared::bytes in = client_frame(0x01, std::string(3000, 'a'));  // a text message: ignored
  const auto close = client_frame(0x88, std::string("\x03\xE9", 2) + "bye");  // 1001
  in.insert(in.end(), close.begin(), close.end());
  const auto ping = client_frame(0x89, "late");
  in.insert(in.end(), ping.begin(), ping.end());
  const auto ev = read_all(r, in, 7);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].what, event::kind::close);
  EXPECT_EQ(ev[0].code, 1001);
  EXPECT_EQ(ev[0].text, "bye");
  EXPECT_TRUE(r.ended());
}

TEST(ws_stream_frames, CloseCodesBrowsersSendAreTakenWithTheirReason) {
  for (std::uint16_t code : {1000, 1001, 1011, 3000, 4999}) {
    peer_reader r(4096);
    const std::string payload{static_cast<char>(code >> 8), static_cast<char>(code)};
    const auto ev = read_all(r, client_frame(0x88, payload + "d\xC3\xA9j\xC3\xA0 vu"), 4);
    ASSERT_EQ(ev.size(), 1u) << code;
    EXPECT_EQ(ev[0].what, event::kind::close);
    EXPECT_EQ(ev[0].code, code);
    EXPECT_EQ(ev[0].text, "d\xC3\xA9j\xC3\xA0 vu");
  }
  peer_reader r(4096);
  const auto ev = read_all(r, client_frame(0x88, ""), 1);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].code, k_close_no_status);
}

TEST(ws_stream_frames, BrokenFramingIsAnErrorWithTheCodeToSend) {
  struct bad_case {
    shared::bytes in;
    std::uint16_t code;
    std::string why;
  };
  shared::bytes fragmented = client_frame(0x01, std::string(3000, 'a'));  // FIN clear below
  fragmented[0] = 0x01;
  const auto more = client_frame(0x80, std::string(3000, 'b'));  // continuation, final
  fragmented.insert(fragmented.end(), more.begin(), more.end());
  const std::vector<bad_case> cases = {
      {client_frame(0x81, "hi", false), k_close_protocol_error, "an unmasked frame"},
      {client_frame(0xC1, "hi"), k_close_protocol_error, "reserved bits set"},
      {client_frame(0x83, "hi"), k_close_protocol_error, "an unknown opcode"},
      {client_frame(0x80, "hi"), k_close_protocol_error, "a continuation of nothing"},
      {client_frame(0x09, "hi"), k_close_protocol_error, "a fragmented or oversized control frame"},
      {client_frame(0x89, std::string(126, 'p')), k_close_protocol_error,
       "a fragmented or oversized control frame"},
      {client_frame(0x82, std::string(5000, 'x')), k_close_too_big, "a message over 4096 bytes"},
      {fragmented, k_close_too_big, "a message over 4096 bytes"},
  };
  // A 64-bit length with its top bit set (RFC 6455 5.2: the most significant bit is 0).
  shared::bytes huge{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4};
  // Close codes a peer may not send (7.4.1, 7.4.2), and a reason that is not UTF-8.
  const auto close_with = [](std::uint16_t code, const std::string& reason) {
    return client_frame(
        0x88, std::string{static_cast<char>(code >> 8), static_cast<char>(code)} + reason);
  };
  std::vector<bad_case> more_cases = {
      {huge, k_close_protocol_error, "a length with its top bit set"},
      {close_with(999, ""), k_close_protocol_error, "an invalid close code 999"},
      {close_with(1005, ""), k_close_protocol_error, "an invalid close code 1005"},
      {close_with(1006, ""), k_close_protocol_error, "an invalid close code 1006"},
      {close_with(2000, ""), k_close_protocol_error, "an invalid close code 2000"},
      {close_with(1000, "\xC3\x28"), k_close_invalid_data, "a close reason that is not UTF-8"},
      {close_with(1000, "\xED\xA0\x80"), k_close_invalid_data, "a close reason that is not UTF-8"},
  };
  more_cases.insert(more_cases.begin(), cases.begin(), cases.end());
  for (const auto& c : more_cases) {
    peer_reader r(4096);
    const auto ev = read_all(r, c.in, 5);
    ASSERT_EQ(ev.size(), 1u) << c.why;
    EXPECT_EQ(ev[0].what, event::kind::error) << c.why;
    EXPECT_EQ(ev[0].code, c.code) << c.why;
    EXPECT_EQ(ev[0].text, c.why);
    EXPECT_TRUE(r.ended());
  }
}

}  // namespace
}  // namespace lectern::server::ws
