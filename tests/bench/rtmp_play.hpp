// An RTMP player's transport: connect, createStream, play, SetBufferLength (and
// receiveVideo(false) with --audio-only), then the chunk stream, as FFmpeg's player does.
#pragma once

#include "player_transport.hpp"
#include "rtmp_client.hpp"

namespace lectern::bench {

/// The RTMP transport of a player (player_transport.hpp).
class rtmp_play final : public player_transport {
 public:
  rtmp_play(const asio::any_io_executor& ex, const player_config& cfg);

  asio::awaitable<std::error_code> open() override;
  asio::awaitable<std::error_code> prepare() override;
  asio::awaitable<std::error_code> play() override;
  asio::awaitable<std::error_code> after_play() override;
  void take_pending(std::vector<shared::rtmp::message>& out, arrival_times& arrival) override;
  asio::awaitable<std::error_code> read_some(std::vector<shared::rtmp::message>& out,
                                             arrival_times& arrival) override {
    return client_.read_some(out, arrival);
  }
  asio::awaitable<std::error_code> flush() override { return client_.flush(); }
  void close() noexcept override { client_.close(); }

  const char* stage() const noexcept override { return stage_; }
  std::uint64_t bytes_in() const noexcept override { return client_.bytes_in(); }
  std::uint64_t reads() const noexcept override { return client_.reads(); }
  std::uint64_t reads_without_timestamp() const noexcept override {
    return client_.reads_without_timestamp();
  }
  const std::string& detail() const noexcept override { return client_.detail(); }
  std::error_code fail(std::error_code ec, std::string detail) override {
    return client_.fail(ec, std::move(detail));
  }

 private:
  const player_config& cfg_;
  rtmp_client client_;
  std::uint32_t stream_id_ = 0;
  const char* stage_ = "";
};

}  // namespace lectern::bench
