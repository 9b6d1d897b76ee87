#include "webhook_client.hpp"
#include "lectern/net/use_tuple.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <type_traits>

#include <openssl/ssl.h>

namespace lectern::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

using lectern::net::k_use;
// A receiver answers with a status and perhaps a short text; nothing larger is worth reading.
constexpr std::uint64_t k_max_response_body = 64 * 1024;

webhook_response failure(std::string what, const beast::error_code& ec) {
  what += ": ";
  what += ec.message();
  return {0, std::move(what)};
}

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

http::request<http::string_body> make_webhook_request(const webhook_url& url,
                                                      const webhook_event& event,
                                                      std::string_view secret,
                                                      std::string_view user_agent,
                                                      std::int64_t timestamp) {
  http::request<http::string_body> request{http::verb::post, url.target, 11};
  request.set(http::field::host, url.host_header());
  request.set(http::field::user_agent, user_agent);
  request.set(http::field::content_type, "application/json");
  request.set(http::field::connection, "close");  // one delivery per connection; see docs
  request.set("X-Lectern-Event", event.type);
  request.set("X-Lectern-Delivery", event.id);
  request.set("X-Lectern-Timestamp", std::to_string(timestamp));
  request.set("X-Lectern-Signature", webhook_signature(secret, timestamp, event.body));
  request.body() = event.body;
  request.prepare_payload();
  return request;
}

asio::ssl::context make_webhook_tls_context() {
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_default_verify_paths();
  tls.set_verify_mode(asio::ssl::verify_peer);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  return tls;
}

webhook_attempt::webhook_attempt(asio::any_io_executor executor, asio::ssl::context& tls,
                                 webhook_url url, std::chrono::milliseconds connect_timeout,
                                 std::chrono::milliseconds total_timeout)
    : executor_(executor),
      tls_(tls),
      url_(std::move(url)),
      connect_timeout_(connect_timeout),
      total_timeout_(total_timeout),
      resolver_(executor),
      deadline_(executor) {}

void webhook_attempt::abort() {
  aborted_ = true;
  resolver_.cancel();
  // Closing the socket completes a pending connect, handshake, write or read with an error.
  if (socket_ != nullptr) {
    beast::error_code ignored;
    socket_->close(ignored);
  }
}

asio::awaitable<webhook_response> webhook_attempt::run(http::request<http::string_body> request) {
  deadline_.expires_after(total_timeout_);
  deadline_.async_wait([self = shared_from_this()](const beast::error_code& ec) {
    if (ec) return;  // cancelled: the attempt ended first
    self->timed_out_ = true;
    self->abort();
  });
  webhook_response response;
  if (url_.tls) {
    beast::ssl_stream<beast::tcp_stream> stream(executor_, tls_);
    response = co_await exchange(stream, request);
  } else {
    beast::tcp_stream stream(executor_);
    response = co_await exchange(stream, request);
  }
  socket_ = nullptr;
  deadline_.cancel();
  if (response.status == 0 && timed_out_) {
    response.error = "no answer within " + std::to_string(total_timeout_.count()) + " ms";
  } else if (response.status == 0 && aborted_) {
    response.error = "abandoned at shutdown";
  }
  co_return response;
}

template <class Stream>
asio::awaitable<webhook_response> webhook_attempt::exchange(
    Stream& stream, http::request<http::string_body>& request) {
  auto& tcp = beast::get_lowest_layer(stream);
  socket_ = &tcp.socket();
  if (aborted_) co_return webhook_response{0, "aborted"};
  const auto [resolve_ec, endpoints] =
      co_await resolver_.async_resolve(url_.host, std::to_string(url_.port), k_use);
  if (resolve_ec) co_return failure("resolving " + url_.host, resolve_ec);
  if (aborted_) co_return webhook_response{0, "aborted"};
  tcp.expires_after(connect_timeout_);
  const auto [connect_ec, endpoint] = co_await tcp.async_connect(endpoints, k_use);
  if (connect_ec) co_return failure("connecting", connect_ec);
  tcp.expires_never();  // the total deadline (deadline_) covers the rest
  if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
    // SNI must name a host, never an address (RFC 6066 section 3).
    if (!is_ip_literal(url_.host))
      SSL_set_tlsext_host_name(stream.native_handle(), url_.host.c_str());
    stream.set_verify_callback(asio::ssl::host_name_verification(url_.host));
    const auto [handshake_ec] =
        co_await stream.async_handshake(asio::ssl::stream_base::client, k_use);
    if (handshake_ec) co_return failure("TLS handshake", handshake_ec);
  }
  const auto [write_ec, written] = co_await http::async_write(stream, request, k_use);
  if (write_ec) co_return failure("sending", write_ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(k_max_response_body);
  const auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, k_use);
  // A complete header is enough: the status decides, the body is not used.
  if (read_ec && !parser.is_header_done()) co_return failure("reading the response", read_ec);
  // No TLS close_notify: the response is complete, and a peer that never answers the
  // shutdown would hold the attempt until its deadline.
  beast::error_code ignored;
  tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  co_return webhook_response{static_cast<int>(parser.get().result_int()), {}};
}

}  // namespace lectern::server
