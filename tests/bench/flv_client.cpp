#include "flv_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <algorithm>
#include <iterator>
#include <random>

#include "bench_error.hpp"
#include "player.hpp"
#include "wire_error.hpp"

namespace lectern::bench {

using asio::as_tuple;
using asio::use_awaitable;

namespace {

// Players read 4 KiB at a time, as RTMP players do (3,000 of them hold 12 MiB).
constexpr std::size_t k_flv_read_buffer = 4096;
// How much of a refusal's body the error quotes.
constexpr std::size_t k_quoted_body = 200;

}  // namespace

flv_client::flv_client(const asio::any_io_executor& ex, const player_config& cfg)
    : cfg_(cfg),
      websocket_(cfg.transport == transport::ws_flv),
      socket_(ex),
      buf_(new std::uint8_t[k_flv_read_buffer]) {
  std::random_device rd;
  rng_ = (std::uint64_t{rd()} << 32 | rd()) | 1;  // xorshift's state must not be 0
}

std::array<std::uint8_t, 4> flv_client::next_mask() noexcept {
  // xorshift64* (Vigna). Masks keep a client from choosing the bytes a proxy sees (RFC 6455
  // 10.3); on loopback, a new one per frame is all they are for.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  const std::uint64_t r = rng_ * 0x2545F4914F6CDD1DULL;
  return {static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(r >> 8),
          static_cast<std::uint8_t>(r >> 16), static_cast<std::uint8_t>(r >> 24)};
}

asio::awaitable<std::error_code> flv_client::open() {
  stage_ = "TCP connect";
  peer_ = cfg_.target.endpoint();
  std::string why;
  if (auto ec = co_await socket_.connect(cfg_.target, why)) co_return fail(ec, std::move(why));
  co_return std::error_code{};
}

asio::awaitable<std::error_code> flv_client::play() {
  stage_ = websocket_ ? "sending the WebSocket upgrade" : "sending the GET";
  std::string req = "GET " + cfg_.target.path + " HTTP/1.1\r\nHost: " + peer_ +
                    "\r\nUser-Agent: lectern-bench\r\nAccept: */*\r\n";
  if (websocket_) {
    std::array<std::uint8_t, 16> nonce{};
    for (std::size_t i = 0; i < nonce.size(); i += 4) {
      const auto m = next_mask();
      std::copy(m.begin(), m.end(), nonce.begin() + static_cast<std::ptrdiff_t>(i));
    }
    key_ = ws_key(nonce);
    req +=
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: " +
        key_ + "\r\n";
  }
  req += "\r\n";
  co_return co_await write_all(shared::as_bytes(req));
}

asio::awaitable<std::error_code> flv_client::write_all(shared::byte_view b) {
  auto [ec, n] = co_await asio::async_write(socket_.socket(), asio::buffer(b.data(), b.size()),
                                            as_tuple(use_awaitable));
  if (ec == asio::error::operation_aborted) co_return fail(bench_error::stopped, "stopped");
  if (ec) co_return fail(ec, "writing to " + peer_ + ": " + ec.message());
  co_return std::error_code{};
}

asio::awaitable<std::error_code> flv_client::read_once(std::size_t& n, arrival_times& arrival) {
  const auto ec = co_await socket_.read(buf_.get(), k_flv_read_buffer, n, arrival);
  bytes_in_ += n;
  if (!ec) co_return std::error_code{};
  if (ec == asio::error::operation_aborted) co_return fail(bench_error::stopped, "stopped");
  if (ec != asio::error::eof && ec != asio::error::connection_reset)
    co_return fail(ec, "reading from " + peer_ + ": " + ec.message());
  const char* what = framing_ == framing::chunked     ? " before the last chunk"
                     : framing_ == framing::websocket ? " without a WebSocket close"
                                                      : "";
  std::string why = peer_ + " closed the connection" + what;
  if (!flv_.at_boundary()) why += " (in the middle of an FLV tag)";
  co_return fail(bench_error::closed_by_server, std::move(why));
}

flv_client::framing flv_client::framing_of(body_framing f) noexcept {
  switch (f) {
    case body_framing::chunked:
      return framing::chunked;
    case body_framing::length:
      return framing::length;
    case body_framing::until_close:
      return framing::until_close;
    case body_framing::none:
      break;
  }
  return framing::none;
}

asio::awaitable<std::error_code> flv_client::after_play() {
  stage_ = websocket_ ? "waiting for the WebSocket upgrade" : "waiting for the HTTP response";
  for (;;) {
    std::size_t n = 0;
    arrival_times arrival;
    if (auto ec = co_await read_once(n, arrival)) co_return ec;
    const shared::byte_view in(buf_.get(), n);
    std::error_code ec;
    const std::size_t used = head_.put(in, ec);
    if (ec)
      co_return fail(ec, "bad HTTP response from " + peer_ + ": " + ec.message() + " (\"" +
                             printable(shared::as_string(in), 80) + "\")");
    if (!head_.done()) continue;
    status_ = "HTTP " + std::to_string(head_.head().status);
    if (const auto refusal = check_head()) {
      if (refusal == bench_error::play_refused) co_return co_await refused(in.subspan(used));
      co_return refusal;
    }
    // The rest of this read is the stream's start (a GOP cache burst, often): the read loop
    // takes it with this read's arrival.
    pending_arrival_ = arrival;
    co_return feed(in.subspan(used), pending_);
  }
}

std::error_code flv_client::check_head() {
  const http_response_head& h = head_.head();
  if (h.status != (websocket_ ? 101 : 200)) {
    refused_ = true;
    framing_ = framing_of(h.framing());
  } else if (!websocket_) {
    framing_ = framing_of(h.framing());
  } else {
    const std::string* accept = h.field("sec-websocket-accept");
    if (!h.has_token("upgrade", "websocket") || !h.has_token("connection", "upgrade"))
      return fail(wire_error::ws_bad_handshake,
                  "bad WebSocket handshake from " + peer_ + ": 101 without Upgrade: websocket");
    if (accept == nullptr || *accept != ws_accept(key_))
      return fail(wire_error::ws_bad_handshake, "bad WebSocket handshake from " + peer_ +
                                                    ": Sec-WebSocket-Accept '" +
                                                    printable(accept ? *accept : "", 60) +
                                                    "', expected '" + ws_accept(key_) + "'");
    framing_ = framing::websocket;
  }
  if (framing_ == framing::length) body_left_ = *h.content_length;
  return refused_ ? std::error_code(bench_error::play_refused) : std::error_code();
}

// Not the answer play wants: the error quotes the status and the start of the body
// ({"error":"too_many_players",...} for a 503 of --max-http-players).
asio::awaitable<std::error_code> flv_client::refused(shared::byte_view rest) {
  std::vector<shared::rtmp::message> none;
  std::error_code ec = feed(rest, none);
  while (!ec && !ended_ && framing_ != framing::none && refusal_.size() < k_quoted_body) {
    std::size_t n = 0;
    arrival_times arrival;
    if (co_await read_once(n, arrival)) break;  // the body ends with the connection
    ec = feed({buf_.get(), n}, none);
  }
  const http_response_head& h = head_.head();
  std::string why = "play refused: HTTP " + std::to_string(h.status);
  if (!h.reason.empty()) why += " " + printable(h.reason, 80);
  if (!refusal_.empty()) why += ": " + printable(refusal_, k_quoted_body);
  co_return fail(bench_error::play_refused, std::move(why));
}

void flv_client::take_pending(std::vector<shared::rtmp::message>& out, arrival_times& arrival) {
  std::move(pending_.begin(), pending_.end(), std::back_inserter(out));
  pending_ = {};
  arrival = pending_arrival_;
}

asio::awaitable<std::error_code> flv_client::read_some(std::vector<shared::rtmp::message>& out,
                                                       arrival_times& arrival) {
  if (ended_) {  // in the bytes after the head already
    arrival.read = arrival.socket = clock::now();
    co_return ended_;
  }
  std::size_t n = 0;
  if (auto ec = co_await read_once(n, arrival)) co_return ec;
  if (auto ec = feed({buf_.get(), n}, out)) co_return ec;
  if (!ended_) co_return std::error_code{};
  (void)co_await flush();  // the close reply
  co_return ended_;
}

asio::awaitable<std::error_code> flv_client::flush() {
  if (replies_.empty()) co_return std::error_code{};
  shared::bytes out;
  out.swap(replies_);
  co_return co_await write_all(out);
}

std::error_code flv_client::end(std::string why) {
  if (!flv_.at_boundary()) why += " (in the middle of an FLV tag)";
  return ended_ = fail(bench_error::closed_by_server, std::move(why));
}

// The body's bytes through the framing, then to the FLV reader (or the refusal's text).
std::error_code flv_client::feed(shared::byte_view in, std::vector<shared::rtmp::message>& out) {
  while (!in.empty() && !ended_) {
    shared::byte_view body;
    std::size_t used = 0;
    if (auto ec = unframe(in, body, used)) return ec;
    in = in.subspan(used);
    if (!body.empty())
      if (auto ec = deliver(body, out)) return ec;
  }
  return {};
}

std::error_code flv_client::unframe(shared::byte_view in, shared::byte_view& body,
                                    std::size_t& used) {
  std::error_code ec;
  switch (framing_) {
    case framing::websocket: {
      ws_event ev;
      used = frames_.put(in, ev, ec);
      if (ec) return fail(ec, "bad WebSocket frame from " + peer_ + ": " + ec.message());
      if (ev.what == ws_event::kind::data)
        body = ev.payload;
      else
        on_control(ev);
      return {};
    }
    case framing::chunked:
      used = chunked_.put(in, body, ec);
      if (ec) return fail(ec, "bad chunked body from " + peer_ + ": " + ec.message());
      if (chunked_.done()) (void)end(peer_ + " ended the response (its last chunk)");
      return {};
    case framing::length:
      used = static_cast<std::size_t>(std::min<std::uint64_t>(body_left_, in.size()));
      body = in.first(used);
      body_left_ -= used;
      if (body_left_ == 0) (void)end(peer_ + " ended the response (its Content-Length)");
      return {};
    case framing::none:  // a body where none may be: left unread
      used = in.size();
      return {};
    case framing::until_close:
      break;
  }
  used = in.size();
  body = in;
  return {};
}

void flv_client::on_control(const ws_event& ev) {
  switch (ev.what) {
    case ws_event::kind::ping:  // RFC 6455 5.5.2: a pong with the ping's payload, masked
      encode_client_frame(ws_opcode::pong, ev.payload, next_mask(), replies_);
      break;
    case ws_event::kind::close:
      // 5.5.1: answer with a close of our own, echoing the status code.
      encode_client_frame(ws_opcode::close,
                          ev.payload.first(std::min<std::size_t>(2, ev.payload.size())),
                          next_mask(), replies_);
      (void)end(peer_ + " closed the WebSocket (" + describe_close(ev.payload) + ")");
      break;
    default:
      break;  // pongs (we send no pings) and the end of a frame with no event
  }
}

std::error_code flv_client::deliver(shared::byte_view body,
                                    std::vector<shared::rtmp::message>& out) {
  if (refused_) {
    const std::size_t room = k_quoted_body + 1 - std::min(refusal_.size(), k_quoted_body + 1);
    refusal_ += shared::as_string(body.first(std::min(room, body.size())));
    return {};
  }
  if (auto ec = flv_.put(body, out))
    return fail(ec, "bad FLV stream from " + peer_ + " at byte " + std::to_string(flv_.offset()) +
                        ": " + ec.message());
  return {};
}

}  // namespace lectern::bench
