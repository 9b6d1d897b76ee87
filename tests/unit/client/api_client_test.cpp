// api_client against a loopback Beast HTTP server on port 0: a good join answer, the
// refusals a user can hit (wrong token, unknown room, not a Lectern server, nobody
// listening, no answer) each with a readable message, and a generic JSON request.
#include "lectern/client/api_client.hpp"
#include "lectern/net/use_tuple.hpp"

#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace lectern::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using lectern::net::k_use;
using nlohmann::json;

const json k_join_answer = {
    {"room",
     {{"id", 3}, {"name", "Physics"}, {"welcome", "Hi"}, {"buffer_ms", 1000}, {"is_public", true}}},
    {"role", "student"},
    {"rtmp_url", "rtmp://127.0.0.1:1935/live/3?token=good"},
    {"stream", "live/3"},
    {"ws_url", "ws://127.0.0.1:8080/api/v1/ws?token=good"}};

http::response<http::string_body> answer(const http::request<http::string_body>& req) {
  http::response<http::string_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "application/json");
  const std::string target(req.target());
  if (target == "/api/v1/rooms/3/join?token=good") {
    res.body() = k_join_answer.dump();
  } else if (target.starts_with("/api/v1/rooms/3/join")) {
    res.result(http::status::unauthorized);
    res.body() = R"({"error":{"code":"unauthorized","message":"wrong token"}})";
  } else if (target.starts_with("/api/v1/rooms/4/join")) {
    res.set(http::field::content_type, "text/html");
    res.body() = "<html>a router login page</html>";
  } else if (target == "/echo") {
    res.body() = json{{"method", std::string(req.method_string())},
                      {"authorization", std::string(req[http::field::authorization])},
                      {"body", json::parse(req.body(), nullptr, false)}}
                     .dump();
  } else {
    res.result(http::status::not_found);
    res.body() = R"({"error":{"code":"not_found","message":"no such room"}})";
  }
  res.prepare_payload();
  return res;
}

asio::awaitable<void> serve(tcp::socket socket) {
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  auto [ec, n] = co_await http::async_read(socket, buffer, req, k_use);
  if (ec) co_return;
  if (req.target() == "/silent") {
    co_await http::async_read(socket, buffer, req, k_use);  // never answers; client times out
    co_return;
  }
  auto res = answer(req);
  co_await http::async_write(socket, res, k_use);
}

// A loopback HTTP server on its own thread; stopped and joined on destruction.
class test_http_server {
 public:
  test_http_server() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~test_http_server() {
    io_.stop();
    thread_.join();
  }
  std::string base() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(k_use);
      if (ec) co_return;
      asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
    }
  }
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

join_link link_to(const std::string& base, const char* room, const char* token) {
  auto l = parse_join_link(base + "/join/" + room + "?token=" + token);
  EXPECT_TRUE(l.ok());
  return l.value();
}

TEST(ApiClientTest, ValidatesAGoodLink) {
  test_http_server server;
  blocking_api_client client;
  auto r = client.validate(link_to(server.base(), "3", "good"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->role, "student");
  EXPECT_EQ(r->room.id, 3u);
  EXPECT_EQ(r->room.name, "Physics");
  EXPECT_EQ(r->room.buffer_ms, 1000);
  EXPECT_TRUE(r->room.is_public);
  EXPECT_EQ(r->stream, "live/3");
  EXPECT_EQ(r->ws_url, "ws://127.0.0.1:8080/api/v1/ws?token=good");
}

TEST(ApiClientTest, WrongTokenIsUnauthorized) {
  test_http_server server;
  auto r = blocking_api_client().validate(link_to(server.base(), "3", "bad"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, error_kind::unauthorized);
  EXPECT_NE(r.error().message.find("not valid for room 3"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("wrong token"), std::string::npos);  // the server's words
}

TEST(ApiClientTest, UnknownRoomIsNotFound) {
  test_http_server server;
  auto r = blocking_api_client().validate(link_to(server.base(), "9", "good"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, error_kind::not_found);
  EXPECT_NE(r.error().message.find("room 9 does not exist on " + server.base()), std::string::npos)
      << r.error().message;
}

TEST(ApiClientTest, SomethingElseAnsweringIsABadReply) {
  test_http_server server;
  auto r = blocking_api_client().validate(link_to(server.base(), "4", "good"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, error_kind::bad_reply);
  EXPECT_NE(r.error().message.find("is this a Lectern server?"), std::string::npos);
}

TEST(ApiClientTest, ClosedPortIsUnreachableWithTheUrl) {
  std::string base;
  {
    asio::io_context io;
    tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    base = "http://127.0.0.1:" + std::to_string(a.local_endpoint().port());
  }  // closed: nobody listens there now
  auto r = blocking_api_client().validate(link_to(base, "3", "good"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, error_kind::unreachable);
  EXPECT_NE(r.error().message.find("cannot reach the Lectern server at " + base), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("connection refused"), std::string::npos);
}

TEST(ApiClientTest, SilentServerTimesOut) {
  test_http_server server;
  api_options o;
  o.request_timeout = std::chrono::milliseconds(300);
  auto r = blocking_api_client(o).request(server.base(), http::verb::get, "/silent");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, error_kind::timeout);
  EXPECT_NE(r.error().message.find("did not answer within 0.3 s"), std::string::npos)
      << r.error().message;
}

TEST(ApiClientTest, CoroutineRequestSendsJsonAndBearer) {
  test_http_server server;
  asio::io_context io;
  std::optional<result<http_reply>> out;
  const json body = {{"username", "t"}};  // GCC 12 miscompiles brace-init lists in coroutines
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        api_client client(io.get_executor());
        out.emplace(
            co_await client.request(server.base(), http::verb::post, "/echo", body, "SECRET"));
      },
      asio::detached);
  io.run_for(std::chrono::seconds(10));
  ASSERT_TRUE(out.has_value());
  ASSERT_TRUE(out->ok()) << out->error().message;
  const auto& reply = out->value();
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.json["method"], "POST");
  EXPECT_EQ(reply.json["authorization"], "Bearer SECRET");
  EXPECT_EQ(reply.json["body"], json({{"username", "t"}}));
}

TEST(ApiClientTest, HttpsIsNotSupportedYet) {
  auto r = blocking_api_client().request("https://127.0.0.1:1", http::verb::get, "/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, error_kind::unsupported);
}

}  // namespace
}  // namespace lectern::client
