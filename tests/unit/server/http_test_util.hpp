// Helpers for the HTTP/WebSocket transport tests: an in-process server on 127.0.0.1 port 0
// run by two worker threads, and Beast clients whose every operation has a deadline.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "http_server.hpp"
#include "log.hpp"

namespace lectern::server::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

/// How long any single client operation may take before the test fails instead of hanging.
inline constexpr auto k_client_deadline = 5s;

/// Limits shortened so that timeouts show within a test's time.
inline http_limits test_limits() {
  http_limits l;
  l.request_timeout = 300ms;
  l.keep_alive_idle = 2s;
  l.ws_close_timeout = 1s;
  return l;
}

/// A server on 127.0.0.1:0 with two worker contexts, each run by its own thread.
class test_server {
 public:
  test_server() : log_(log_level::info, log_text_) {}
  ~test_server() { stop(); }

  http_router router;

  void start(const http_limits& limits = test_limits(), request_observer on_request = {}) {
    server_ =
        std::make_unique<http_server>(std::vector<asio::io_context*>{&contexts_[0], &contexts_[1]},
                                      limits, router, log_, std::move(on_request));
    endpoint_ = server_->listen(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    server_->start();
    for (auto& c : contexts_) {
      guards_.emplace_back(c.get_executor());
      runs_.push_back(std::async(std::launch::async, [&c] { c.run(); }));
    }
  }

  /// Stops the server and waits (bounded) for both contexts to run out of work, which only
  /// happens once every connection is closed. Returns false if they did not.
  bool stop() {
    if (!server_) return true;
    server_->stop();
    guards_.clear();
    bool drained = true;
    for (std::size_t i = 0; i < runs_.size(); ++i) {
      if (runs_[i].wait_for(k_client_deadline) != std::future_status::ready) {
        drained = false;
        contexts_[i].stop();
      }
      runs_[i].get();
    }
    runs_.clear();
    server_.reset();
    return drained;
  }

  http_server& server() { return *server_; }
  const tcp::endpoint& endpoint() const { return endpoint_; }
  logger& log() { return log_; }
  /// What the server logged; read it after stop() (the workers write it).
  std::string log_text() const { return log_text_.str(); }

 private:
  std::ostringstream log_text_;
  logger log_;
  asio::io_context contexts_[2];
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::future<void>> runs_;
  std::unique_ptr<http_server> server_;
  tcp::endpoint endpoint_;
};

/// Runs `op` on `ioc` until it completes (not until `ioc` runs out of work: a WebSocket keeps
/// timers), failing with an exception after k_client_deadline.
template <class T>
T run_client(asio::io_context& ioc, asio::awaitable<T> op) {
  auto f = asio::co_spawn(ioc, std::move(op), asio::use_future);
  ioc.restart();
  const auto deadline = std::chrono::steady_clock::now() + k_client_deadline;
  while (f.wait_for(0s) != std::future_status::ready) {
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("client operation did not finish in time");
    }
    ioc.run_one_until(deadline);
  }
  return f.get();
}

using response = http::response<http::string_body>;

/// An HTTP client over one connection.
class test_client {
 public:
  explicit test_client(const tcp::endpoint& ep) : stream_(ioc_) {
    stream_.expires_after(k_client_deadline);
    stream_.connect(ep);
  }

  http_request make(http::verb method, std::string target, std::string body = {}) const {
    http_request req(method, target, 11);
    req.set(http::field::host, "127.0.0.1");
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = std::move(body);
    }
    req.prepare_payload();
    return req;
  }

  response request(const http_request& req) {
    send(req);
    return read_response(req.method() == http::verb::head);
  }
  response get(std::string target) { return request(make(http::verb::get, std::move(target))); }

  void send(const http_request& req) {
    run_client(ioc_, [&]() -> asio::awaitable<void> {
      stream_.expires_after(k_client_deadline);
      co_await http::async_write(stream_, req, asio::use_awaitable);
    }());
  }

  void send_raw(std::string bytes) {
    run_client(ioc_, [&]() -> asio::awaitable<void> {
      stream_.expires_after(k_client_deadline);
      co_await asio::async_write(stream_, asio::buffer(bytes), asio::use_awaitable);
    }());
  }

  response read_response(bool head = false) {
    return run_client(ioc_, [&]() -> asio::awaitable<response> {
      http::response_parser<http::string_body> parser;
      parser.body_limit(64u << 20);
      parser.skip(head);  // a HEAD answer has a Content-Length but no body
      stream_.expires_after(k_client_deadline);
      co_await http::async_read(stream_, buffer_, parser, asio::use_awaitable);
      co_return parser.release();
    }());
  }

  /// Reads until the server closes; returns what ended the read (eof or reset if the server
  /// closed, beast::error::timeout if it did not within the deadline).
  boost::system::error_code read_until_closed() {
    return run_client(ioc_, [&]() -> asio::awaitable<boost::system::error_code> {
      stream_.expires_after(k_client_deadline);
      char sink[4096];
      for (;;) {
        auto [ec, n] = co_await stream_.async_read_some(asio::buffer(sink),
                                                        asio::as_tuple(asio::use_awaitable));
        if (ec) co_return ec;
      }
    }());
  }

 private:
  asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

inline bool closed_by_server(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset;
}

}  // namespace lectern::server::test
