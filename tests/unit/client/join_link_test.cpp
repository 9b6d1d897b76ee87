// Join links as users paste them and as command lines give them: what is accepted, and
// that every refusal says which part is wrong.
#include "lectern/client/join_link.hpp"

#include <gtest/gtest.h>

namespace lectern::client {
namespace {

struct good_case {
  const char* link;
  const char* base;
  const char* port;
  std::uint64_t room;
  const char* token;
};

TEST(JoinLinkTest, ParsesValidLinks) {
  const good_case cases[] = {
      {"http://h:8080/join/3?token=abc", "http://h:8080", "8080", 3, "abc"},
      {"  http://h:8080/join/3?token=abc\n", "http://h:8080", "8080", 3, "abc"},
      {"HTTP://class.example.org/join/42/?token=t0k", "http://class.example.org:80", "80", 42,
       "t0k"},
      {"http://127.0.0.1:9000/join/7?lang=en&token=a%2Bb%20c", "http://127.0.0.1:9000", "9000", 7,
       "a+b c"},
      {"http://[::1]:8080/join/1?token=x#frag", "http://[::1]:8080", "8080", 1, "x"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.link);
    auto r = parse_join_link(c.link);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->http_base, c.base);
    EXPECT_EQ(r->port, c.port);
    EXPECT_EQ(r->room_id, c.room);
    EXPECT_EQ(r->token, c.token);
  }
}

TEST(JoinLinkTest, UrlRoundTripsWithEncodedToken) {
  auto r = parse_join_link("http://h:8080/join/3?token=a%2Bb%20c");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->url(), "http://h:8080/join/3?token=a%2Bb%20c");
  auto again = parse_join_link(r->url());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->token, "a+b c");
}

struct bad_case {
  const char* link;
  error_kind kind;
  const char* mentions;  // the part of the message that tells the user what is wrong
};

TEST(JoinLinkTest, RefusesMalformedLinksSayingWhy) {
  const bad_case cases[] = {
      {"", error_kind::bad_link, "empty"},
      {"h:8080/join/3?token=abc", error_kind::bad_link, "http://"},
      {"ftp://h/join/3?token=abc", error_kind::bad_link, "must start with http://"},
      {"https://h/join/3?token=abc", error_kind::unsupported, "not supported yet"},
      {"http:///join/3?token=abc", error_kind::bad_link, "missing host"},
      {"http://h:99999/join/3?token=abc", error_kind::bad_link, "port \"99999\""},
      {"http://h:80a/join/3?token=abc", error_kind::bad_link, "port \"80a\""},
      {"http://h:8080/rooms/3?token=abc", error_kind::bad_link, "is not /join/ROOM"},
      {"http://h:8080/join/?token=abc", error_kind::bad_link, "room id is missing"},
      {"http://h:8080/join/abc?token=abc", error_kind::bad_link, "room id \"abc\" is not a number"},
      {"http://h:8080/join/0?token=abc", error_kind::bad_link, "must not be 0"},
      {"http://h:8080/join/3/extra?token=abc", error_kind::bad_link, "more than /join/ROOM"},
      {"http://h:8080/join/3", error_kind::bad_link, "token is missing"},
      {"http://h:8080/join/3?token=", error_kind::bad_link, "token is missing"},
      {"http://h:8080/join/3?token=%zz", error_kind::bad_link, "%-escape"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.link);
    auto r = parse_join_link(c.link);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, c.kind);
    EXPECT_NE(r.error().message.find(c.mentions), std::string::npos) << r.error().message;
    if (c.kind == error_kind::bad_link) {
      // Every refusal also shows what a link looks like.
      EXPECT_NE(r.error().message.find("http://HOST:PORT/join/ROOM?token=TOKEN"), std::string::npos)
          << r.error().message;
    }
  }
}

TEST(JoinLinkTest, BuildsFromCommandLineParts) {
  auto a = make_join_link("h", "3", "abc");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->http_base, "http://h:8080");  // lectern-server's default HTTP port
  EXPECT_EQ(a->url(), "http://h:8080/join/3?token=abc");

  auto b = make_join_link("127.0.0.1:9000", "12", "t");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->http_base, "http://127.0.0.1:9000");
  EXPECT_EQ(b->room_id, 12u);

  auto c = make_join_link("http://h", "3", "t");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->http_base, "http://h:80");  // an explicit http:// URL keeps its own default

  auto d = make_join_link("http://h:8080/", "3", "t");
  ASSERT_TRUE(d.ok());
}

TEST(JoinLinkTest, CommandLinePartsAreCheckedToo) {
  EXPECT_EQ(make_join_link("https://h", "3", "t").error().kind, error_kind::unsupported);
  auto path = make_join_link("http://h:8080/join/3", "3", "t");
  ASSERT_FALSE(path.ok());
  EXPECT_NE(path.error().message.find("only HOST:PORT"), std::string::npos);
  auto port = make_join_link("h:x", "3", "t");
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.error().message.find("--server \"h:x\""), std::string::npos)
      << port.error().message;
  EXPECT_NE(make_join_link("h", "x", "t").error().message.find("room id \"x\""), std::string::npos);
  EXPECT_NE(make_join_link("h", "3", "").error().message.find("token is missing"),
            std::string::npos);
}

}  // namespace
}  // namespace lectern::client
