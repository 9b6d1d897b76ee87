// lectern-bench's HTTP-FLV and WS-FLV parsers: the same FLV messages come out of a chunked
// body or of WebSocket frames however the bytes are split, control frames are handed out
// between fragments, and malformed input is an error in words, never a crash.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "flv_messages.hpp"
#include "http_wire.hpp"
#include "lectern/shared/error.hpp"
#include "lectern/shared/flv.hpp"
#include "wire_error.hpp"
#include "ws_wire.hpp"

namespace lectern::bench {
namespace {

using shared::as_bytes;
using shared::byte_view;
using shared::bytes;
using shared::rtmp::message;

struct tag_spec {
  std::uint8_t type;
  std::uint32_t timestamp;
  std::size_t size;
};

// An FLV stream: the file header, PreviousTagSize0 and the tags, with recognisable payloads.
bytes flv_stream(const std::vector<tag_spec>& tags) {
  bytes out;
  shared::flv::encode_file_header({}, out);
  std::uint8_t fill = 1;
  for (const auto& t : tags) {
    shared::flv::tag_header h;
    h.type = static_cast<shared::flv::tag_type>(t.type);
    h.data_size = static_cast<std::uint32_t>(t.size);
    h.timestamp = t.timestamp;
    const auto head = shared::flv::encode_tag_header(h);
    out.insert(out.end(), head.begin(), head.end());
    for (std::size_t i = 0; i < t.size; ++i) out.push_back(static_cast<std::uint8_t>(fill + i));
    ++fill;
    const auto back =
        shared::flv::encode_previous_size(shared::flv::previous_size_for(h.data_size));
    out.insert(out.end(), back.begin(), back.end());
  }
  return out;
}

const std::vector<tag_spec> k_tags = {{18, 0, 40},   {9, 0, 30},   {8, 0, 7},
                                      {9, 40, 3000}, {8, 23, 200}, {9, 80, 1}};

void expect_messages(const std::vector<message>& got, const std::vector<tag_spec>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].type, want[i].type) << i;
    EXPECT_EQ(got[i].timestamp, want[i].timestamp) << i;
    ASSERT_EQ(got[i].payload.size(), want[i].size) << i;
    if (want[i].size > 0) {
      EXPECT_EQ(got[i].payload[0], static_cast<std::uint8_t>(i + 1)) << i;
    }
  }
}

// The body of a chunked response carrying `body` in chunks of `chunk` bytes (with an
// extension on the first, as RFC 9112 7.1.1 allows), then the last chunk and a trailer.
std::string chunked(const bytes& body, std::size_t chunk) {
  std::string out;
  char line[32];
  for (std::size_t i = 0; i < body.size(); i += chunk) {
    const std::size_t n = std::min(chunk, body.size() - i);
    std::snprintf(line, sizeof line, i == 0 ? "%zX;name=value\r\n" : "%zx\r\n", n);
    out += line;
    out.append(reinterpret_cast<const char*>(body.data()) + i, n);
    out += "\r\n";
  }
  return out + "0\r\nX-Trailer: 1\r\n\r\n";
}

// Feeds `wire` in pieces of `step` bytes through a chunked decoder and the FLV reader.
std::error_code decode_chunked(std::string_view wire, std::size_t step, std::vector<message>& out,
                               bool& done) {
  chunked_decoder dec;
  flv_messages flv;
  for (std::size_t i = 0; i < wire.size(); i += step) {
    byte_view in = as_bytes(wire.substr(i, step));
    while (!in.empty() && !dec.done()) {
      byte_view data;
      std::error_code ec;
      const std::size_t used = dec.put(in, data, ec);
      if (ec) return ec;
      in = in.subspan(used);
      if (auto e = flv.put(data, out)) return e;
    }
  }
  done = dec.done();
  return {};
}

TEST(bench_chunked_flv, ChunkBoundariesSplittingTagsGiveTheSameMessages) {
  const bytes body = flv_stream(k_tags);
  for (const std::size_t chunk : {1u, 7u, 13u, 100u, 4096u}) {
    const std::string wire = chunked(body, chunk);
    for (const std::size_t step : {1u, 3u, 11u, 64u, 100000u}) {
      std::vector<message> got;
      bool done = false;
      ASSERT_FALSE(decode_chunked(wire, step, got, done)) << chunk << "/" << step;
      EXPECT_TRUE(done);
      expect_messages(got, k_tags);
    }
  }
}

// A string of `n` times `c` between `before` and `after` (built by appending: GCC 12 warns
// falsely about operator+ on a long temporary string).
std::string padded(const char* before, std::size_t n, char c, const char* after) {
  std::string s = before;
  s.append(n, c);
  return s.append(after);
}

TEST(bench_chunked_flv, BadChunkSizesAreErrors) {
  // Not hex, no size, a bare LF, over k_max_chunk, overflowing, no CRLF after the data, and
  // an endless extension.
  for (const std::string& wire :
       {std::string("zz\r\nabc"), std::string("\r\n"), std::string("5\nhello"),
        std::string("4000001\r\n"), std::string("fffffffffffffffffff\r\n"),
        std::string("3\r\nabcX\r\n"), padded("1;", 2000, 'e', "\r\n")}) {
    chunked_decoder dec;
    byte_view in = as_bytes(wire);
    std::error_code ec;
    while (!in.empty() && !ec) {
      byte_view data;
      in = in.subspan(dec.put(in, data, ec));
    }
    EXPECT_TRUE(ec) << wire.substr(0, 30);
    EXPECT_EQ(ec.category(), wire_category()) << ec.message();
    byte_view data;
    EXPECT_EQ(dec.put(as_bytes("0\r\n\r\n"), data, ec), 0u);  // it stays failed
    EXPECT_TRUE(ec);
  }
}

TEST(bench_chunked_flv, AWrongSignatureOrAnOversizedTagIsAnError) {
  const bytes html{'<', 'h', 't', 'm', 'l', '>', '4', '0', '4', ' ', 'N', 'o', 't'};
  std::vector<message> got;
  flv_messages flv;
  EXPECT_EQ(flv.put(html, got), shared::error::flv_bad_signature);

  bytes big;
  shared::flv::encode_file_header({}, big);
  shared::flv::tag_header h;
  h.type = shared::flv::tag_type::video;
  h.data_size = flv_messages::k_max_tag + 1;
  const auto head = shared::flv::encode_tag_header(h);
  big.insert(big.end(), head.begin(), head.end());
  flv_messages flv2;
  EXPECT_EQ(flv2.put(big, got), shared::error::flv_tag_too_large);
  EXPECT_TRUE(got.empty());
}

TEST(bench_flv_messages, ExtendedTimestampsAndTheirWrapAreUnwrapped) {
  // 0xFFFFFF ms is where RTMP's extended timestamp starts; FLV's TimestampExtended holds the
  // top byte. Past 2^32 ms the messages keep counting up, as the chunk reader's do.
  const std::vector<tag_spec> tags = {
      {9, 0xFFFFF0, 5}, {9, 0x1000010, 5}, {8, 0xFFFFFFF0u, 5}, {8, 0x10, 5}};
  std::vector<message> got;
  flv_messages flv;
  ASSERT_FALSE(flv.put(flv_stream(tags), got));
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].timestamp, 0xFFFFF0u);
  EXPECT_EQ(got[1].timestamp, 0x1000010u);
  EXPECT_EQ(got[2].timestamp, 0xFFFFFFF0u);
  EXPECT_EQ(got[3].timestamp, (1ull << 32) + 0x10);
}

TEST(bench_http_head, ParsesAHeadSplitAnywhereAndStopsAtItsEnd) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nTransfer-Encoding:  chunked \r\n"
      "Connection: close\r\n\r\nFLV";
  for (std::size_t step = 1; step < wire.size(); ++step) {
    http_head_parser p;
    std::size_t used = 0;
    std::error_code ec;
    for (std::size_t i = 0; i < wire.size() && !p.done(); i += step)
      used += p.put(as_bytes(std::string_view(wire).substr(i, step)), ec);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_TRUE(p.done());
    EXPECT_EQ(used, wire.size() - 3) << step;
    EXPECT_EQ(p.head().status, 200);
    EXPECT_EQ(p.head().reason, "OK");
    EXPECT_EQ(p.head().framing(), body_framing::chunked);
    EXPECT_EQ(*p.head().field("content-type"), "video/x-flv");
  }
}

TEST(bench_http_head, FramingFollowsRfc9112) {
  auto framing = [](const std::string& head) {
    http_head_parser p;
    std::error_code ec;
    p.put(as_bytes(head), ec);
    EXPECT_TRUE(p.done()) << head;
    return p.head().framing();
  };
  EXPECT_EQ(framing("HTTP/1.0 200 OK\r\n\r\n"), body_framing::until_close);
  EXPECT_EQ(framing("HTTP/1.1 503 Busy\r\nContent-Length: 12\r\n\r\n"), body_framing::length);
  EXPECT_EQ(framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
            body_framing::until_close);
  EXPECT_EQ(framing("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"),
            body_framing::none);
}

TEST(bench_http_head, MalformedHeadsAreErrors) {
  for (const std::string head :
       {"HTTP/2 200 OK\r\n\r\n", "ICY 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"}) {
    http_head_parser p;
    std::error_code ec;
    p.put(as_bytes(head), ec);
    EXPECT_TRUE(ec) << head;
    EXPECT_FALSE(p.done());
  }
  http_head_parser p;
  std::error_code ec;
  const std::string endless = padded("HTTP/1.1 200 OK\r\n", 20000, 'x', "");
  p.put(as_bytes(endless), ec);
  EXPECT_EQ(ec, wire_error::head_too_large);
}

// A server frame: unmasked, FIN as given.
bytes server_frame(ws_opcode op, byte_view payload, bool fin = true) {
  bytes out{static_cast<std::uint8_t>((fin ? 0x80 : 0) | static_cast<std::uint8_t>(op))};
  const std::uint64_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n <= 0xFFFF) {
    out.insert(out.end(), {126, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
  } else {
    out.push_back(127);
    for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(n >> s));
  }
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

struct ws_result {
  std::vector<message> messages;
  std::vector<std::pair<ws_event::kind, std::string>> controls;
  std::error_code ec;
};

ws_result decode_ws(const bytes& wire, std::size_t step) {
  ws_result r;
  ws_frame_reader reader;
  flv_messages flv;
  for (std::size_t i = 0; i < wire.size() && !r.ec; i += step) {
    byte_view in = byte_view(wire).subspan(i, std::min(step, wire.size() - i));
    while (!in.empty() && !r.ec) {
      ws_event ev;
      const std::size_t used = reader.put(in, ev, r.ec);
      in = in.subspan(used);
      if (ev.what == ws_event::kind::data)
        r.ec = flv.put(ev.payload, r.messages);
      else if (ev.what != ws_event::kind::none)
        r.controls.emplace_back(ev.what, std::string(shared::as_string(ev.payload)));
    }
  }
  return r;
}

TEST(bench_ws_flv, TagsSplitAcrossFragmentsAndFramesWithPingsBetween) {
  // Message 1: three fragments with a ping between the first two; message 2: one frame with
  // a 16-bit length; message 3 (the rest, over 64 KiB with padding tags): a 64-bit length.
  std::vector<tag_spec> tags = k_tags;
  tags.push_back({9, 120, 70000});
  const bytes all = flv_stream(tags);
  const auto a = byte_view(all);
  bytes wire;
  auto add = [&wire](const bytes& f) { wire.insert(wire.end(), f.begin(), f.end()); };
  add(server_frame(ws_opcode::binary, a.subspan(0, 5), false));
  add(server_frame(ws_opcode::ping, as_bytes("p1")));
  add(server_frame(ws_opcode::continuation, a.subspan(5, 20), false));
  add(server_frame(ws_opcode::continuation, a.subspan(25, 100), true));
  add(server_frame(ws_opcode::binary, a.subspan(125, 3000)));
  add(server_frame(ws_opcode::pong, {}));
  add(server_frame(ws_opcode::binary, a.subspan(3125)));
  for (const std::size_t step : {1u, 2u, 9u, 125u, 4096u, 1000000u}) {
    const ws_result r = decode_ws(wire, step);
    ASSERT_FALSE(r.ec) << r.ec.message() << " step " << step;
    expect_messages(r.messages, tags);
    ASSERT_EQ(r.controls.size(), 2u);
    EXPECT_EQ(r.controls[0], std::make_pair(ws_event::kind::ping, std::string("p1")));
    EXPECT_EQ(r.controls[1].first, ws_event::kind::pong);
  }
}

TEST(bench_ws_flv, ACloseEndsTheStreamAndIsDescribed) {
  bytes wire = server_frame(ws_opcode::close, as_bytes("\x03\xe8"
                                                       "bye"));
  const bytes more = server_frame(ws_opcode::binary, as_bytes("ignored"));
  wire.insert(wire.end(), more.begin(), more.end());
  const ws_result r = decode_ws(wire, 3);
  ASSERT_FALSE(r.ec);
  ASSERT_EQ(r.controls.size(), 1u);
  EXPECT_EQ(r.controls[0].first, ws_event::kind::close);
  EXPECT_EQ(describe_close(as_bytes(r.controls[0].second)), "1000: bye");
  EXPECT_EQ(describe_close({}), "no status");
}

TEST(bench_ws_flv, MalformedFramesAreErrors) {
  const bytes ok = server_frame(ws_opcode::binary, as_bytes("FLV"));
  auto with_first_byte = [&](std::uint8_t b0) {
    bytes f = ok;
    f[0] = b0;
    return f;
  };
  const std::vector<std::pair<bytes, wire_error>> cases = {
      {with_first_byte(0xC2), wire_error::ws_reserved_bits},
      {with_first_byte(0x83), wire_error::ws_bad_opcode},
      {with_first_byte(0x81), wire_error::ws_text_frame},
      {with_first_byte(0x80), wire_error::ws_bad_continuation},
      {bytes{0x82, 0x83, 1, 2, 3, 4, 'a', 'b', 'c'}, wire_error::ws_masked_frame},
      {bytes{0x09, 0x00}, wire_error::ws_bad_control},  // a ping without FIN
      {server_frame(ws_opcode::ping, bytes(126, 'x')), wire_error::ws_bad_control},
      {bytes{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1}, wire_error::ws_frame_too_large},
      {bytes{0x82, 127, 0, 0, 0, 0, 0x10, 0, 0, 0}, wire_error::ws_frame_too_large},
  };
  for (const auto& [wire, want] : cases) {
    const ws_result r = decode_ws(wire, 1);
    EXPECT_EQ(r.ec, want) << wire_category().message(static_cast<int>(want));
  }
  // A binary frame inside a fragmented message.
  bytes two = server_frame(ws_opcode::binary, as_bytes("F"), false);
  two.insert(two.end(), ok.begin(), ok.end());
  EXPECT_EQ(decode_ws(two, 4).ec, wire_error::ws_bad_continuation);
}

TEST(bench_ws_handshake, AcceptAndClientFramesFollowRfc6455) {
  // The example of RFC 6455 1.3.
  EXPECT_EQ(ws_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_EQ(
      ws_key({'t', 'h', 'e', ' ', 's', 'a', 'm', 'p', 'l', 'e', ' ', 'n', 'o', 'n', 'c', 'e'}),
      "dGhlIHNhbXBsZSBub25jZQ==");
  // The masked "Hello" of RFC 6455 5.7.
  bytes out;
  encode_client_frame(ws_opcode::text, as_bytes("Hello"), {0x37, 0xfa, 0x21, 0x3d}, out);
  EXPECT_EQ(out, (bytes{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  out.clear();
  encode_client_frame(ws_opcode::pong, bytes(300, 0), {0, 0, 0, 0}, out);
  EXPECT_EQ(out.size(), 2u + 2 + 4 + 300);
  EXPECT_EQ(out[1], 0x80 | 126);
}

TEST(bench_printable, EscapesWhatIsNotPrintableAscii) {
  EXPECT_EQ(printable("ok \"x\"", 100), "ok \"x\"");
  EXPECT_EQ(printable(std::string("a\0\xff\n", 4), 100), "a\\x00\\xff\\x0a");
  EXPECT_EQ(printable("abcdef", 3), "abc...");
}

// Random bytes and random corruptions of valid input: every parser ends in an error or a
// result, whatever it is fed (what the fuzz targets of lectern_shared check for its parsers).
TEST(bench_wire_parsers, SurviveGarbage) {
  std::mt19937 rng(12345);
  const bytes flv = flv_stream(k_tags);
  const std::string wire = chunked(flv, 50);
  for (int round = 0; round < 2000; ++round) {
    bytes in(wire.begin(), wire.end());
    if (round % 2) {
      in.resize(rng() % 300);
      for (auto& b : in) b = static_cast<std::uint8_t>(rng());
    } else {
      for (int k = 0; k < 4; ++k) in[rng() % in.size()] = static_cast<std::uint8_t>(rng());
    }
    const std::string s(in.begin(), in.end());
    std::vector<message> got;
    bool done = false;
    (void)decode_chunked(s, 1 + rng() % 40, got, done);
    (void)decode_ws(in, 1 + rng() % 40);
    http_head_parser p;
    std::error_code ec;
    p.put(in, ec);
    EXPECT_LE(got.size(), k_tags.size());
  }
}

}  // namespace
}  // namespace lectern::bench
