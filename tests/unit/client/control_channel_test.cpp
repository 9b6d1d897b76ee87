// control_channel against a scripted loopback WebSocket server (port 0) that speaks a subset
// of docs/control-protocol.md: hello/welcome, so.state/so.change, a dropped connection and
// the resumed reconnect, refusals and kicks that end the channel, actions from other threads.
#include "lectern/client/control_channel.hpp"
#include "lectern/net/use_tuple.hpp"

#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace lectern::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using nlohmann::json;
using namespace std::chrono_literals;
using lectern::net::k_use;
using server_ws = websocket::stream<tcp::socket>;

// Accepts one WebSocket; `target` (if given) gets the upgrade request's path and query.
asio::awaitable<std::unique_ptr<server_ws>> accept_ws(tcp::acceptor& acceptor,
                                                      std::string* target = nullptr) {
  auto [ec, socket] = co_await acceptor.async_accept(k_use);
  if (ec) co_return nullptr;
  auto ws = std::make_unique<server_ws>(std::move(socket));
  beast::flat_buffer buffer;
  beast::http::request<beast::http::empty_body> upgrade;
  auto [rec, n] = co_await beast::http::async_read(ws->next_layer(), buffer, upgrade, k_use);
  if (rec) co_return nullptr;
  if (target != nullptr) *target = std::string(upgrade.target());
  auto [hec] = co_await ws->async_accept(upgrade, k_use);
  if (hec) co_return nullptr;
  ws->text(true);
  co_return ws;
}

// The next frame as JSON; null when the connection ended.
asio::awaitable<json> read_json(server_ws& ws) {
  beast::flat_buffer buffer;
  auto [ec, n] = co_await ws.async_read(buffer, k_use);
  if (ec) co_return json();
  co_return json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
}

asio::awaitable<void> write_json(server_ws& ws, const json& frame) {
  co_await ws.async_write(asio::buffer(frame.dump()), k_use);
}

json welcome(const char* session) {
  return {{"op", "welcome"},
          {"room", {{"id", 3}, {"name", "Physics"}, {"rtmp_url", "rtmp://127.0.0.1:1935/live/3"}}},
          {"you", {{"id", "p7"}, {"role", "student"}, {"name", "Ana"}}},
          {"session", session}};
}

json result_for(const json& id) {
  json r = json::object();
  r["op"] = "result";
  r["id"] = id;
  r["ok"] = true;
  return r;
}

json so_change(std::uint64_t version, const char* slot, int value) {
  return {{"op", "so.change"},
          {"so", "quiz"},
          {"version", version},
          {"changes", json::array({{{"slot", slot}, {"value", value}}})}};
}

// One test's world: an io_context run on this thread, the scripted server, the channel.
struct fixture {
  asio::io_context io;
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  std::vector<welcome_info> welcomes;
  std::vector<disconnect_info> drops;
  std::unique_ptr<control_channel> channel;

  control_options options() const {
    control_options o;
    o.ws_url =
        "ws://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/api/v1/ws?token=T";
    o.name = "Ana";
    o.backoff_initial = 20ms;  // fast retries; the doubling itself is BackoffTest's job
    o.backoff_max = 100ms;
    o.jitter_seed = 1;
    return o;
  }
  void make(control_callbacks cb, control_options o) {
    auto w = std::move(cb.on_welcome);
    cb.on_welcome = [this, w](const welcome_info& i) {
      welcomes.push_back(i);
      if (w) w(i);
    };
    cb.on_disconnected = [this](const disconnect_info& d) { drops.push_back(d); };
    channel = std::make_unique<control_channel>(io, std::move(o), std::move(cb));
  }
  template <class Script>
  void run(Script script) {
    asio::co_spawn(io, std::move(script), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
    channel->start();
    io.run_for(10s);  // bounded; every test ends long before
  }
};

TEST(ControlChannelTest, ReconnectsWithResumeKeyAndHeldVersions) {
  fixture f;
  std::vector<json> hellos, connects;
  std::string target;
  control_callbacks cb;
  cb.on_state_changed = [&](const std::string& so) {
    // The last change of the script has arrived: leave (stop() closes normally).
    if (so == "quiz" && f.channel->objects().version("quiz") == 5) f.channel->stop();
  };
  f.make(std::move(cb), f.options());
  f.channel->so_connect("quiz", true);
  // Frames built outside the coroutine: GCC 12 miscompiles brace-init lists inside one.
  const json state = {{"op", "so.state"},
                      {"so", "quiz"},
                      {"version", 3},
                      {"persistent", true},
                      {"slots", {{"a", 1}, {"b", 2}}}};
  const json first = welcome("K1"), dup = so_change(4, "a", 99), last = so_change(5, "b", 20);
  const json change = so_change(4, "a", 10);

  f.run([&]() -> asio::awaitable<void> {
    auto ws = co_await accept_ws(f.acceptor, &target);
    hellos.push_back(co_await read_json(*ws));
    co_await write_json(*ws, first);
    connects.push_back(co_await read_json(*ws));
    co_await write_json(*ws, state);
    co_await write_json(*ws, change);
    ws->next_layer().close();  // dropped without a close frame, like a lost network

    ws = co_await accept_ws(f.acceptor);
    hellos.push_back(co_await read_json(*ws));
    co_await write_json(*ws, first);
    connects.push_back(co_await read_json(*ws));
    co_await write_json(*ws, dup);  // a duplicate: must change nothing
    co_await write_json(*ws, last);
    co_await read_json(*ws);  // until the client's close
    f.acceptor.close();
  });

  // The token travels in hello only: left in the URL, the server would join at the upgrade,
  // without the hello's name.
  EXPECT_EQ(target, "/api/v1/ws");
  ASSERT_EQ(hellos.size(), 2u);
  EXPECT_EQ(hellos[0], json({{"op", "hello"}, {"name", "Ana"}, {"token", "T"}}));
  EXPECT_EQ(hellos[1].value("resume", ""), "K1");
  ASSERT_EQ(connects.size(), 2u);
  EXPECT_EQ(connects[0],
            json({{"op", "so.connect"}, {"so", "quiz"}, {"persistent", true}, {"version", 0}}));
  EXPECT_EQ(connects[1]["version"], 4);  // only what changed since comes back
  ASSERT_EQ(f.drops.size(), 1u);         // the drop, not the stop
  EXPECT_TRUE(f.drops[0].will_retry);
  ASSERT_EQ(f.welcomes.size(), 2u);
  EXPECT_FALSE(f.welcomes[0].reconnect);
  EXPECT_TRUE(f.welcomes[1].reconnect);
  EXPECT_EQ(f.welcomes[1].participant_id, "p7");
  EXPECT_EQ(f.channel->objects().find("quiz")->slots, json({{"a", 10}, {"b", 20}}));
  EXPECT_TRUE(f.io.stopped()) << "stop() must leave no reconnect timer behind";
}

TEST(ControlChannelTest, RefusedTokenEndsTheChannelWithTheServersReason) {
  fixture f;
  json hello;
  const json refusal = {{"op", "error"}, {"code", "unauthorized"}, {"message", "wrong token"}};
  f.make({}, f.options());
  f.run([&]() -> asio::awaitable<void> {
    auto ws = co_await accept_ws(f.acceptor);
    hello = co_await read_json(*ws);
    co_await write_json(*ws, refusal);
    co_await ws->async_close(websocket::close_reason(4001), k_use);
    f.acceptor.close();  // a retry would now be refused and reported again
  });
  EXPECT_EQ(hello["op"], "hello");
  ASSERT_EQ(f.drops.size(), 1u);
  EXPECT_FALSE(f.drops[0].will_retry);
  EXPECT_EQ(f.drops[0].close_code, 4001);
  EXPECT_EQ(f.drops[0].reason, "unauthorized: wrong token");
  EXPECT_TRUE(f.welcomes.empty());
  EXPECT_TRUE(f.io.stopped()) << "a refused channel must not keep retrying";
}

TEST(ControlChannelTest, ActionsFromAnotherThreadGrantsAndKick) {
  fixture f;
  std::thread sender;
  std::uint64_t chat_id = 0;
  std::vector<request_result> results;
  std::vector<speak_grant> grants;
  int kicked = 0;
  control_callbacks cb;
  cb.on_welcome = [&](const welcome_info&) {
    sender = std::thread([&] { chat_id = f.channel->chat_send("may I ask?", true); });
  };
  cb.on_result = [&](const request_result& r) { results.push_back(r); };
  cb.on_speak_granted = [&](const speak_grant& g) { grants.push_back(g); };
  cb.on_kicked = [&] { ++kicked; };
  f.make(std::move(cb), f.options());

  json chat;
  const json first = welcome("K1");
  const json grant = {{"op", "speak.granted"}, {"stream", "live/3-p7"}, {"publish_token", "S 3"}};
  const json kicked_frame = {{"op", "kicked"}};
  f.run([&]() -> asio::awaitable<void> {
    auto ws = co_await accept_ws(f.acceptor);
    co_await read_json(*ws);
    co_await write_json(*ws, first);
    chat = co_await read_json(*ws);
    co_await write_json(*ws, result_for(chat["id"]));
    co_await write_json(*ws, grant);
    co_await write_json(*ws, kicked_frame);
    co_await ws->async_close(websocket::close_code::normal, k_use);
    f.acceptor.close();
  });
  sender.join();

  EXPECT_EQ(chat["op"], "chat.send");
  EXPECT_EQ(chat["text"], "may I ask?");
  EXPECT_EQ(chat["to"], "teacher");
  EXPECT_EQ(chat["id"], chat_id);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].id, chat_id);
  EXPECT_TRUE(results[0].ok);
  ASSERT_EQ(grants.size(), 1u);
  EXPECT_EQ(grants[0].publish_url, "rtmp://127.0.0.1:1935/live/3-p7?token=S%203");
  EXPECT_EQ(kicked, 1);
  ASSERT_EQ(f.drops.size(), 1u);
  EXPECT_FALSE(f.drops[0].will_retry);
  EXPECT_EQ(f.drops[0].reason, "removed from the room by the teacher");
  EXPECT_TRUE(f.io.stopped()) << "a kicked channel must not reconnect";
}

TEST(ControlChannelTest, GapResyncsAndOwnWritesLandAtTheirVersion) {
  fixture f;
  std::vector<json> from_client;
  std::uint64_t set_id = 0;
  control_callbacks cb;
  cb.on_state_changed = [&](const std::string& so) {
    const auto v = f.channel->objects().version(so);
    if (v == 6 && set_id == 0) set_id = f.channel->so_set("quiz", "mine", 42);
    if (v == 7) f.channel->stop();
  };
  f.make(std::move(cb), f.options());
  f.channel->so_connect("quiz", false);
  const json first = welcome("K1");
  const json state = {{"op", "so.state"}, {"so", "quiz"}, {"version", 3}, {"slots", {{"a", 1}}}};
  const json hole = so_change(6, "a", 6);  // versions 4 and 5 never arrived
  json catch_up = so_change(6, "a", 4);
  catch_up["changes"].push_back({{"slot", "b"}, {"value", 5}});
  catch_up["changes"].push_back({{"slot", "a"}, {"value", 6}});
  f.run([&]() -> asio::awaitable<void> {
    auto ws = co_await accept_ws(f.acceptor);
    co_await read_json(*ws);
    co_await write_json(*ws, first);
    co_await read_json(*ws);  // so.connect version 0
    co_await write_json(*ws, state);
    co_await write_json(*ws, hole);
    from_client.push_back(co_await read_json(*ws));  // the resync
    co_await write_json(*ws, catch_up);
    from_client.push_back(co_await read_json(*ws));  // the so.set
    json ok = result_for(from_client.back()["id"]);
    ok["op"] = "so.result";
    ok["version"] = 7;
    co_await write_json(*ws, ok);
    co_await read_json(*ws);  // until the client's close
    f.acceptor.close();
  });
  ASSERT_EQ(from_client.size(), 2u);
  EXPECT_EQ(from_client[0]["op"], "so.connect");
  EXPECT_EQ(from_client[0]["version"], 3);  // what it holds, so only 4..6 come back
  EXPECT_EQ(from_client[1]["op"], "so.set");
  EXPECT_EQ(from_client[1]["id"], set_id);
  const auto* quiz = f.channel->objects().find("quiz");
  ASSERT_NE(quiz, nullptr);
  EXPECT_EQ(quiz->version, 7u);
  EXPECT_EQ(quiz->slots, json({{"a", 6}, {"b", 5}, {"mine", 42}}));
}

TEST(ControlChannelTest, OutgoingQueueIsBounded) {
  asio::io_context io;
  control_options o;
  o.ws_url = "ws://127.0.0.1:9/api/v1/ws?token=T";  // never started: nothing is sent
  o.max_queued_frames = 4;
  control_channel channel(io, o, {});
  for (int i = 0; i < 10; ++i) channel.chat_send("hi");
  io.run();
  EXPECT_EQ(channel.dropped_frames(), 6u);
}

TEST(ControlChannelTest, BadUrlIsReportedOnce) {
  asio::io_context io;
  std::vector<disconnect_info> drops;
  control_callbacks cb;
  cb.on_disconnected = [&](const disconnect_info& d) { drops.push_back(d); };
  control_options o;
  o.ws_url = "wss://127.0.0.1/api/v1/ws";
  control_channel channel(io, o, std::move(cb));
  channel.start();
  io.run();
  ASSERT_EQ(drops.size(), 1u);
  EXPECT_FALSE(drops[0].will_retry);
  EXPECT_NE(drops[0].reason.find("not supported yet"), std::string::npos);
}

}  // namespace
}  // namespace lectern::client
