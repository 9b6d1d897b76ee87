#include "ws_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>
#include <charconv>
#include <cmath>
#include <limits>

namespace lectern::bench {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::as_tuple;
using asio::use_awaitable;
using json = nlohmann::json;

namespace {

// A chat state of 200 messages of 2,000 characters is about 1.2 MB of JSON.
constexpr std::size_t k_max_frame = 4 << 20;

// "SEQ SENT_NS" after the run's marker; false when the text is not one of ours.
bool parse_chat_text(std::string_view text, std::string_view marker, int messages, int& seq,
                     std::int64_t& sent_ns) {
  if (!text.starts_with(marker)) return false;
  text.remove_prefix(marker.size());
  const char* end = text.data() + text.size();
  auto r = std::from_chars(text.data(), end, seq);
  if (r.ec != std::errc{} || r.ptr == end || *r.ptr != ' ' || seq < 0 || seq >= messages)
    return false;
  r = std::from_chars(r.ptr + 1, end, sent_ns);
  return r.ec == std::errc{};
}

}  // namespace

ws_client::ws_client(const asio::any_io_executor& ex, int id, const ws_client_config& cfg,
                     chat_board& board)
    : cfg_(cfg), board_(board), ws_(ex), timer_(ex) {
  stats_.id = id;
  stats_.latency_ms.assign(static_cast<std::size_t>(board.messages()),
                           std::numeric_limits<float>::quiet_NaN());
}

void ws_client::stop() {
  stopped_ = true;
  timer_.cancel();
  beast::get_lowest_layer(ws_).close();
}

void ws_client::abandon_join() {
  if (joined_ || stopped_) return;
  if (stats_.error.empty()) stats_.error = "not joined by the end of the join phase";
  stop();
}

asio::awaitable<void> ws_client::run(clock::time_point start_at) {
  if (!stopped_) {
    timer_.expires_at(start_at);
    co_await timer_.async_wait(as_tuple(use_awaitable));
  }
  const auto started = clock::now();
  error_code ec = stopped_ ? error_code(asio::error::operation_aborted) : co_await join();
  if (!joined_) {
    stats_.join_failed = true;
    if (stats_.error.empty()) stats_.error = describe(ec, "joining");
    board_.failed.fetch_add(1);
    board_.notify();
    co_return;
  }
  stats_.join_ms = ms_between(started, clock::now());
  board_.connected(stats_.id).store(true);
  board_.connected_now.fetch_add(1);
  board_.joined.fetch_add(1);
  board_.notify();
  // The join's large chat state need not stay allocated for the rest of the run.
  buffer_.shrink_to_fit();
  ec = co_await read_loop();
  board_.connected(stats_.id).store(false);
  board_.connected_now.fetch_sub(1);
  if (!stopped_ && stats_.error.empty()) stats_.error = describe(ec, "after joining");
}

asio::awaitable<error_code> ws_client::join() {
  const auto address = asio::ip::make_address(cfg_.server.host);
  auto& tcp = beast::get_lowest_layer(ws_);
  auto [ec] = co_await tcp.async_connect({address, cfg_.server.port}, as_tuple(use_awaitable));
  if (ec) co_return ec;
  tcp.socket().set_option(asio::ip::tcp::no_delay(true));
  ws_.read_message_max(k_max_frame);
  ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(beast::http::field::user_agent, "lectern-bench");
  }));
  std::string target = cfg_.path;
  target += "?token=" + cfg_.token + "&name=b" + std::to_string(stats_.id);
  std::tie(ec) =
      co_await ws_.async_handshake(cfg_.server.endpoint(), target, as_tuple(use_awaitable));
  if (ec) co_return ec;
  // Joined = the welcome and the state of room, roster and chat (docs/control-protocol.md);
  // roster changes of other joins may come in between.
  while (!(welcomed_ && states_ >= 3)) {
    std::string_view text;
    if (auto e = co_await read_frame(text)) co_return e;
    on_join_frame(text);
  }
  joined_ = true;
  co_return error_code{};
}

asio::awaitable<error_code> ws_client::read_frame(std::string_view& text) {
  buffer_.consume(buffer_.size());
  auto [ec, n] = co_await ws_.async_read(buffer_, as_tuple(use_awaitable));
  if (ec) co_return ec;
  text = {static_cast<const char*>(buffer_.data().data()), buffer_.size()};
  ++stats_.frames;
  stats_.bytes += n;
  board_.frames_in.fetch_add(1, std::memory_order_relaxed);
  board_.bytes_in.fetch_add(n, std::memory_order_relaxed);
  co_return error_code{};
}

void ws_client::on_join_frame(std::string_view text) {
  // The roster state holds every participant: parsing it at each join would make the
  // tool's join work quadratic too. The server writes compact JSON, and a quote inside a
  // string is escaped, so the op is recognised by its text.
  if (text.find("\"op\":\"welcome\"") != std::string_view::npos) welcomed_ = true;
  if (text.find("\"op\":\"so.state\"") != std::string_view::npos) ++states_;
  if (text.find("\"op\":\"error\"") == std::string_view::npos) return;
  const json frame = json::parse(text, nullptr, false);
  if (frame.is_object())
    server_error_ = frame.value("code", "") + ": " + frame.value("message", "");
}

asio::awaitable<error_code> ws_client::read_loop() {
  for (;;) {
    std::string_view text;
    if (auto ec = co_await read_frame(text)) co_return ec;
    on_frame(text, clock::now());
  }
}

void ws_client::on_frame(std::string_view text, clock::time_point arrival) {
  // Only frames that can concern the measurement are parsed: the run's chat messages (they
  // hold the marker), and results and errors (rare). Roster changes are skipped unparsed.
  const bool chat = text.find(board_.marker()) != std::string_view::npos;
  const bool result = text.find("\"op\":\"result\"") != std::string_view::npos;
  const bool error = text.find("\"op\":\"error\"") != std::string_view::npos;
  if (!chat && !result && !error) return;
  const json frame = json::parse(text, nullptr, false);
  if (!frame.is_object()) return;
  const auto op = frame.value("op", std::string());
  if (op == "so.change" && frame.value("so", std::string()) == "chat")
    on_chat_change(frame, arrival);
  else if (op == "result")
    on_result(frame, arrival);
  else if (op == "error")
    server_error_ = frame.value("code", "") + ": " + frame.value("message", "");
}

void ws_client::on_chat_change(const json& frame, clock::time_point arrival) {
  const auto changes = frame.find("changes");
  if (changes == frame.end() || !changes->is_array()) return;
  for (const json& c : *changes) {
    const auto value = c.find("value");
    if (value == c.end() || !value->is_object()) continue;
    const auto text = value->find("text");
    if (text == value->end() || !text->is_string()) continue;
    int seq = 0;
    std::int64_t sent_ns = 0;
    if (!parse_chat_text(text->get_ref<const std::string&>(), board_.marker(), board_.messages(),
                         seq, sent_ns))
      continue;
    float& slot = stats_.latency_ms[static_cast<std::size_t>(seq)];
    if (!std::isnan(slot)) continue;  // a repeat (none expected) must not count twice
    const std::int64_t now_ns = steady_ns(arrival);
    slot = static_cast<float>(static_cast<double>(now_ns - sent_ns) / 1e6);
    board_.delivered(seq, now_ns);
  }
}

void ws_client::on_result(const json& frame, clock::time_point arrival) {
  // Only the sender gets results; their id is the message's sequence number.
  const auto id = frame.find("id");
  if (id == frame.end() || !id->is_number_integer()) return;
  const int seq = id->get<int>();
  if (seq < 0 || seq >= board_.messages()) return;
  chat_message_track& t = board_.message(seq);
  if (!frame.value("ok", false)) {
    t.refused.store(true);
    stats_.error = "chat.send refused: ";
    stats_.error += frame.value("code", "") + ": " + frame.value("message", "");
  }
  t.ack_ns.store(steady_ns(arrival));
  board_.notify();
}

asio::awaitable<void> ws_client::send_chat(int seq) {
  if (!joined_ || stopped_) co_return;
  const auto now = clock::now();
  std::string text = board_.marker();
  text += std::to_string(seq) + " " + std::to_string(steady_ns(now));
  json frame{{"op", "chat.send"}, {"id", seq}, {"text", std::move(text)}};
  board_.message(seq).sent_ns.store(steady_ns(now));
  const std::string wire = frame.dump();
  ws_.text(true);
  auto [ec, n] = co_await ws_.async_write(asio::buffer(wire), as_tuple(use_awaitable));
  if (ec && !stopped_ && stats_.error.empty()) stats_.error = describe(ec, "sending chat");
}

std::string ws_client::describe(const error_code& ec, const char* stage) {
  std::string out = "ws://";
  out += cfg_.server.endpoint() + " " + stage + ": ";
  if (ec == websocket::error::closed) {
    const auto& r = ws_.reason();
    out += "closed by the server, code " + std::to_string(r.code);
    if (!r.reason.empty()) out += " (" + std::string(r.reason.c_str()) + ")";
  } else {
    out += ec.message();
  }
  if (!server_error_.empty()) out += "; server said " + server_error_;
  return out;
}

}  // namespace lectern::bench
