#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "http_types.hpp"
#include "log.hpp"
#include "room_directory.hpp"
#include "room_state.hpp"
#include "rtmp_observer.hpp"

namespace lectern::server {

class store;
class webhooks;
class ws_connection;
struct api_context;

/// One participant's control connection as the room sees it: a WebSocket, or an RTMP
/// client using remote shared objects. Both methods are thread-safe and never block.
class control_conn {
 public:
  virtual ~control_conn() = default;
  /// A protocol frame (docs/control-protocol.md), encoded once and shared.
  virtual void send(std::shared_ptr<const std::string> frame) = 0;
  virtual void close(std::uint16_t code, std::string reason) = 0;
  virtual const std::string& peer() const = 0;
};

/// The live side of every room: the room_state (shared objects, roster, chat, hands,
/// speak grants) of each room with someone in it, the WebSocket connections of its
/// participants and the RTMP publications and playbacks of its streams. It carries out
/// what room_state decides: sends frames (encoded once, shared), persists shared objects
/// and class sessions through the store (in order, off the network threads), closes
/// connections, grants and revokes publish rights. Thread-safe; one mutex per room.
class classroom final : public rtmp_observer {
 public:
  classroom(store& db, room_directory& rooms, logger& log, webhooks* hooks,
            std::function<std::int64_t()> now_ms);
  ~classroom() override;

  /// Starts the 1 s housekeeping timer (grace periods, lock timeouts) on `ctx`.
  void start(boost::asio::io_context& ctx);
  /// Closes every control connection (server shutdown).
  void stop();
  /// Destroys the housekeeping timers (before their io_context goes).
  void release_timer() {
    timer_.reset();
    persist_timer_.reset();
  }
  /// Hands every room's unsaved shared-object changes to the store now (at shutdown,
  /// after the worker threads ended and before the store stops).
  void flush_objects();

  /// The /api/v1/ws route.
  boost::asio::awaitable<void> serve_ws(api_context& api, request_context& ctx,
                                        std::shared_ptr<ws_connection> ws);

  /// A few live figures for room lists (cheap, no waiting).
  nlohmann::json brief(std::int64_t room_id);
  /// The live state of a room: roster, class, teacher stream, players with their buffer
  /// and drops (gathered from their threads).
  boost::asio::awaitable<nlohmann::json> live_state(std::int64_t room_id);
  /// Closes a participant's control and RTMP connections. False if nobody by that id.
  bool kick(std::int64_t room_id, std::string_view participant);
  /// Ends the class: everyone is told, the teacher's publications stop.
  void end_class(std::int64_t room_id);
  void room_changed(const room_summary& r);
  void room_deleted(std::int64_t room_id);

  // rtmp_observer
  void on_publish_start(const rtmp_activity& a) override;
  void on_publish_stop(const rtmp_activity& a) override;
  void on_play_start(const rtmp_activity& a) override;
  void on_play_stop(const rtmp_activity& a) override;
  void on_play_switch(const rtmp_activity& from, const rtmp_activity& to) override;
  /// RTMP remote shared objects on the room's store (classroom_rtmp.cpp).
  std::shared_ptr<rtmp_so_link> open_shared_objects(rtmp_so_client client,
                                                    std::string& refusal) override;

  /// Counters for /metrics.
  std::size_t ws_clients() const;
  std::size_t rooms_active() const;
  /// Shared-object batches handed to the store, and slot writes a later write replaced
  /// before they were stored (classroom_persist.cpp).
  std::uint64_t so_batches() const { return so_batches_; }
  std::uint64_t so_writes_coalesced() const { return so_writes_coalesced_; }

  struct runtime;
  struct participant_handler;
  struct rtmp_so_handler;

 private:
  using room_fn = std::function<void(runtime&)>;
  /// Runs `fn` with the room's lock held once its persistent objects are loaded (at once
  /// if they are); operations on one room run in the order they were asked for.
  void with_room(std::int64_t room_id, room_fn fn);
  std::shared_ptr<runtime> find_runtime(std::int64_t room_id) const;
  void run_guarded(const room_fn& fn, runtime& rt);
  void apply(runtime& rt, room_effects&& fx);
  // classroom_persist.cpp
  /// How long a shared-object change may wait before it is handed to the store: a kill -9
  /// loses at most about this much more, and a burst of writes to a slot is stored once.
  static constexpr std::chrono::milliseconds k_persist_interval{200};
  void store_due_objects();
  void queue_objects(runtime& rt, std::vector<so_persist>&& persist);
  /// Posts a batch for each listed room; unless `all`, not for a room whose last batch
  /// still waits in the store's queue.
  void store_objects(bool all);
  void post_batch(runtime& rt);
  void close_rtmp(runtime& rt, const std::function<bool(const rtmp_activity&)>& which,
                  const std::string& reason);
  /// Drops a's &participant= claim unless the room has that participant with a's role.
  void check_claim(runtime& rt, rtmp_activity& a) const;
  void tick();
  void maybe_retire(std::int64_t room_id);
  /// Both run with the room's lock held, so that a leave is queued after its join.
  void attendance_join(runtime& rt, std::string key, std::string participant, std::string role,
                       std::string name, std::string via, std::string peer);
  void attendance_leave(runtime& rt, const std::string& key);
  void emit(std::string type, nlohmann::json data);

  store& db_;
  room_directory& rooms_;
  logger& log_;
  webhooks* hooks_;
  std::function<std::int64_t()> now_ms_;
  mutable std::mutex mutex_;  // guards runtimes_ (never taken while holding a room's lock)
  std::unordered_map<std::int64_t, std::shared_ptr<runtime>> runtimes_;
  std::atomic<std::uint64_t> next_handle_{1};
  std::atomic<std::size_t> ws_clients_{0};
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::unique_ptr<boost::asio::steady_timer> persist_timer_;
  std::mutex dirty_mutex_;           // guards dirty_; a leaf lock
  std::vector<std::int64_t> dirty_;  // rooms with unsaved shared-object changes
  std::atomic<std::uint64_t> so_batches_{0};
  std::atomic<std::uint64_t> so_writes_coalesced_{0};
  // Attendance row ids by connection key: touched only on the store thread.
  std::shared_ptr<std::unordered_map<std::string, std::int64_t>> attendance_rows_;
};

}  // namespace lectern::server
