// One webhook POST over a fresh HTTP or HTTPS connection, with a connect timeout, a total
// deadline and an abort() for shutdown. The retry policy lives in webhooks.cpp.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "webhook_event.hpp"

namespace lectern::server {

/// How one POST ended.
struct webhook_response {
  int status = 0;     ///< HTTP status; 0 when no response arrived
  std::string error;  ///< why it failed when status is 0 (network, TLS, timeout)

  bool delivered() const noexcept { return status >= 200 && status <= 299; }
};

/// The request for `event` sent at Unix time `timestamp` (seconds), signed with `secret`.
boost::beast::http::request<boost::beast::http::string_body> make_webhook_request(
    const webhook_url& url, const webhook_event& event, std::string_view secret,
    std::string_view user_agent, std::int64_t timestamp);

/// An HTTPS client context: TLS 1.2 or later, peers verified against the system trust store.
boost::asio::ssl::context make_webhook_tls_context();

/// One attempt to deliver one request to one URL. Used from a single thread (its executor's).
class webhook_attempt : public std::enable_shared_from_this<webhook_attempt> {
 public:
  webhook_attempt(boost::asio::any_io_executor executor, boost::asio::ssl::context& tls,
                  webhook_url url, std::chrono::milliseconds connect_timeout,
                  std::chrono::milliseconds total_timeout);

  /// Connects, sends `request` and reads the status; never throws for network errors.
  boost::asio::awaitable<webhook_response> run(
      boost::beast::http::request<boost::beast::http::string_body> request);

  /// Cancels whatever run() is waiting for; run() then returns promptly with an error.
  void abort();

 private:
  template <class Stream>
  boost::asio::awaitable<webhook_response> exchange(
      Stream& stream, boost::beast::http::request<boost::beast::http::string_body>& request);

  boost::asio::any_io_executor executor_;
  boost::asio::ssl::context& tls_;
  webhook_url url_;
  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds total_timeout_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer deadline_;
  boost::asio::ip::tcp::socket* socket_ = nullptr;  // the live connection's, for abort()
  bool aborted_ = false;
  bool timed_out_ = false;
};

}  // namespace lectern::server
