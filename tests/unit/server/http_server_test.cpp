// The HTTP transport over real sockets: keep-alive, errors as JSON, limits, bad input.
#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>

#include "http_test_util.hpp"
#include "http_util.hpp"

namespace lectern::server::test {
namespace {

using json = nlohmann::json;

class HttpServer : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& r = server_.router;
    r.add(http::verb::get, "/rooms/{id}",
          [](request_context& ctx) -> asio::awaitable<http::message_generator> {
            json body{{"id", std::string(ctx.param("id"))},
                      {"q", ctx.query("q").value_or("")},
                      {"peer", ctx.peer()}};
            co_return json_reply(ctx, http::status::ok, body,
                                 {{http::field::set_cookie, set_cookie("sid", "v")}});
          });
    r.add(http::verb::post, "/echo",
          [](request_context& ctx) -> asio::awaitable<http::message_generator> {
            co_return json_reply(ctx, http::status::created, parse_json_body(ctx));
          });
    r.add(http::verb::get, "/conflict",
          [](request_context&) -> asio::awaitable<http::message_generator> {
            throw api_error(http::status::conflict, "room_busy", "the room is busy");
            co_return http::message_generator(http::response<http::string_body>());
          });
    r.add(http::verb::get, "/bug",
          [](request_context&) -> asio::awaitable<http::message_generator> {
            throw std::runtime_error("secret detail");
            co_return http::message_generator(http::response<http::string_body>());
          });
    r.add_websocket("/ws",
                    [](request_context&, std::shared_ptr<ws_connection>) -> asio::awaitable<void> {
                      co_return;
                    });
  }

  void start(http_limits limits = test_limits()) {
    server_.start(limits, [this](std::string_view method, std::string_view route, unsigned status,
                                 std::chrono::nanoseconds) {
      std::lock_guard lock(mutex_);
      observed_.push_back(std::string(method) + " " + std::string(route) + " " +
                          std::to_string(status));
    });
  }

  std::vector<std::string> observed() {
    std::lock_guard lock(mutex_);
    return observed_;
  }

  // Declared before the server: its threads call the observer until it is stopped.
  std::mutex mutex_;
  std::vector<std::string> observed_;
  test_server server_;
};

json body_of(const response& res) {
  return json::parse(res.body());
}

TEST_F(HttpServer, ServesSeveralRequestsOnOneKeptAliveConnection) {
  start();
  test_client c(server_.endpoint());
  for (int i = 0; i < 3; ++i) {
    std::string id = "r";  // += rather than "lit" + string: GCC 12 -Wrestrict false positive
    id += std::to_string(i);
    const auto res = c.get("/rooms/" + id + "?q=a%20b");
    ASSERT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(body_of(res), (json{{"id", id}, {"q", "a b"}, {"peer", "127.0.0.1"}}));
    EXPECT_TRUE(res.keep_alive());
    EXPECT_EQ(res[http::field::server], std::string("lectern/") + LECTERN_VERSION);
    EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ(res[http::field::cache_control], "no-store");
    EXPECT_EQ(res[http::field::content_type], "application/json");
    EXPECT_EQ(res[http::field::set_cookie], "sid=v; Path=/; HttpOnly; SameSite=Strict");
  }
  ASSERT_TRUE(server_.stop());  // the observer is called after the last byte is written
  EXPECT_EQ(observed(), (std::vector<std::string>{"GET /rooms/{id} 200", "GET /rooms/{id} 200",
                                                  "GET /rooms/{id} 200"}));
}

TEST_F(HttpServer, Http10IsClosedAfterOneAnswerUnlessItAsksForKeepAlive) {
  start();
  test_client c(server_.endpoint());
  auto req = c.make(http::verb::get, "/rooms/a");
  req.version(10);
  req.keep_alive(true);
  auto res = c.request(req);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_TRUE(res.keep_alive());
  req.keep_alive(false);
  res = c.request(req);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(closed_by_server(c.read_until_closed()));
}

TEST_F(HttpServer, ApiErrorBecomesItsStatusAndJsonBody) {
  start();
  test_client c(server_.endpoint());
  const auto res = c.get("/conflict");
  EXPECT_EQ(res.result(), http::status::conflict);
  EXPECT_EQ(body_of(res),
            (json{{"error", {{"code", "room_busy"}, {"message", "the room is busy"}}}}));
  EXPECT_EQ(c.get("/rooms/x").result(), http::status::ok);  // still usable
}

TEST_F(HttpServer, OtherExceptionsBecome500WithoutDetailsAndAreLogged) {
  start();
  test_client c(server_.endpoint());
  const auto res = c.get("/bug");
  EXPECT_EQ(res.result(), http::status::internal_server_error);
  EXPECT_EQ(body_of(res)["error"]["code"], "internal");
  EXPECT_EQ(res.body().find("secret detail"), std::string::npos);
  EXPECT_EQ(c.get("/rooms/x").result(), http::status::ok);
  ASSERT_TRUE(server_.stop());
  EXPECT_NE(server_.log_text().find("secret detail"), std::string::npos);
  EXPECT_EQ(observed().front(), "GET /bug 500");
}

TEST_F(HttpServer, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  start();
  test_client c(server_.endpoint());
  auto res = c.get("/nowhere");
  EXPECT_EQ(res.result(), http::status::not_found);
  EXPECT_EQ(body_of(res)["error"]["code"], "not_found");
  res = c.request(c.make(http::verb::delete_, "/rooms/1"));
  EXPECT_EQ(res.result(), http::status::method_not_allowed);
  EXPECT_EQ(body_of(res)["error"]["code"], "method_not_allowed");
  EXPECT_EQ(res[http::field::allow], "GET, HEAD");
  res = c.get("/rooms/%zz");
  EXPECT_EQ(res.result(), http::status::bad_request);
  ASSERT_TRUE(server_.stop());
  EXPECT_EQ(observed().front(), "GET  404");
}

TEST_F(HttpServer, HeadOfGetRouteHasHeadersButNoBody) {
  start();
  test_client c(server_.endpoint());
  const auto full = c.get("/rooms/abc");
  const auto head = c.request(c.make(http::verb::head, "/rooms/abc"));
  EXPECT_EQ(head.result(), http::status::ok);
  EXPECT_EQ(head[http::field::content_length], std::to_string(full.body().size()));
  EXPECT_TRUE(head.body().empty());
  // The connection is still in step: the next answer is the right one.
  EXPECT_EQ(c.get("/rooms/next").result(), http::status::ok);
}

TEST_F(HttpServer, JsonBodiesAreChecked) {
  start();
  test_client c(server_.endpoint());
  auto res = c.request(c.make(http::verb::post, "/echo", R"({"a":[1,2]})"));
  EXPECT_EQ(res.result(), http::status::created);
  EXPECT_EQ(body_of(res), (json{{"a", {1, 2}}}));
  res = c.request(c.make(http::verb::post, "/echo", "{not json"));
  EXPECT_EQ(res.result(), http::status::bad_request);
  EXPECT_EQ(body_of(res)["error"]["code"], "bad_json");
  res = c.request(c.make(http::verb::post, "/echo", "[1]"));
  EXPECT_EQ(body_of(res)["error"]["code"], "bad_json");
  auto req = c.make(http::verb::post, "/echo", "{}");
  req.set(http::field::content_type, "text/plain");
  res = c.request(req);
  EXPECT_EQ(res.result(), http::status::unsupported_media_type);
}

TEST_F(HttpServer, OversizedBodyIs413AndTheConnectionCloses) {
  auto limits = test_limits();
  limits.max_body_bytes = 1024;
  start(limits);
  test_client c(server_.endpoint());
  c.send_raw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 5000\r\n\r\n{\"a\":\"");
  const auto res = c.read_response();
  EXPECT_EQ(res.result(), http::status::payload_too_large);
  EXPECT_EQ(body_of(res)["error"]["code"], "too_large");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(closed_by_server(c.read_until_closed()));
}

TEST_F(HttpServer, GarbageGets400AndCloseWhileOthersAreServed) {
  start();
  test_client other(server_.endpoint());
  EXPECT_EQ(other.get("/rooms/1").result(), http::status::ok);
  test_client bad(server_.endpoint());
  bad.send_raw("\x16\x03\x01 not http at all\r\n\r\n");
  const auto res = bad.read_response();
  EXPECT_EQ(res.result(), http::status::bad_request);
  EXPECT_EQ(body_of(res)["error"]["code"], "bad_request");
  EXPECT_TRUE(closed_by_server(bad.read_until_closed()));
  EXPECT_EQ(other.get("/rooms/2").result(), http::status::ok);
  EXPECT_EQ(test_client(server_.endpoint()).get("/rooms/3").result(), http::status::ok);
}

TEST_F(HttpServer, HalfAHeaderThenSilenceIsClosedAfterTheRequestTimeout) {
  start();  // request_timeout 300 ms
  test_client c(server_.endpoint());
  c.send_raw("GET /rooms/1 HTTP/1.1\r\nHost: x\r\n");
  const auto started = std::chrono::steady_clock::now();
  // Closed by the server well before the client's own 5 s deadline.
  EXPECT_TRUE(closed_by_server(c.read_until_closed()));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST_F(HttpServer, WebSocketPathWithoutUpgradeIs426) {
  start();
  test_client c(server_.endpoint());
  const auto res = c.get("/ws");
  EXPECT_EQ(res.result(), http::status::upgrade_required);
  EXPECT_EQ(body_of(res)["error"]["code"], "upgrade_required");
}

TEST_F(HttpServer, ConnectionsPastTheLimitAreRefused) {
  auto limits = test_limits();
  limits.max_connections = 1;
  start(limits);
  test_client first(server_.endpoint());
  EXPECT_EQ(first.get("/rooms/1").result(), http::status::ok);  // now surely registered
  test_client second(server_.endpoint());
  EXPECT_TRUE(closed_by_server(second.read_until_closed()));
  EXPECT_EQ(first.get("/rooms/2").result(), http::status::ok);
}

TEST_F(HttpServer, StopClosesIdleKeptAliveConnections) {
  start();
  test_client c(server_.endpoint());
  EXPECT_EQ(c.get("/rooms/1").result(), http::status::ok);
  EXPECT_EQ(server_.server().connections(), 1u);
  EXPECT_TRUE(server_.stop());
  EXPECT_TRUE(closed_by_server(c.read_until_closed()));
}

}  // namespace
}  // namespace lectern::server::test
