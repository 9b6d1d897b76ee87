// Pieces of the web serving that need no sockets: the static site's name checks and types,
// the shared FLV encoding of live items, the too-slow rule HTTP and RTMP players share.
#include <gtest/gtest.h>

#include "live_item.hpp"
#include "player_lag.hpp"
#include "static_site.hpp"

namespace lectern::server {
namespace {

TEST(static_site, serves_only_plain_names) {
  EXPECT_TRUE(static_site::safe_segment("app-3f9a1c.js"));
  EXPECT_TRUE(static_site::safe_segment("favicon.svg"));
  for (const char* bad : {"", ".", "..", ".env", "../x.js", "a/b.js", "a\\b.js", "..\\x"}) {
    EXPECT_FALSE(static_site::safe_segment(bad)) << bad;
  }
  EXPECT_FALSE(static_site::safe_segment(std::string_view("a\0b.js", 6)));
  EXPECT_FALSE(static_site::safe_segment("a\nb.js"));
}

TEST(static_site, mime_types) {
  EXPECT_EQ(static_site::mime_type("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(static_site::mime_type("a.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(static_site::mime_type("a.woff2"), "font/woff2");
  EXPECT_EQ(static_site::mime_type("a.js.map"), "application/json");
  EXPECT_EQ(static_site::mime_type("a.wasm"), "application/wasm");
  EXPECT_FALSE(static_site::mime_type("passwd"));
  EXPECT_FALSE(static_site::mime_type("run.sh"));
}

live_item_ptr item(shared::rtmp::message_type type, std::uint64_t ts, shared::bytes payload) {
  auto i = std::make_shared<live_item>();
  i->media.type = type;
  i->media.timestamp = ts;
  i->media.payload = std::make_shared<const shared::bytes>(std::move(payload));
  return i;
}

TEST(live_item, flv_tag_is_built_once_and_shared) {
  // 0x1234567 ms: the top byte goes to TimestampExtended (FLV spec E.4.1).
  const auto video = item(shared::rtmp::message_type::video, 0x1234567, {0x17, 1, 0, 0, 0, 9});
  const auto tag = video->flv_tag();
  ASSERT_TRUE(tag);
  EXPECT_EQ(tag.get(), video->flv_tag().get());
  const shared::bytes want{9,    0, 0, 6, 0x23, 0x45, 0x67, 0x01, 0, 0, 0,
                           0x17, 1, 0, 0, 0,    9,    0,    0,    0, 17};
  EXPECT_EQ(*tag, want);
  EXPECT_FALSE(item(shared::rtmp::message_type::data_amf3, 0, {0, 2})->flv_tag())
      << "FLV script tags are AMF0 only";
  EXPECT_FALSE(std::make_shared<live_item>()->flv_tag()) << "an event has no tag";
}

TEST(lag_watch, stuck_and_starving) {
  using namespace std::chrono_literals;
  const auto t0 = lag_watch::clock::now();
  lag_watch w(3000ms);
  EXPECT_FALSE(w.check(0, t0, t0 + 2s));
  const auto stuck = w.check(0, t0, t0 + 4s);
  ASSERT_TRUE(stuck);
  EXPECT_TRUE(stuck->stuck);

  // Losing audio and keyframes every half second for longer than max_lag: starving.
  lag_watch s(3000ms);
  std::optional<lag_watch::too_slow> verdict;
  for (int i = 0; i <= 8 && !verdict; ++i) {
    const auto now = t0 + i * 500ms;
    verdict = s.check(static_cast<std::uint64_t>(i + 1), now, now);
  }
  ASSERT_TRUE(verdict);
  EXPECT_FALSE(verdict->stuck);
  EXPECT_NE(verdict->why.find("audio and keyframes"), std::string::npos);

  // The same losses with a quiet second between them are forgiven.
  lag_watch r(3000ms);
  EXPECT_FALSE(r.check(1, t0, t0));
  EXPECT_FALSE(r.check(1, t0 + 1500ms, t0 + 1500ms));
  EXPECT_FALSE(r.check(2, t0 + 3500ms, t0 + 3500ms));
  EXPECT_FALSE(r.check(3, t0 + 4000ms, t0 + 4000ms));
}

}  // namespace
}  // namespace lectern::server
