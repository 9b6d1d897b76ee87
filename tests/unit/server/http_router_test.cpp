// Route matching and the request parsing helpers (no sockets).
#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <stdexcept>

#include "http_router.hpp"
#include "http_util.hpp"

namespace lectern::server {
namespace {

using kind = http_router::match_result::kind;

http_handler dummy() {
  return [](request_context& ctx) -> boost::asio::awaitable<http::message_generator> {
    co_return text_reply(ctx, http::status::ok, "x");
  };
}

http_router sample_router() {
  http_router r;
  r.add(http::verb::get, "/api/v1/rooms", dummy());
  r.add(http::verb::post, "/api/v1/rooms", dummy());
  r.add(http::verb::get, "/api/v1/rooms/{id}", dummy());
  r.add(http::verb::delete_, "/api/v1/rooms/{id}", dummy());
  r.add(http::verb::get, "/api/v1/rooms/new", dummy());
  r.add(http::verb::get, "/api/v1/rooms/{id}/files/{name}", dummy());
  r.add(http::verb::get, "/", dummy());
  return r;
}

TEST(HttpRouter, MatchesLiteralAndParameterRoutes) {
  const auto r = sample_router();
  auto m = r.match(http::verb::get, "/api/v1/rooms");
  EXPECT_EQ(m.what, kind::found);
  EXPECT_EQ(m.pattern, "/api/v1/rooms");
  EXPECT_TRUE(m.params.empty());

  m = r.match(http::verb::get, "/api/v1/rooms/r42/files/a.flv");
  ASSERT_EQ(m.what, kind::found);
  EXPECT_EQ(m.pattern, "/api/v1/rooms/{id}/files/{name}");
  const request_context::param_list expected{{"id", "r42"}, {"name", "a.flv"}};
  EXPECT_EQ(m.params, expected);

  EXPECT_EQ(r.match(http::verb::get, "/").what, kind::found);
}

TEST(HttpRouter, LiteralSegmentWinsOverParameter) {
  const auto r = sample_router();
  const auto m = r.match(http::verb::get, "/api/v1/rooms/new");
  ASSERT_EQ(m.what, kind::found);
  EXPECT_EQ(m.pattern, "/api/v1/rooms/new");
  EXPECT_TRUE(m.params.empty());
}

TEST(HttpRouter, TrailingSlashAndEmptySegmentsDoNotMatch) {
  const auto r = sample_router();
  EXPECT_EQ(r.match(http::verb::get, "/api/v1/rooms/").what, kind::not_found);
  EXPECT_EQ(r.match(http::verb::get, "/api/v1/rooms//files/x").what, kind::not_found);
  EXPECT_EQ(r.match(http::verb::get, "/api/v1").what, kind::not_found);
  EXPECT_EQ(r.match(http::verb::get, "/api/v1/rooms/a/b").what, kind::not_found);
}

TEST(HttpRouter, ParametersArePercentDecodedPerSegment) {
  const auto r = sample_router();
  auto m = r.match(http::verb::get, "/api/v1/rooms/math%20101");
  ASSERT_EQ(m.what, kind::found);
  EXPECT_EQ(m.params.at(0).second, "math 101");
  // An encoded slash stays inside its segment instead of adding one.
  m = r.match(http::verb::get, "/api/v1/rooms/a%2Fb");
  ASSERT_EQ(m.what, kind::found);
  EXPECT_EQ(m.params.at(0).second, "a/b");
  // Literal segments match their decoded form too.
  EXPECT_EQ(r.match(http::verb::get, "/api/v1/r%6Foms").what, kind::found);
  EXPECT_EQ(r.match(http::verb::get, "/api/v1/rooms/%zz").what, kind::bad_path);
  EXPECT_EQ(r.match(http::verb::get, "/api/v1/rooms/%00").what, kind::bad_path);
  EXPECT_EQ(r.match(http::verb::get, "api/v1/rooms").what, kind::bad_path);
}

TEST(HttpRouter, WrongMethodIs405WithAllowAndHeadFollowsGet) {
  const auto r = sample_router();
  auto m = r.match(http::verb::put, "/api/v1/rooms/7");
  EXPECT_EQ(m.what, kind::method_not_allowed);
  EXPECT_EQ(m.allow, "GET, DELETE, HEAD");
  m = r.match(http::verb::delete_, "/api/v1/rooms");
  EXPECT_EQ(m.what, kind::method_not_allowed);
  EXPECT_EQ(m.allow, "GET, POST, HEAD");

  m = r.match(http::verb::head, "/api/v1/rooms/7");
  EXPECT_EQ(m.what, kind::found);
  EXPECT_EQ(m.pattern, "/api/v1/rooms/{id}");
  EXPECT_EQ(r.match(http::verb::put, "/nowhere").what, kind::not_found);
}

TEST(HttpRouter, WebSocketRoutesAreMarked) {
  http_router r;
  r.add_websocket(
      "/api/v1/ws",
      [](request_context&, std::shared_ptr<ws_connection>) -> boost::asio::awaitable<void> {
        co_return;
      });
  const auto m = r.match(http::verb::get, "/api/v1/ws");
  ASSERT_EQ(m.what, kind::found);
  EXPECT_NE(m.websocket, nullptr);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(r.match(http::verb::post, "/api/v1/ws").what, kind::method_not_allowed);
}

TEST(HttpRouter, TakeoverRoutesAreMarkedAndAnswerHead) {
  http_router r;
  r.add_takeover("/live/{file}",
                 [](request_context&, boost::beast::tcp_stream&)
                     -> boost::asio::awaitable<std::optional<http::message_generator>> {
                   co_return std::nullopt;
                 });
  r.add(http::verb::get, "/{file}", dummy());
  for (const auto verb : {http::verb::get, http::verb::head}) {
    const auto m = r.match(verb, "/live/3.flv");
    ASSERT_EQ(m.what, kind::found);
    EXPECT_NE(m.takeover, nullptr);
    EXPECT_EQ(m.handler, nullptr);
    EXPECT_EQ(m.websocket, nullptr);
  }
  EXPECT_EQ(r.match(http::verb::post, "/live/3.flv").what, kind::method_not_allowed);
  const auto file = r.match(http::verb::get, "/favicon.svg");
  EXPECT_EQ(file.takeover, nullptr);
  EXPECT_NE(file.handler, nullptr);
}

TEST(HttpRouter, RejectsMalformedAndDuplicatePatterns) {
  http_router r;
  EXPECT_THROW(r.add(http::verb::get, "rooms", dummy()), std::invalid_argument);
  EXPECT_THROW(r.add(http::verb::get, "/rooms/{id", dummy()), std::invalid_argument);
  EXPECT_THROW(r.add(http::verb::get, "/rooms/{}", dummy()), std::invalid_argument);
  r.add(http::verb::get, "/rooms/{id}", dummy());
  EXPECT_THROW(r.add(http::verb::get, "/rooms/{id}", dummy()), std::invalid_argument);
  EXPECT_NO_THROW(r.add(http::verb::post, "/rooms/{id}", dummy()));
}

TEST(HttpUtil, PercentDecoding) {
  EXPECT_EQ(percent_decode("a%20b%2fc"), "a b/c");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("%C3%A9"), "\xC3\xA9");
  EXPECT_EQ(percent_decode("%"), std::nullopt);
  EXPECT_EQ(percent_decode("%4"), std::nullopt);
  EXPECT_EQ(percent_decode("%G1"), std::nullopt);
  EXPECT_EQ(percent_decode("x%00"), std::nullopt);
}

TEST(HttpUtil, QueryParsing) {
  using pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(parse_query("a=1&b=x%20y+z&flag&&=v&c="),
            (pairs{{"a", "1"}, {"b", "x y z"}, {"flag", ""}, {"c", ""}}));
  EXPECT_EQ(parse_query(""), pairs{});
  EXPECT_EQ(parse_query("bad=%zz&ok=1"), (pairs{{"ok", "1"}}));

  http_request req(http::verb::get, "/x?token=abc&token=second&n=%41", 11);
  request_context ctx(req, "/x", "token=abc&token=second&n=%41", "127.0.0.1");
  EXPECT_EQ(ctx.query("token"), "abc");  // the first value wins
  EXPECT_EQ(ctx.query("n"), "A");
  EXPECT_EQ(ctx.query("missing"), std::nullopt);
}

TEST(HttpUtil, CookieParsing) {
  using pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(parse_cookies("sid=abc; theme=\"dark\";  empty=; novalue; =x"),
            (pairs{{"sid", "abc"}, {"theme", "dark"}, {"empty", ""}}));

  http_request req(http::verb::get, "/", 11);
  req.insert(http::field::cookie, "a=1; sid=first");
  req.insert(http::field::cookie, "sid=second; b=2");
  request_context ctx(req, "/", "", "127.0.0.1");
  EXPECT_EQ(ctx.cookie("sid"), "first");
  EXPECT_EQ(ctx.cookie("b"), "2");
  EXPECT_EQ(ctx.cookie("none"), std::nullopt);
}

TEST(HttpUtil, SetCookieHeader) {
  EXPECT_EQ(set_cookie("sid", "abc"), "sid=abc; Path=/; HttpOnly; SameSite=Strict");
  cookie_options o;
  o.path = "/api";
  o.max_age = std::chrono::hours(1);
  o.secure = true;
  EXPECT_EQ(set_cookie("sid", "abc", o),
            "sid=abc; Path=/api; Max-Age=3600; Secure; HttpOnly; SameSite=Strict");
  o.max_age = std::chrono::seconds(0);
  o.secure = false;
  EXPECT_EQ(set_cookie("sid", "", o), "sid=; Path=/api; Max-Age=0; HttpOnly; SameSite=Strict");
}

}  // namespace
}  // namespace lectern::server
