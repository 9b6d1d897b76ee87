#include "http_load.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdio>

namespace lectern::bench {

namespace beast = boost::beast;
namespace http = beast::http;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

// A connection that fails this many times in a row (refused, reset at once) gives up: the
// run is bounded anyway, but a tight reconnect loop would only measure the failure.
constexpr int k_max_failures_in_row = 20;

std::string make_request(const http_get_options& o) {
  std::string r = "GET ";
  r += o.path + " HTTP/1.1\r\nHost: " + o.server.endpoint() + "\r\n";
  r += "User-Agent: lectern-bench\r\nAccept: application/json\r\n";
  if (!o.bearer.empty()) r += "Authorization: Bearer " + o.bearer + "\r\n";
  r += "\r\n";
  return r;
}

}  // namespace

http_conn::http_conn(const asio::any_io_executor& ex, int id, const target& server,
                     const std::string& request, std::atomic<std::uint64_t>& answered)
    : server_(server), request_(request), answered_(answered), stream_(ex) {
  stats_.id = id;
  stats_.latency = sample_set(65536, static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ULL);
}

void http_conn::stop() {
  stopped_ = true;
  stream_.close();
}

void http_conn::fail(const boost::system::error_code& ec, const char* what) {
  ++stats_.io_errors;
  ++failures_in_row_;
  stats_.error = what;
  stats_.error += " " + server_.endpoint() + ": " + ec.message();
  stream_.close();
  open_ = false;
}

asio::awaitable<bool> http_conn::ensure_open() {
  if (open_) co_return true;
  const asio::ip::tcp::endpoint ep{asio::ip::make_address(server_.host), server_.port};
  auto [ec] = co_await stream_.async_connect(ep, as_tuple(use_awaitable));
  if (ec) {
    if (!stopped_) fail(ec, "cannot connect to");
    co_return false;
  }
  stream_.socket().set_option(asio::ip::tcp::no_delay(true));
  ++stats_.connects;
  buffer_.clear();
  open_ = true;
  co_return true;
}

asio::awaitable<void> http_conn::run() {
  while (!stopped_ && failures_in_row_ < k_max_failures_in_row) {
    if (!co_await ensure_open()) continue;
    const auto t0 = clock::now();
    auto [wec, wn] =
        co_await asio::async_write(stream_, asio::buffer(request_), as_tuple(use_awaitable));
    if (wec) {
      if (!stopped_) fail(wec, "writing to");
      continue;
    }
    http::response<http::string_body> res;
    auto [rec, rn] = co_await http::async_read(stream_, buffer_, res, as_tuple(use_awaitable));
    if (rec) {
      if (!stopped_) fail(rec, "reading from");
      continue;
    }
    failures_in_row_ = 0;
    stats_.latency.add(static_cast<float>(ms_between(t0, clock::now())));
    ++stats_.requests;
    ++stats_.statuses[res.result_int()];
    if (res.result_int() / 100 == 2) ++stats_.ok;
    answered_.fetch_add(1, std::memory_order_relaxed);
    if (!res.keep_alive()) {
      stream_.close();
      open_ = false;
    }
  }
}

http_get_run::http_get_run(const http_get_options& o) : opt_(o), request_(make_request(o)) {
  for (int i = 0; i < o.threads; ++i) workers_.push_back(std::make_unique<worker>());
  for (int i = 0; i < o.connections; ++i) {
    worker& w = *workers_[static_cast<std::size_t>(i) % workers_.size()];
    w.conns.push_back(
        std::make_unique<http_conn>(w.ioc.get_executor(), i, opt_.server, request_, answered_));
  }
}

http_get_run::~http_get_run() {
  for (auto& w : workers_) {
    w->ioc.stop();
    if (w->thread.joinable()) w->thread.join();
  }
}

void http_get_run::run() {
  const auto start = clock::now();
  const auto end = start + std::chrono::duration_cast<clock::duration>(
                               std::chrono::duration<double>(opt_.duration_s));
  for (auto& wp : workers_) {
    worker* w = wp.get();
    w->deadline.expires_at(end);
    w->deadline.async_wait([w](const boost::system::error_code&) {
      for (auto& c : w->conns) c->stop();
    });
    for (auto& c : w->conns) asio::co_spawn(w->ioc, c->run(), asio::detached);
    w->thread = std::thread([w] { w->ioc.run(); });
  }
  watch(end);
  // The deadline closed every socket, which ends every connection's loop and so the threads.
  for (auto& w : workers_) w->thread.join();
  elapsed_s_ = std::min(ms_between(start, clock::now()), opt_.duration_s * 1000) / 1000;
}

void http_get_run::watch(clock::time_point end) {
  const auto start = clock::now();
  auto last = start;
  std::uint64_t last_n = 0;
  while (clock::now() < end) {
    std::this_thread::sleep_until(std::min(end, last + std::chrono::seconds(1)));
    const auto now = clock::now();
    const std::uint64_t n = answered_.load(std::memory_order_relaxed);
    if (!opt_.quiet && now < end)
      std::fprintf(stderr, "[%5.1fs] %d connections | %llu requests, %.0f/s\n",
                   ms_between(start, now) / 1000, opt_.connections,
                   static_cast<unsigned long long>(n),
                   (n - last_n) / (ms_between(last, now) / 1000));
    last = now;
    last_n = n;
  }
}

std::vector<const http_conn_stats*> http_get_run::connections() const {
  std::vector<const http_conn_stats*> out(static_cast<std::size_t>(opt_.connections));
  for (const auto& w : workers_)
    for (const auto& c : w->conns) out[static_cast<std::size_t>(c->stats().id)] = &c->stats();
  return out;
}

}  // namespace lectern::bench
