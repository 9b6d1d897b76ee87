// An HTTP-FLV or WS-FLV player's transport, as a browser plays lectern-server's
// /live/ROOM.flv (web/src/lib/player.js): a GET (or a WebSocket upgrade), the response head,
// then the FLV stream in the body's chunks (or until the server closes) or in binary
// WebSocket messages. The parsing is http_wire.hpp, ws_wire.hpp and flv_messages.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "flv_messages.hpp"
#include "http_wire.hpp"
#include "player_transport.hpp"
#include "stamped_socket.hpp"
#include "ws_wire.hpp"

namespace lectern::bench {

/// The HTTP-FLV and WS-FLV transport of a player (player_transport.hpp).
class flv_client final : public player_transport {
 public:
  /// Plays cfg.target.path over HTTP, or over a WebSocket when cfg.transport is ws_flv.
  flv_client(const asio::any_io_executor& ex, const player_config& cfg);

  asio::awaitable<std::error_code> open() override;
  asio::awaitable<std::error_code> prepare() override { co_return std::error_code{}; }
  asio::awaitable<std::error_code> play() override;
  asio::awaitable<std::error_code> after_play() override;
  void take_pending(std::vector<shared::rtmp::message>& out, arrival_times& arrival) override;
  asio::awaitable<std::error_code> read_some(std::vector<shared::rtmp::message>& out,
                                             arrival_times& arrival) override;
  asio::awaitable<std::error_code> flush() override;
  void close() noexcept override { socket_.close(); }

  std::string play_status() const override { return status_; }
  const char* stage() const noexcept override { return stage_; }
  std::uint64_t bytes_in() const noexcept override { return bytes_in_; }
  std::uint64_t reads() const noexcept override { return socket_.reads(); }
  std::uint64_t reads_without_timestamp() const noexcept override {
    return socket_.reads_without_timestamp();
  }
  const std::string& detail() const noexcept override { return detail_; }
  std::error_code fail(std::error_code ec, std::string detail) override {
    detail_ = std::move(detail);
    return ec;
  }

 private:
  // How the FLV bytes are framed after the head.
  enum class framing : std::uint8_t { none, chunked, length, until_close, websocket };

  static framing framing_of(body_framing f) noexcept;
  asio::awaitable<std::error_code> read_once(std::size_t& n, arrival_times& arrival);
  asio::awaitable<std::error_code> write_all(shared::byte_view b);
  std::error_code check_head();
  asio::awaitable<std::error_code> refused(shared::byte_view rest);
  std::error_code feed(shared::byte_view in, std::vector<shared::rtmp::message>& out);
  std::error_code unframe(shared::byte_view in, shared::byte_view& body, std::size_t& used);
  void on_control(const ws_event& ev);
  std::error_code deliver(shared::byte_view body, std::vector<shared::rtmp::message>& out);
  std::error_code end(std::string why);
  std::array<std::uint8_t, 4> next_mask() noexcept;

  const player_config& cfg_;
  const bool websocket_;
  stamped_socket socket_;
  std::unique_ptr<std::uint8_t[]> buf_;
  std::string peer_;
  std::string key_;  // Sec-WebSocket-Key
  http_head_parser head_;
  framing framing_ = framing::none;
  chunked_decoder chunked_;
  ws_frame_reader frames_;
  std::uint64_t body_left_ = 0;  // framing::length
  flv_messages flv_;
  bool refused_ = false;   // the body is the refusal's text, not FLV
  std::string refusal_;    // its start
  std::error_code ended_;  // the server ended the stream (last chunk, close frame)
  shared::bytes replies_;  // pongs and the close reply waiting for flush()
  std::vector<shared::rtmp::message> pending_;  // what the head's read brought after it
  arrival_times pending_arrival_{};
  std::uint64_t rng_;  // masks (RFC 6455 5.3 wants them unpredictable to proxies)
  std::string status_;
  std::string detail_;
  const char* stage_ = "";
  std::uint64_t bytes_in_ = 0;
};

}  // namespace lectern::bench
