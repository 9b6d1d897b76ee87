#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lectern/shared/chunk_reader.hpp"
#include "lectern/shared/command.hpp"
#include "lectern/shared/handshake.hpp"
#include "lectern/shared/message.hpp"
#include "live_item.hpp"
#include "outbound_queue.hpp"
#include "player_lag.hpp"
#include "round_writer.hpp"
#include "server_context.hpp"

namespace lectern::server {

class live_stream;
struct stream_name;
class flv_recorder;
class vod_source;

/// One RTMP connection: handshake, chunk stream, commands, and the streams it publishes
/// or plays. Two coroutines on the connection's worker thread: reader() parses what
/// arrives and acts on it, watchdog() enforces the timeouts and the lag bound; flush()
/// sends what is queued in gathered writes. Everything runs on one thread, so
/// the session needs no locks; live media reaches it through live_stream's groups.
class rtmp_session : public std::enable_shared_from_this<rtmp_session>,
                     public stream_client,
                     public round_writer {
 public:
  using clock = std::chrono::steady_clock;

  rtmp_session(boost::asio::ip::tcp::socket socket, server_context& server, worker& w);
  ~rtmp_session();

  /// Runs the connection to its end; co_spawn it on the worker's context. The coroutine
  /// frame owns `self`, so the session lives exactly as long as the connection.
  static boost::asio::awaitable<void> run(std::shared_ptr<rtmp_session> self);
  /// Ends the connection with a reason for the log (from the session's thread).
  void close(std::string reason) override;
  std::uint64_t id() const noexcept { return id_; }
  /// A player's figures for the API's live state (on the session's thread); nullopt if
  /// `stream_id` does not play.
  std::optional<rtmp_player_stats> player_stats(std::uint32_t stream_id) const override;

 private:
  // One message stream of this connection (createStream).
  struct net_stream;
  struct live_player;
  enum class role : std::uint8_t { idle, publishing, playing_live, opening_vod, playing_vod };
  struct vod_request;  // a play of a recording while the file is opened off this thread

  // I/O (rtmp_session.cpp)
  boost::asio::awaitable<void> reader();
  // round_writer: queued messages into batch_ (iov_), and what became of their send
  bool take_write(int& fd, const iovec*& buffers, std::size_t& count) override;
  bool sent(long result) override;
  void flush();  // write_now(*this)
  boost::asio::awaitable<void> watchdog();
  bool consume(std::error_code& ec);
  void wake_writer();
  void send(const shared::rtmp::message& m);
  void send_command(const shared::rtmp::command& c, std::uint32_t stream_id);
  void send_status(std::uint32_t stream_id, std::string_view level, std::string_view code,
                   std::string_view description);
  void send_data_status(std::uint32_t stream_id, std::string_view handler, std::string_view code,
                        std::string_view description);
  void close_after_flush(std::string reason);
  void finish();
  std::string summary() const;

  // Messages and commands (rtmp_session_commands.cpp)
  void dispatch(shared::rtmp::message&& m);
  void on_command(const shared::rtmp::message& m);
  void on_connect(const shared::rtmp::command& c);
  void on_create_stream(const shared::rtmp::command& c);
  void on_publish(const shared::rtmp::command& c, std::uint32_t stream_id);
  void on_play(const shared::rtmp::command& c, std::uint32_t stream_id);
  void start_play(const shared::rtmp::play_command& p, std::uint32_t stream_id);
  std::optional<access_decision> authorize_play(std::uint32_t stream_id, const stream_name& parsed,
                                                std::string_view what);
  void on_pause(const shared::rtmp::command& c, std::uint32_t stream_id);
  void on_seek(const shared::rtmp::command& c, std::uint32_t stream_id);
  void on_receive(const shared::rtmp::command& c, std::uint32_t stream_id, bool video);
  void on_delete_stream(std::uint32_t stream_id);
  void on_data(shared::rtmp::message&& m);
  void on_media(shared::rtmp::message&& m);
  void on_user_control(const shared::rtmp::message& m);
  void on_shared_object(const shared::rtmp::message& m);
  void reply_result(double transaction_id);
  void reply_error(double transaction_id, std::string_view code, std::string_view description);
  net_stream* stream(std::uint32_t id);
  net_stream* stream_or_create(std::uint32_t id);  // null (and closing) past the limit
  void stop_stream(net_stream& s, bool tell_client);
  void observe(net_stream& s, bool start);  // tells server_.observer
  rtmp_activity activity_of(const net_stream& s);

  // Publishing (rtmp_session_publish.cpp)
  void start_recording(net_stream& s, shared::rtmp::publish_type type);
  void stop_recording(net_stream& s);

  // Playing (rtmp_session_play.cpp)
  void play_live(net_stream& s, const std::shared_ptr<live_stream>& live, bool reset);
  void open_vod(net_stream& s, const std::string& file, std::uint32_t start_ms, bool reset,
                shared::rtmp::play_mode mode);
  void on_vod_opened(const vod_request& r, std::unique_ptr<vod_source> src, std::error_code ec,
                     std::uint32_t indexed_ms);
  void play_vod(net_stream& s, std::unique_ptr<vod_source> src, bool reset);
  void play_absent(net_stream& s, shared::rtmp::play_mode mode, bool reset);
  void get_stream_length(const shared::rtmp::command& c);
  void on_live(net_stream& s, const live_item_ptr* items, std::size_t n, clock::time_point now);
  void live_event(net_stream& s, const live_item& item);  // publish/unpublish notices
  void queue_items(net_stream& s, const std::vector<live_item_ptr>& items, bool burst);
  void queue_live(net_stream& s, const live_item& item, bool burst, clock::time_point now);
  void queue_at(net_stream& s, const live_item& item, std::uint64_t timestamp, bool burst,
                clock::time_point now);
  shared::shared_bytes wire_for(const net_stream& s, const live_item& item,
                                std::uint64_t timestamp) const;
  static boost::asio::awaitable<void> vod_pump(std::shared_ptr<rtmp_session> self,
                                               std::uint32_t stream_id, std::uint64_t generation);
  boost::asio::awaitable<void> serve();
  void start_vod_pump(net_stream& s);
  void send_play_start(net_stream& s, bool reset, std::string_view what);

  // play2: NetStreamPlayOptions transitions (rtmp_session_switch.cpp)
  struct pending_switch;
  void on_play2(const shared::rtmp::command& c, std::uint32_t stream_id);
  void start_switch(net_stream& s, const shared::rtmp::play2_command& p);
  void on_switch_live(net_stream& s, const live_item_ptr& item);
  void complete_switch(net_stream& s, const live_item_ptr& cut);
  void cancel_switch(net_stream& s);
  void send_transition_complete(net_stream& s, const std::string& from, std::uint64_t at);

  boost::asio::ip::tcp::socket socket_;
  server_context& server_;
  worker& worker_;
  const std::uint64_t id_;
  std::string peer_;
  const clock::time_point started_;

  std::unique_ptr<shared::handshake::server> handshake_;
  bool handshake_done_ = false;
  shared::rtmp::chunk_reader reader_;
  std::vector<std::uint8_t> in_;  // bytes read and not yet consumed
  std::size_t in_used_ = 0;
  bool last_read_filled_ = false;  // the last read filled the buffer: grow it

  // The write path's state, together: a live message to 1,000 players touches each player's
  // session once, and every cache line of it that the path needs is a miss.
  outbound_queue queue_;
  std::vector<outbound_queue::entry> batch_;        // being written
  std::vector<iovec> iov_;                          // of batch_: the write
  std::vector<boost::asio::const_buffer> buffers_;  // what is left of it, when partial
  std::size_t batch_bytes_ = 0;
  clock::time_point batch_queued_at_{};
  std::uint64_t bytes_out_ = 0;
  std::uint64_t media_out_ = 0;
  std::uint32_t out_chunk_size_ = 128;  // RTMP spec 5.4.1: until our Set Chunk Size
  bool writing_ = false;                // an async_write of batch_ is in flight
  bool closing_ = false;                // close() called: the coroutines are ending
  bool draining_ = false;               // close after the queue is written
  boost::asio::steady_timer wake_;

  bool connected_ = false;
  bool amf3_ = false;  // objectEncoding 3: commands in AMF3 messages
  std::string app_;
  std::string connect_query_;
  std::uint32_t next_stream_id_ = 1;
  std::uint64_t vod_generations_ = 0;  // session-wide, so a new stream never reuses one
  std::map<std::uint32_t, std::unique_ptr<net_stream>> streams_;
  std::shared_ptr<rtmp_so_link> so_link_;  // set by the first shared object message

  clock::time_point last_received_;
  lag_watch lag_;
  std::string close_reason_;
  clock::time_point drain_deadline_{};

  std::uint64_t bytes_in_ = 0;
  std::uint64_t media_in_ = 0;
  std::string activity_;  // "published live/x", "played live/x", for the closing log line
};

}  // namespace lectern::server
