#include "lectern/client/api_client.hpp"

#include <exception>
#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "lectern/net/use_tuple.hpp"
#include "url.hpp"

namespace lectern::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using lectern::net::k_use;

std::string seconds_text(std::chrono::milliseconds d) {
  const auto tenths = d.count() / 100;
  std::string out = std::to_string(tenths / 10);
  if (tenths % 10 != 0) (out += '.') += std::to_string(tenths % 10);
  return out + " s";
}

client_error unreachable(const std::string& base_url, std::string why) {
  return {error_kind::unreachable,
          concat("cannot reach the Lectern server at ", base_url, ": ", why)};
}

client_error transport_failure(const std::string& base_url, const error_code& ec,
                               std::chrono::milliseconds limit, std::string_view step) {
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted) {
    return {error_kind::timeout, concat("the Lectern server at ", base_url, " did not ", step,
                                        " within ", seconds_text(limit))};
  }
  if (ec == asio::error::connection_refused) {
    return unreachable(base_url, "connection refused (is lectern-server running on that port?)");
  }
  return unreachable(base_url, concat(step, " failed: ", ec.message()));
}

// DNS has no deadline of its own: a timer cancels the lookup. The resolver is shared with
// the timer's handler so a late expiry never touches a destroyed resolver.
asio::awaitable<std::pair<error_code, tcp::resolver::results_type>> resolve(
    asio::any_io_executor ex, const url_parts& u, std::chrono::milliseconds limit) {
  auto resolver = std::make_shared<tcp::resolver>(ex);
  asio::steady_timer timer(ex, limit);
  timer.async_wait([weak = std::weak_ptr(resolver)](error_code ec) {
    if (auto r = weak.lock(); r && !ec) r->cancel();
  });
  auto [ec, results] = co_await resolver->async_resolve(u.host, u.port, k_use);
  timer.cancel();
  co_return std::pair{ec, std::move(results)};
}

http::request<http::string_body> make_request(const url_parts& u, http::verb method,
                                              const std::string& target,
                                              const std::optional<nlohmann::json>& body,
                                              const std::string& bearer) {
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, host_and_port(u.host, u.port));
  req.set(http::field::user_agent, "lectern-client");
  req.set(http::field::accept, "application/json");
  if (!bearer.empty()) req.set(http::field::authorization, concat("Bearer ", bearer));
  if (body) {
    req.set(http::field::content_type, "application/json");
    req.body() = body->dump();
  }
  req.prepare_payload();
  return req;
}

std::string server_message(const http_reply& reply) {
  const auto& j = reply.json;
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const auto& e = j["error"];
    if (e.contains("message") && e["message"].is_string()) return e["message"].get<std::string>();
  }
  return {};
}

template <class T>
T field(const nlohmann::json& j, const char* key, T fallback) {
  const auto it = j.find(key);
  if (it == j.end()) return fallback;
  try {
    return it->template get<T>();
  } catch (const nlohmann::json::exception&) {
    return fallback;  // wrong type: treated as absent, checked by the caller
  }
}

}  // namespace

api_client::api_client(asio::any_io_executor executor, api_options options)
    : executor_(std::move(executor)), options_(options) {}

asio::awaitable<result<http_reply>> api_client::request(std::string base_url, http::verb method,
                                                        std::string target,
                                                        std::optional<nlohmann::json> body,
                                                        std::string bearer) {
  auto parsed = parse_url(base_url);
  if (!parsed) co_return parsed.error();
  url_parts u = std::move(parsed.value());
  if (u.scheme == "https") {
    co_return client_error{error_kind::unsupported, "https is not supported yet; use http://"};
  }
  if (u.scheme != "http") {
    co_return client_error{error_kind::bad_link, concat(base_url, " is not an http:// address")};
  }
  if (u.port.empty()) u.port = "80";
  const auto start = std::chrono::steady_clock::now();

  auto [rec, endpoints] = co_await resolve(executor_, u, options_.connect_timeout);
  if (rec == asio::error::operation_aborted) {
    co_return transport_failure(base_url, rec, options_.connect_timeout, "resolve its name");
  }
  if (rec)
    co_return unreachable(base_url, concat("cannot find host ", u.host, " (", rec.message(), ")"));

  beast::tcp_stream stream(executor_);
  stream.expires_at(start + options_.connect_timeout);
  auto [cec, ep] = co_await stream.async_connect(endpoints, k_use);
  if (cec)
    co_return transport_failure(base_url, cec, options_.connect_timeout, "accept a connection");

  stream.expires_at(start + options_.request_timeout);
  auto req = make_request(u, method, target, body, bearer);
  auto [wec, wn] = co_await http::async_write(stream, req, k_use);
  if (wec) co_return transport_failure(base_url, wec, options_.request_timeout, "answer");
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(options_.max_body);
  auto [ec, n] = co_await http::async_read(stream, buffer, parser, k_use);
  if (ec == http::error::body_limit) {
    co_return client_error{error_kind::bad_reply,
                           concat("the reply from ", base_url, " is too large")};
  }
  if (ec) co_return transport_failure(base_url, ec, options_.request_timeout, "answer");
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);  // best effort; we are done

  auto res = parser.release();
  http_reply reply;
  reply.status = res.result_int();
  reply.content_type = std::string(res[http::field::content_type]);
  reply.body = std::move(res.body());
  reply.json = nlohmann::json::parse(reply.body, nullptr, false);
  if (reply.json.is_discarded()) reply.json = nullptr;
  co_return reply;
}

asio::awaitable<result<join_info>> api_client::validate(join_link link) {
  std::string target = concat("/api/v1/rooms/", std::to_string(link.room_id),
                              "/join?token=", percent_encode(link.token));
  auto reply = co_await request(link.http_base, http::verb::get, std::move(target));
  if (!reply) co_return reply.error();
  co_return interpret_join_reply(link, reply.value());
}

result<join_info> interpret_join_reply(const join_link& link, const http_reply& reply) {
  const std::string room = std::to_string(link.room_id);
  std::string detail = server_message(reply);
  if (!detail.empty()) detail = concat(" (server says: ", detail, ")");
  if (reply.status == 401 || reply.status == 403) {
    return client_error{error_kind::unauthorized,
                        concat("the token in the link is not valid for room ", room,
                               ": wrong or expired; ask the teacher for a new link", detail)};
  }
  if (reply.status == 404) {
    return client_error{error_kind::not_found,
                        concat("room ", room, " does not exist on ", link.http_base, detail)};
  }
  if (reply.status != 200) {
    return client_error{error_kind::http_error,
                        concat("unexpected reply from ", link.http_base, ": HTTP ",
                               std::to_string(reply.status), detail)};
  }
  const auto& j = reply.json;
  join_info info;
  if (j.is_object() && j.contains("room") && j["room"].is_object()) {
    const auto& r = j["room"];
    info.room = {field<std::uint64_t>(r, "id", 0), field<std::string>(r, "name", ""),
                 field<std::string>(r, "welcome", ""), field<int>(r, "buffer_ms", 0),
                 field<bool>(r, "is_public", false)};
    info.role = field<std::string>(j, "role", "");
    info.rtmp_url = field<std::string>(j, "rtmp_url", "");
    info.stream = field<std::string>(j, "stream", "");
    info.ws_url = field<std::string>(j, "ws_url", "");
  }
  if (info.ws_url.empty() || (info.role != "teacher" && info.role != "student")) {
    return client_error{error_kind::bad_reply,
                        concat("unexpected reply from ", link.http_base,
                               ": not a Lectern join answer (is this a Lectern server?)")};
  }
  return info;
}

namespace {

// Runs one coroutine on a private io_context to completion.
template <class T, class Make>
result<T> run_blocking(asio::io_context& io, Make make) {
  std::optional<result<T>> out;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out.emplace(co_await make()); },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);  // only std::bad_alloc and the like
      });
  io.restart();
  io.run();
  return std::move(*out);
}

}  // namespace

result<http_reply> blocking_api_client::request(const std::string& base_url, http::verb method,
                                                const std::string& target,
                                                const std::optional<nlohmann::json>& body,
                                                const std::string& bearer) {
  api_client client(io_.get_executor(), options_);
  return run_blocking<http_reply>(
      io_, [&] { return client.request(base_url, method, target, body, bearer); });
}

result<join_info> blocking_api_client::validate(const join_link& link) {
  api_client client(io_.get_executor(), options_);
  return run_blocking<join_info>(io_, [&] { return client.validate(link); });
}

}  // namespace lectern::client
