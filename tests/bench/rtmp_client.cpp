#include "rtmp_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <variant>

#include "bench_error.hpp"
#include "lectern/shared/control.hpp"
#include "lectern/shared/handshake.hpp"

namespace lectern::bench {

namespace rtmp = shared::rtmp;

std::string describe_status(const shared::amf::value& info) {
  rtmp::status_info s;
  if (rtmp::parse_status_info(info, s)) return shared::amf::to_debug_string(info);
  return s.description.empty() ? s.code : s.code + ": " + s.description;
}
using asio::as_tuple;
using asio::use_awaitable;

rtmp_client::rtmp_client(const asio::any_io_executor& ex, std::size_t read_buffer)
    : socket_(ex), buf_(new std::uint8_t[read_buffer]), cap_(read_buffer) {}

std::error_code rtmp_client::fail(std::error_code ec, std::string detail) {
  detail_ = std::move(detail);
  return ec;
}

asio::awaitable<std::error_code> rtmp_client::open(const target& t) {
  peer_ = t.endpoint();
  std::string why;
  if (auto ec = co_await socket_.connect(t, why)) co_return fail(ec, std::move(why));
  co_return co_await handshake(t);
}

asio::awaitable<std::error_code> rtmp_client::handshake(const target&) {
  shared::handshake::client hs;
  shared::bytes out;
  std::error_code ec;
  hs.start(out, ec);
  if (ec) co_return fail(ec, "handshake: " + ec.message());
  while (!hs.done()) {
    if (!out.empty()) {
      if (auto wec = co_await write_all(out)) co_return wec;
      out.clear();
    }
    auto [rec, n] = co_await socket_.socket().async_read_some(asio::buffer(buf_.get(), cap_),
                                                              as_tuple(use_awaitable));
    if (rec) co_return read_failure(rec);
    bytes_in_ += n;
    const std::size_t used = hs.put({buf_.get(), n}, out, ec);
    if (ec) co_return fail(ec, "handshake with " + peer_ + " failed: " + ec.message());
    // What follows S2 belongs to the chunk stream (handshake.hpp).
    have_ = n - used;
    std::memmove(buf_.get(), buf_.get() + used, have_);
  }
  if (!out.empty()) co_return co_await write_all(out);  // C2
  co_return std::error_code{};
}

std::error_code rtmp_client::read_failure(const boost::system::error_code& ec) {
  if (ec == asio::error::eof || ec == asio::error::connection_reset)
    return fail(bench_error::closed_by_server, peer_ + " closed the connection");
  if (ec == asio::error::operation_aborted) return fail(bench_error::stopped, "stopped");
  return fail(ec, "reading from " + peer_ + ": " + ec.message());
}

asio::awaitable<std::error_code> rtmp_client::write_all(shared::byte_view b) {
  auto [ec, n] = co_await asio::async_write(socket_.socket(), asio::buffer(b.data(), b.size()),
                                            as_tuple(use_awaitable));
  bytes_out_ += n;
  if (ec == asio::error::operation_aborted) co_return fail(bench_error::stopped, "stopped");
  if (ec) co_return fail(ec, "writing to " + peer_ + ": " + ec.message());
  co_return std::error_code{};
}

void rtmp_client::queue_reply(const rtmp::message& m) {
  // A reply the writer refuses cannot happen for these fixed-size control messages.
  (void)writer_.write(m, replies_);
}

asio::awaitable<std::error_code> rtmp_client::flush() {
  if (replies_.empty()) co_return std::error_code{};
  shared::bytes out;
  out.swap(replies_);
  co_return co_await write_all(out);
}

asio::awaitable<std::error_code> rtmp_client::send(const rtmp::message& m) {
  shared::bytes wire;
  if (auto ec = writer_.write(m, wire)) co_return fail(ec, "cannot chunk a message");
  co_return co_await send_chunked(wire);
}

asio::awaitable<std::error_code> rtmp_client::send_chunked(shared::bytes& wire) {
  if (!replies_.empty()) {
    replies_.insert(replies_.end(), wire.begin(), wire.end());
    wire.clear();
    wire.swap(replies_);
  }
  auto ec = co_await write_all(wire);
  wire.clear();
  co_return ec;
}

// Messages completed by one read of the socket (stamped_socket.hpp: when its bytes arrived).
asio::awaitable<std::error_code> rtmp_client::read_some(std::vector<rtmp::message>& out,
                                                        arrival_times& arrival) {
  std::size_t n = 0;
  if (auto ec = co_await socket_.read(buf_.get() + have_, cap_ - have_, n, arrival))
    co_return read_failure(ec);
  bytes_in_ += n;
  have_ += n;
  co_return parse(out);
}

std::error_code rtmp_client::parse(std::vector<rtmp::message>& out) {
  std::size_t pos = 0;
  std::error_code ec;
  while (pos < have_) {
    const std::size_t used = reader_.put({buf_.get() + pos, have_ - pos}, ec);
    pos += used;
    for (rtmp::message m; reader_.next(m);) {
      if (m.kind() == rtmp::message_type::user_control) {
        rtmp::user_control_event ev;
        if (!rtmp::parse_user_control(m.payload, ev))
          if (const auto* ping = std::get_if<rtmp::ping_request>(&ev))
            queue_reply(rtmp::make_user_control(rtmp::ping_response{ping->timestamp}));
      }
      out.push_back(std::move(m));
    }
    if (ec) return fail(ec, "bad chunk stream from " + peer_ + ": " + ec.message());
    if (used == 0) break;  // an incomplete chunk header: wait for more bytes
  }
  // At most a partial header (18 bytes) is left over (chunk_reader.hpp).
  have_ -= pos;
  std::memmove(buf_.get(), buf_.get() + pos, have_);
  if (auto seq = reader_.take_ack()) queue_reply(rtmp::make_acknowledgement(*seq));
  return {};
}

asio::awaitable<std::error_code> rtmp_client::next_command(rtmp::command& out) {
  for (;;) {
    while (setup_pos_ < setup_batch_.size()) {
      const rtmp::message& m = setup_batch_[setup_pos_++];
      if (m.kind() != rtmp::message_type::command_amf0 &&
          m.kind() != rtmp::message_type::command_amf3)
        continue;
      if (auto ec = rtmp::parse_command(m, out))
        co_return fail(ec, "bad command from " + peer_ + ": " + ec.message());
      co_return std::error_code{};
    }
    setup_batch_.clear();
    setup_pos_ = 0;
    // Buffered bytes may already hold complete messages (e.g. right after the handshake).
    if (have_ > 0) {
      if (auto ec = parse(setup_batch_)) co_return ec;
      if (!setup_batch_.empty()) continue;
    }
    arrival_times arrival;  // setup measures nothing
    if (auto ec = co_await read_some(setup_batch_, arrival)) co_return ec;
    if (auto ec = co_await flush()) co_return ec;
  }
}

void rtmp_client::take_pending(std::vector<rtmp::message>& out) {
  for (; setup_pos_ < setup_batch_.size(); ++setup_pos_)
    out.push_back(std::move(setup_batch_[setup_pos_]));
  setup_batch_.clear();
  setup_batch_.shrink_to_fit();
  setup_pos_ = 0;
}

asio::awaitable<std::error_code> rtmp_client::call(const rtmp::command& c, std::uint32_t stream_id,
                                                   rtmp::call_result& out,
                                                   std::vector<rtmp::command>* others) {
  if (auto ec = co_await send(rtmp::make_command(c, stream_id))) co_return ec;
  for (;;) {
    rtmp::command reply;
    if (auto ec = co_await next_command(reply)) co_return ec;
    const bool is_result = reply.name == rtmp::k_cmd_result || reply.name == rtmp::k_cmd_error;
    if (is_result && reply.transaction_id == c.transaction_id) {
      if (auto ec = rtmp::parse_call_result(reply, out))
        co_return fail(ec, "bad reply to " + c.name + ": " + ec.message());
      co_return std::error_code{};
    }
    if (others != nullptr) others->push_back(std::move(reply));
  }
}

asio::awaitable<std::error_code> rtmp_client::connect_app(const rtmp::connect_command& cc) {
  rtmp::call_result r;
  if (auto ec = co_await call(rtmp::to_command(cc), 0, r)) co_return ec;
  if (r.is_error)
    co_return fail(bench_error::connect_rejected,
                   "connect rejected: " + describe_status(r.information));
  co_return std::error_code{};
}

asio::awaitable<std::error_code> rtmp_client::create_stream(double transaction,
                                                            std::uint32_t& stream_id) {
  rtmp::call_result r;
  if (auto ec = co_await call(rtmp::make_create_stream(transaction), 0, r)) co_return ec;
  if (r.is_error || rtmp::parse_create_stream_result(rtmp::to_command(r), stream_id))
    co_return fail(bench_error::create_stream_failed,
                   "createStream failed: " + describe_status(r.information));
  co_return std::error_code{};
}

}  // namespace lectern::bench
