// WebSocket connections over real sockets: echo, shared broadcast frames, slow and
// misbehaving peers, on_close bookkeeping, and shutdown.
#include <boost/beast/core/buffers_to_string.hpp>
#include <condition_variable>
#include <map>
#include <mutex>

#include "http_test_util.hpp"
#include "ws_connection.hpp"

namespace lectern::server::test {
namespace {

// What the server-side handlers saw, shared with the test thread.
struct ws_recorder {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::shared_ptr<ws_connection>> open;  // in upgrade order
  std::map<std::uint64_t, std::vector<std::string>> closes;

  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, k_client_deadline, [&] { return pred(); });
  }
  std::vector<std::string> closes_of(std::uint64_t id) {
    std::lock_guard lock(mutex);
    return closes[id];
  }
};

// Echoes texts that start with "echo:"; records on_close.
class echo_handler : public ws_connection::handler {
 public:
  echo_handler(std::weak_ptr<ws_connection> c, std::uint64_t id, ws_recorder& r)
      : conn_(std::move(c)), id_(id), rec_(r) {}
  void on_text(std::string_view m) override {
    if (!m.starts_with("echo:")) return;
    if (auto c = conn_.lock()) c->send(std::make_shared<const std::string>(m));
  }
  void on_close(std::string_view reason) override {
    std::lock_guard lock(rec_.mutex);
    rec_.closes[id_].emplace_back(reason);
    rec_.changed.notify_all();
  }

 private:
  std::weak_ptr<ws_connection> conn_;
  std::uint64_t id_;
  ws_recorder& rec_;
};

// A WebSocket client; every operation ends within the deadline (run_client).
class ws_client {
 public:
  explicit ws_client(const tcp::endpoint& ep, int receive_buffer = 0, std::string target = "/ws")
      : ws_(ioc_) {
    auto& tcp_layer = beast::get_lowest_layer(ws_);
    tcp_layer.socket().open(tcp::v4());
    // A small receive window lets a client that never reads fill the path quickly.
    if (receive_buffer) {
      tcp_layer.socket().set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    }
    tcp_layer.expires_after(k_client_deadline);
    tcp_layer.connect(ep);
    tcp_layer.expires_never();
    ws_.set_option(
        websocket::stream_base::timeout{k_client_deadline, websocket::stream_base::none(), false});
    run_client(ioc_, [&]() -> asio::awaitable<void> {
      co_await ws_.async_handshake("127.0.0.1", target, asio::use_awaitable);
    }());
  }

  void write(std::string text, bool binary = false) {
    ws_.binary(binary);
    run_client(ioc_, [&]() -> asio::awaitable<void> {
      co_await ws_.async_write(asio::buffer(text), asio::use_awaitable);
    }());
  }

  /// The next message; nullopt once the connection ended (see error() and close_code()).
  std::optional<std::string> read() {
    return run_client(ioc_, [&]() -> asio::awaitable<std::optional<std::string>> {
      beast::flat_buffer b;
      auto [ec, n] = co_await ws_.async_read(b, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        error_ = ec;
        co_return std::nullopt;
      }
      co_return beast::buffers_to_string(b.data());
    }());
  }

  /// Reads (at most `limit` messages) until the connection ends; returns the close code.
  int read_until_closed(int limit = 100'000) {
    for (int i = 0; i < limit && read(); ++i) {
    }
    return close_code();
  }

  void close(std::uint16_t code) {
    run_client(ioc_, [&]() -> asio::awaitable<void> {
      co_await ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code)),
                               asio::use_awaitable);
    }());
  }

  /// The code of the close frame received; -1 if none arrived. Beast 1.81's server-side
  /// teardown after a protocol violation may close its socket with our reply unread, so the
  /// read can end with ENOTCONN after the close frame did arrive: the frame is what counts.
  int close_code() const {
    const auto code = ws_.reason().code;
    return code != websocket::close_code::none ? code : -1;
  }
  boost::system::error_code error() const { return error_; }

 private:
  asio::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
  boost::system::error_code error_;
};

class WsConnection : public ::testing::Test {
 protected:
  void start(http_limits limits = test_limits()) {
    server_.router.add_websocket(
        "/ws",
        [this](request_context&, std::shared_ptr<ws_connection> ws) -> asio::awaitable<void> {
          ws->set_handler(std::make_shared<echo_handler>(ws, ws->id(), rec_));
          std::lock_guard lock(rec_.mutex);
          rec_.open.push_back(ws);
          rec_.changed.notify_all();
          co_return;
        });
    server_.router.add_websocket(
        "/ws/nohandler",
        [](request_context&, std::shared_ptr<ws_connection>) -> asio::awaitable<void> {
          co_return;
        });
    server_.start(limits);
  }
  void TearDown() override {
    server_.stop();
    rec_.open.clear();  // before the contexts go: the connections hold their sockets
  }

  std::shared_ptr<ws_connection> connection(std::size_t i) {
    EXPECT_TRUE(rec_.wait([&] { return rec_.open.size() > i; }));
    std::lock_guard lock(rec_.mutex);
    return rec_.open.at(i);
  }

  ws_recorder rec_;
  test_server server_;
};

TEST_F(WsConnection, EchoRoundTrip) {
  start();
  ws_client c(server_.endpoint());
  c.write("ignored");
  c.write("echo:hello");
  EXPECT_EQ(c.read(), "echo:hello");
  c.write("echo:" + std::string(60'000, 'x'));  // near the 64 KiB limit
  EXPECT_EQ(c.read()->size(), 60'005u);
  EXPECT_EQ(connection(0)->peer(), "127.0.0.1");
}

TEST_F(WsConnection, OneSharedFrameReachesThreeConnectionsInOrder) {
  start();
  std::vector<std::unique_ptr<ws_client>> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(std::make_unique<ws_client>(server_.endpoint()));
  std::vector<std::shared_ptr<ws_connection>> conns;
  for (std::size_t i = 0; i < 3; ++i) conns.push_back(connection(i));
  for (int n = 0; n < 50; ++n) {
    // Encoded once, handed to every connection.
    const auto frame = std::make_shared<const std::string>("event " + std::to_string(n));
    for (auto& c : conns) c->send(frame);
  }
  for (auto& client : clients) {
    for (int n = 0; n < 50; ++n) ASSERT_EQ(client->read(), "event " + std::to_string(n));
  }
}

TEST_F(WsConnection, ClientThatNeverReadsIsClosedAsTooSlowWhileAnotherKeepsReceiving) {
  auto limits = test_limits();
  limits.ws_max_queued_bytes = 256 * 1024;
  limits.ws_close_timeout = 5s;
  start(limits);
  ws_client slow(server_.endpoint(), 4096);
  const auto slow_conn = connection(0);
  ws_client fast(server_.endpoint());
  const auto fast_conn = connection(1);
  const auto slow_closed = [&] { return !rec_.closes_of(slow_conn->id()).empty(); };
  const auto frame = std::make_shared<const std::string>(32 * 1024, 'm');
  // Socket buffers absorb a few MB before the queue grows; the fast client reads every frame.
  int sent = 0;
  for (; sent < 4000 && !slow_closed(); ++sent) {
    slow_conn->send(frame);
    fast_conn->send(frame);
    ASSERT_EQ(fast.read()->size(), frame->size());
  }
  ASSERT_TRUE(rec_.wait([&] { return !rec_.closes[slow_conn->id()].empty(); }))
      << "after " << sent << " frames";
  EXPECT_EQ(rec_.closes_of(slow_conn->id()), std::vector<std::string>{"too slow"});
  // The fast client is unaffected.
  fast_conn->send(std::make_shared<const std::string>("still here"));
  EXPECT_EQ(fast.read(), "still here");
  EXPECT_TRUE(rec_.closes_of(fast_conn->id()).empty());
  // What was already on its way arrives, then the close frame with the reason code.
  EXPECT_EQ(slow.read_until_closed(), ws_connection::k_too_slow);
}

TEST_F(WsConnection, OversizedMessageClosesWith1009) {
  auto limits = test_limits();
  limits.ws_max_message_bytes = 1024;
  start(limits);
  ws_client c(server_.endpoint());
  c.write(std::string(2000, 'x'));
  EXPECT_EQ(c.read_until_closed(), 1009) << c.error().message();
  const auto id = connection(0)->id();
  ASSERT_TRUE(rec_.wait([&] { return !rec_.closes[id].empty(); }));
  EXPECT_EQ(rec_.closes_of(id), std::vector<std::string>{"message too big"});
}

TEST_F(WsConnection, BinaryMessageClosesWith1003) {
  start();
  ws_client c(server_.endpoint());
  c.write("binary", true);
  EXPECT_EQ(c.read_until_closed(), 1003);
}

TEST_F(WsConnection, OnCloseIsCalledExactlyOnceWhoeverCloses) {
  start();
  // Each connection is awaited before the next one: two worker threads may otherwise run
  // the upgrades in either order.
  ws_client by_peer(server_.endpoint());
  const auto a = connection(0);
  ws_client by_server(server_.endpoint());
  const auto b = connection(1);

  by_peer.close(1000);
  ASSERT_TRUE(rec_.wait([&] { return !rec_.closes[a->id()].empty(); }));
  a->close(4001, "late");  // after the end: ignored
  a->send(std::make_shared<const std::string>("late"));

  b->send(std::make_shared<const std::string>("queued first"));
  b->close(4001, "bye");
  b->close(4002, "twice");
  EXPECT_EQ(by_server.read(), "queued first");
  EXPECT_EQ(by_server.read_until_closed(), 4001);

  ASSERT_TRUE(server_.stop());  // every connection has ended: no more calls can come
  EXPECT_EQ(rec_.closes_of(a->id()), std::vector<std::string>{"closed by peer (1000)"});
  EXPECT_EQ(rec_.closes_of(b->id()), std::vector<std::string>{"bye"});
}

TEST_F(WsConnection, RouteThatSetsNoHandlerClosesWith1011) {
  start();
  ws_client c(server_.endpoint(), 0, "/ws/nohandler");
  EXPECT_EQ(c.read_until_closed(), 1011);
}

TEST_F(WsConnection, IdlePeerIsClosed) {
  auto limits = test_limits();
  limits.ws_ping_interval = 50ms;
  limits.ws_idle_timeout = 200ms;
  start(limits);
  ws_client c(server_.endpoint());  // does not read, so it never answers the pings
  const auto id = connection(0)->id();
  ASSERT_TRUE(rec_.wait([&] { return !rec_.closes[id].empty(); }));
  EXPECT_EQ(rec_.closes_of(id), std::vector<std::string>{"idle timeout"});
  EXPECT_EQ(c.read_until_closed(), ws_connection::k_idle_timeout);
}

TEST_F(WsConnection, StopClosesWebSocketsAndHttpConnections) {
  start();
  ws_client w1(server_.endpoint());
  ws_client w2(server_.endpoint());
  test_client h(server_.endpoint());
  EXPECT_EQ(h.get("/nothing").result(), http::status::not_found);
  const auto a = connection(0);
  const auto b = connection(1);
  EXPECT_EQ(server_.server().connections(), 3u);
  server_.server().stop();
  EXPECT_EQ(w1.read_until_closed(), 1001);
  EXPECT_EQ(w2.read_until_closed(), 1001);
  EXPECT_TRUE(closed_by_server(h.read_until_closed()));
  EXPECT_TRUE(server_.stop());  // the worker contexts ran out of work
  EXPECT_EQ(rec_.closes_of(a->id()), std::vector<std::string>{"server shutting down"});
  EXPECT_EQ(rec_.closes_of(b->id()), std::vector<std::string>{"server shutting down"});
}

}  // namespace
}  // namespace lectern::server::test
