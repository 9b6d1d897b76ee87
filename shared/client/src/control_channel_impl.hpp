// The control channel's state and coroutines; everything here runs on one strand.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "lectern/client/control_channel.hpp"
#include "url.hpp"

namespace lectern::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

/// Serializes a frame; invalid UTF-8 in user text is replaced rather than thrown on.
std::string serialize(const nlohmann::json& frame);

/// One WebSocket connection: the stream and the writer's wake-up timer. Shared by the
/// session (reader) and its writer so that whichever ends last frees it.
struct control_connection {
  explicit control_connection(const asio::any_io_executor& ex) : ws(ex), wake(ex) {}
  websocket::stream<beast::tcp_stream> ws;
  asio::steady_timer wake;
  bool over = false;  ///< the reader has finished: the writer must return
};

/// An own so.set/so.delete waiting for its so.result (value nullopt: a delete).
struct pending_write {
  std::string so;
  std::string slot;
  std::optional<nlohmann::json> value;
};

struct control_channel::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& io, control_options options, control_callbacks callbacks);

  // Called from any thread: they post to the strand.
  std::uint64_t request(nlohmann::json frame);  ///< adds an id, returns it
  void post_frame(nlohmann::json frame);
  template <class F>
  void post(F f) {
    asio::post(strand_, [self = shared_from_this(), f = std::move(f)]() mutable { f(*self); });
  }

  // On the strand.
  void start();
  void stop();
  void enqueue(std::string frame);
  void subscribe(const std::string& so, bool persistent);
  void unsubscribe(const std::string& so);
  void remember_write(std::uint64_t id, pending_write w);

  asio::awaitable<void> run();
  asio::awaitable<disconnect_info> session();
  asio::awaitable<std::optional<disconnect_info>> open(control_connection& c);
  asio::awaitable<void> writer(std::shared_ptr<control_connection> c);
  disconnect_info ended(const control_connection& c, const boost::system::error_code& ec);
  void notify_disconnected(const disconnect_info& info);

  // Incoming frames (control_dispatch.cpp).
  void handle(const std::string& text);
  bool handle_welcome(const nlohmann::json& frame);
  void handle_so_result(const nlohmann::json& frame);
  void state_changed(const std::string& so, apply_outcome outcome);
  void resync(const std::string& so);
  void resubscribe_all();
  nlohmann::json connect_frame(const std::string& so) const;

  asio::strand<asio::io_context::executor_type> strand_;
  control_options options_;
  control_callbacks callbacks_;
  std::optional<url_parts> url_;
  std::string url_error_;
  std::string token_;  ///< from ws_url's query, repeated in hello

  shared_object_mirror mirror_;
  std::map<std::string, bool> subscriptions_;  ///< so → persistent
  std::map<std::uint64_t, pending_write> pending_writes_;
  std::deque<std::string> queue_;
  std::shared_ptr<control_connection> conn_;  ///< the current connection, if any
  asio::steady_timer retry_;
  std::minstd_rand rng_;

  std::string session_key_;  ///< resume key from the last welcome
  nlohmann::json room_;      ///< "room" of the last welcome (its rtmp_url)
  std::string last_error_;   ///< from an "error" frame, for the disconnect reason
  unsigned attempt_ = 0;     ///< failed connects since the last welcome
  bool welcomed_once_ = false;
  bool live_ = false;  ///< welcomed on the current connection
  bool started_ = false;
  bool stopped_ = false;
  bool terminal_ = false;  ///< refused, kicked or class ended: no reconnect

  std::atomic<std::uint64_t> next_id_{1};
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace lectern::client
