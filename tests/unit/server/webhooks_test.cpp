// Webhooks: a loopback Beast HTTP server inside the test receives the deliveries; checks the
// body, headers and signature, retries with backoff, giving up, the pending bound and stop().
#include "webhooks.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lectern/net/use_tuple.hpp"
#include "log.hpp"
#include "metrics.hpp"

namespace lectern::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using namespace std::chrono_literals;

using lectern::net::k_use;
constexpr auto k_wait_limit = 10s;  // generous: a loaded CI machine, never reached when working
constexpr std::string_view k_secret = "test-secret-0123456789";

// An HTTP server on 127.0.0.1, port 0, on its own thread. answer(n) is the status for the n-th
// request (from 0); 0 holds the connection unanswered until release_held().
class loopback_receiver {
 public:
  explicit loopback_receiver(std::function<int(std::size_t)> answer)
      : answer_(std::move(answer)), acceptor_(context_, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(context_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { context_.run(); });
  }
  ~loopback_receiver() {
    context_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(std::string_view target = "/hook") const {
    std::string out = "http://127.0.0.1:" + std::to_string(port());
    out += target;
    return out;
  }

  // Waits until n requests have arrived; false if they did not within the limit.
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, k_wait_limit, [&] { return requests_.size() >= n; });
  }
  std::vector<http::request<http::string_body>> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<std::chrono::steady_clock::time_point> arrival_times() const {
    std::lock_guard lock(mutex_);
    return times_;
  }
  void release_held() {
    asio::post(context_, [this] {
      for (auto* timer : held_) timer->cancel();
    });
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(k_use);
      if (ec) co_return;
      asio::co_spawn(context_, session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    const auto [read_ec, read] = co_await http::async_read(stream, buffer, request, k_use);
    if (read_ec) co_return;
    std::size_t index = 0;
    {
      std::lock_guard lock(mutex_);
      index = requests_.size();
      requests_.push_back(request);
      times_.push_back(std::chrono::steady_clock::now());
    }
    arrived_.notify_all();
    int status = answer_(index);
    if (status == 0) {
      asio::steady_timer hold(context_, std::chrono::steady_clock::time_point::max());
      held_.insert(&hold);
      co_await hold.async_wait(k_use);
      held_.erase(&hold);
      status = 200;
    }
    http::response<http::string_body> response;
    response.result(static_cast<unsigned>(status));
    if (status != 204) response.body() = "thanks";  // a 204 has no body
    response.prepare_payload();
    co_await http::async_write(stream, response, k_use);
  }

  std::function<int(std::size_t)> answer_;
  asio::io_context context_;
  tcp::acceptor acceptor_;
  std::set<asio::steady_timer*> held_;  // only on the server thread
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<http::request<http::string_body>> requests_;
  std::vector<std::chrono::steady_clock::time_point> times_;
  std::thread thread_;
};

// Counts on_delivery_end calls so a test can wait for a delivery to end.
class end_counter {
 public:
  std::function<void()> callback() {
    return [this] {
      {
        std::lock_guard lock(mutex_);
        ++ended_;
      }
      changed_.notify_all();
    };
  }
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, k_wait_limit, [&] { return ended_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t ended_ = 0;
};

webhook_url url_of(const std::string& text) {
  std::string error;
  auto url = parse_webhook_url(text, error);
  if (!url) throw std::invalid_argument(error);
  return *url;
}

webhook_settings settings_for(std::vector<std::string> urls) {
  webhook_settings s;
  for (const auto& u : urls) s.urls.push_back(url_of(u));
  s.secret = std::string(k_secret);
  s.user_agent = "lectern/test";
  s.first_backoff = 10ms;
  return s;
}

// A port nothing listens on: bound to learn a free number, then closed.
std::uint16_t closed_port() {
  asio::io_context context;
  tcp::acceptor acceptor(context, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

// HMAC-SHA256 as a receiver computes it, independently of webhook_signature().
std::string receiver_signature(const std::string& timestamp, const std::string& body) {
  const std::string message = timestamp + "." + body;
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), k_secret.data(), static_cast<int>(k_secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(), &size);
  std::ostringstream hex;
  for (unsigned i = 0; i < size; ++i) {
    hex << "0123456789abcdef"[mac[i] >> 4] << "0123456789abcdef"[mac[i] & 15];
  }
  return "sha256=" + hex.str();
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct quiet_log {
  std::ostringstream out;
  logger log{log_level::debug, out};
};

TEST(webhooks, delivers_a_signed_event_with_the_documented_headers) {
  loopback_receiver receiver([](std::size_t) { return 204; });
  quiet_log q;
  webhooks hooks(settings_for({receiver.url("/hooks/lectern?site=7")}), q.log);
  const auto before_ms = now_seconds() * 1000;
  hooks.emit(k_event_class_started, {{"class_id", 42}, {"title", "Maths \"101\""}});
  ASSERT_TRUE(receiver.wait_for(1));
  hooks.stop();  // lets the request in flight finish, so the counters are final

  const auto request = receiver.requests().at(0);
  EXPECT_EQ(request.method(), http::verb::post);
  EXPECT_EQ(request.target(), "/hooks/lectern?site=7");
  EXPECT_EQ(request[http::field::host], "127.0.0.1:" + std::to_string(receiver.port()));
  EXPECT_EQ(request[http::field::content_type], "application/json");
  EXPECT_EQ(request[http::field::user_agent], "lectern/test");
  EXPECT_EQ(request["X-Lectern-Event"], "class.started");

  const auto body = nlohmann::json::parse(request.body());
  EXPECT_EQ(body.at("type"), "class.started");
  EXPECT_EQ(body.at("data"), (nlohmann::json{{"class_id", 42}, {"title", "Maths \"101\""}}));
  const std::string id = body.at("id");
  EXPECT_TRUE(id.starts_with("evt_")) << id;
  EXPECT_EQ(id.size(), 4u + 32u);
  EXPECT_EQ(request["X-Lectern-Delivery"], id);
  EXPECT_GE(body.at("created_at").get<std::int64_t>(), before_ms);
  EXPECT_LE(body.at("created_at").get<std::int64_t>(), (now_seconds() + 1) * 1000);

  const std::string timestamp(request["X-Lectern-Timestamp"]);
  EXPECT_LE(std::abs(std::stoll(timestamp) - now_seconds()), 5);
  EXPECT_EQ(request["X-Lectern-Signature"], receiver_signature(timestamp, request.body()));
  EXPECT_NE(request["X-Lectern-Signature"], receiver_signature(timestamp, request.body() + " "));

  EXPECT_EQ(hooks.counters().delivered, 1u);
  EXPECT_EQ(hooks.counters().retried, 0u);
}

TEST(webhooks, every_url_gets_every_event_with_a_fresh_id) {
  loopback_receiver a([](std::size_t) { return 200; });
  loopback_receiver b([](std::size_t) { return 200; });
  quiet_log q;
  webhooks hooks(settings_for({a.url(), b.url()}), q.log);
  hooks.emit(k_event_participant_joined, {{"user", 1}});
  hooks.emit(k_event_participant_left, {{"user", 1}});
  ASSERT_TRUE(a.wait_for(2));
  ASSERT_TRUE(b.wait_for(2));
  hooks.stop();
  std::set<std::string> ids_a;
  std::set<std::string> ids_b;
  for (const auto& r : a.requests()) ids_a.insert(std::string(r["X-Lectern-Delivery"]));
  for (const auto& r : b.requests()) ids_b.insert(std::string(r["X-Lectern-Delivery"]));
  EXPECT_EQ(ids_a.size(), 2u);  // two events, two ids
  EXPECT_EQ(ids_a, ids_b);      // the same event has the same id at every URL
  EXPECT_EQ(hooks.counters().delivered, 4u);
}

TEST(webhooks, retries_with_backoff_until_a_2xx) {
  loopback_receiver receiver([](std::size_t n) { return n < 2 ? 500 : 200; });
  quiet_log q;
  end_counter ended;
  auto settings = settings_for({receiver.url()});
  settings.first_backoff = 40ms;
  settings.on_delivery_end = ended.callback();
  webhooks hooks(std::move(settings), q.log);
  hooks.emit(k_event_recording_ready, {{"recording", "r1"}});
  ASSERT_TRUE(ended.wait_for(1));
  hooks.stop();

  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.body(), requests[0].body());  // the same event each time
    EXPECT_EQ(r["X-Lectern-Delivery"], requests[0]["X-Lectern-Delivery"]);
    EXPECT_EQ(r["X-Lectern-Signature"],
              receiver_signature(std::string(r["X-Lectern-Timestamp"]), r.body()));
  }
  const auto times = receiver.arrival_times();
  EXPECT_GE(times[1] - times[0], 40ms);  // first_backoff
  EXPECT_GE(times[2] - times[1], 80ms);  // doubled
  const auto c = hooks.counters();
  EXPECT_EQ(c.delivered, 1u);
  EXPECT_EQ(c.retried, 2u);
  EXPECT_EQ(c.failed, 0u);
}

TEST(webhooks, gives_up_on_a_closed_port_after_the_retries) {
  quiet_log q;
  end_counter ended;
  auto settings = settings_for({"http://127.0.0.1:" + std::to_string(closed_port()) + "/x"});
  settings.first_backoff = 1ms;
  settings.on_delivery_end = ended.callback();
  webhooks hooks(std::move(settings), q.log);
  hooks.emit(k_event_class_ended, {{"class_id", 1}});
  ASSERT_TRUE(ended.wait_for(1));
  const auto c = hooks.counters();
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.retried, 5u);  // six attempts in all
  EXPECT_EQ(c.delivered, 0u);
  EXPECT_EQ(hooks.pending(), 0u);
  EXPECT_NE(q.out.str().find("gave up on class.ended"), std::string::npos) << q.out.str();
  EXPECT_NE(q.out.str().find("after 6 attempts"), std::string::npos) << q.out.str();
}

TEST(webhooks, the_pending_bound_drops_the_oldest) {
  loopback_receiver receiver([](std::size_t n) { return n == 0 ? 0 : 200; });
  quiet_log q;
  auto settings = settings_for({receiver.url()});
  settings.max_pending = 3;
  settings.max_in_flight_per_url = 1;
  webhooks hooks(std::move(settings), q.log);
  hooks.emit(k_event_participant_joined, {{"n", 1}});
  ASSERT_TRUE(receiver.wait_for(1));  // n=1 is in flight (held), so the rest must wait
  for (int n = 2; n <= 6; ++n) hooks.emit(k_event_participant_joined, {{"n", n}});
  EXPECT_EQ(hooks.counters().dropped, 2u);
  EXPECT_EQ(hooks.pending(), 3u);
  // The warning is rate-limited: the first drop is reported at once, the second later.
  EXPECT_NE(q.out.str().find("dropped 1 oldest pending"), std::string::npos) << q.out.str();

  receiver.release_held();
  ASSERT_TRUE(receiver.wait_for(4));
  hooks.stop();
  std::vector<int> received;
  for (const auto& r : receiver.requests()) {
    received.push_back(nlohmann::json::parse(r.body()).at("data").at("n"));
  }
  EXPECT_EQ(received, (std::vector<int>{1, 4, 5, 6}));  // 2 and 3 were the oldest waiting
  EXPECT_EQ(hooks.counters().delivered, 4u);
}

TEST(webhooks, stop_returns_promptly_with_deliveries_in_flight) {
  loopback_receiver receiver([](std::size_t) { return 0; });  // never answers
  quiet_log q;
  auto settings =
      settings_for({receiver.url(), "http://127.0.0.1:" + std::to_string(closed_port()) + "/x"});
  settings.first_backoff = 60s;  // the closed port's retry would wait a minute
  settings.stop_grace = 300ms;
  webhooks hooks(std::move(settings), q.log);
  for (int i = 0; i < 3; ++i) hooks.emit(k_event_class_started, {{"i", i}});
  ASSERT_TRUE(receiver.wait_for(3));
  const auto start = std::chrono::steady_clock::now();
  hooks.stop();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 250ms);  // it gave the requests in flight their grace
  EXPECT_LT(elapsed, 2s);     // and did not wait for the 10 s deadline or the retries
  EXPECT_EQ(hooks.counters().delivered, 0u);
  EXPECT_EQ(hooks.pending(), 0u);
  hooks.emit(k_event_class_ended, {});  // after stop(): ignored, no crash
  EXPECT_EQ(hooks.pending(), 0u);
}

TEST(webhooks, without_urls_emit_does_nothing) {
  quiet_log q;
  webhooks hooks(webhook_settings{}, q.log);
  hooks.emit(k_event_class_started, {});
  EXPECT_EQ(hooks.pending(), 0u);
  hooks.stop();
  EXPECT_EQ(hooks.counters().delivered + hooks.counters().dropped, 0u);
}

TEST(webhooks, https_to_a_plain_http_receiver_fails_the_handshake) {
  loopback_receiver receiver([](std::size_t) { return 200; });
  quiet_log q;
  end_counter ended;
  auto settings = settings_for({"https://127.0.0.1:" + std::to_string(receiver.port()) + "/"});
  settings.first_backoff = 1ms;
  settings.max_retries = 1;
  settings.on_delivery_end = ended.callback();
  webhooks hooks(std::move(settings), q.log);
  hooks.emit(k_event_class_started, {});
  ASSERT_TRUE(ended.wait_for(1));
  EXPECT_EQ(hooks.counters().failed, 1u);
  EXPECT_NE(q.out.str().find("TLS handshake"), std::string::npos) << q.out.str();
}

TEST(webhooks, counters_are_exposed_as_metrics) {
  quiet_log q;
  webhooks hooks(webhook_settings{}, q.log);
  metrics m;
  hooks.add_metrics(m);
  const std::string text = m.render();
  EXPECT_NE(text.find("lectern_webhook_deliveries_total{result=\"delivered\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lectern_webhook_dropped_total 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lectern_webhook_pending 0\n"), std::string::npos) << text;
}

// ------------------------------------------------------------------------ URLs and signing

TEST(webhook_url, parses_http_and_https_urls) {
  const auto a = url_of("https://Hooks.Example.com/lectern?x=1");
  EXPECT_TRUE(a.tls);
  EXPECT_EQ(a.host, "Hooks.Example.com");
  EXPECT_EQ(a.port, 443);
  EXPECT_EQ(a.target, "/lectern?x=1");
  EXPECT_EQ(a.host_header(), "Hooks.Example.com");
  const auto b = url_of("HTTP://[::1]:8080");
  EXPECT_FALSE(b.tls);
  EXPECT_EQ(b.host, "::1");
  EXPECT_EQ(b.port, 8080);
  EXPECT_EQ(b.target, "/");
  EXPECT_EQ(b.to_string(), "http://[::1]:8080/");
  EXPECT_EQ(url_of("http://h.example?q").target, "/?q");
}

TEST(webhook_url, rejects_bad_urls_with_a_reason) {
  const std::vector<std::pair<std::string, std::string>> rows{
      {"ftp://h.example/", "http:// or https://"},
      {"h.example/x", "http:// or https://"},
      {"http:///x", "no host"},
      {"http://h.example:0/", "1..65535"},
      {"http://h.example:x/", "1..65535"},
      {"http://h.example/a b", "spaces"},
      {"http://h.example/#top", "fragment"},
      {"https://user:pw@h.example/", "credentials"},
      {"http://[::1/", "unclosed"},
      {"http://h_x.example/", "only letters"},
  };
  for (const auto& [text, why] : rows) {
    std::string error;
    EXPECT_FALSE(parse_webhook_url(text, error)) << text;
    EXPECT_NE(error.find(why), std::string::npos) << text << ": " << error;
  }
}

TEST(webhook_signature, is_the_hmac_of_timestamp_dot_body) {
  // Computed with Python's hmac module: hmac.new(b"Jefe", b'1700000000.{"a":1}', sha256).
  EXPECT_EQ(webhook_signature("Jefe", 1700000000, "{\"a\":1}"),
            "sha256=fa5f6481efc59da48b19c9dc10196c9953e5651f8304b3a318b6b87d70272e0a");
  EXPECT_NE(webhook_signature("Jefe", 1700000001, "{\"a\":1}"),
            webhook_signature("Jefe", 1700000000, "{\"a\":1}"));
}

}  // namespace
}  // namespace lectern::server
