#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <vector>

#include "log.hpp"
#include "options.hpp"

namespace lectern::server {

class authorizer;
class rtmp_observer;
class stream_registry;
struct recording_done;
struct server_context;

/// The classroom server beside the relay: the SQLite store, rooms and tokens, the
/// HTTP/WebSocket API, shared objects, metrics and webhooks. The relay asks it who may
/// publish and play (authorizer) and tells it what happens (rtmp_observer).
class control_plane {
 public:
  /// Opens the store (migrating it), the server secret and the first admin; throws
  /// std::runtime_error with a readable message when it cannot.
  control_plane(const server_options& options, logger& log, stream_registry& streams);
  ~control_plane();
  control_plane(const control_plane&) = delete;
  control_plane& operator=(const control_plane&) = delete;

  /// The RTMP authorizer: room tokens, or allow-all with --open.
  authorizer& auth();
  rtmp_observer& observer();

  /// Binds the HTTP listener; returns the bound endpoint. Throws on failure. `relay` is
  /// what HTTP-FLV players share with RTMP ones (streams, authorizer, bounds).
  boost::asio::ip::tcp::endpoint listen(std::vector<boost::asio::io_context*> contexts,
                                        std::uint16_t rtmp_port, server_context& relay);
  void start();
  /// Stops accepting, closes control connections, gives webhooks a moment.
  void stop();
  /// After the worker threads ended: finishes queued database writes.
  void close_store();
  /// Drops what is bound to the worker io_contexts (listener, timers); call before they
  /// are destroyed.
  void release_io();

  /// A finished recording (from the finalizer's thread): indexed for the API.
  void recording_finished(const std::filesystem::path& file, std::int64_t duration_ms,
                          std::int64_t size_bytes);

  /// Relay figures for /metrics and /api/v1/stats, supplied by the server.
  struct relay_counters {
    std::function<std::size_t()> rtmp_connections;
    std::function<std::uint64_t()> bytes_in;
    std::function<std::uint64_t()> bytes_out;
    std::function<std::uint64_t()> dropped_messages;   ///< of closed players
    std::function<std::size_t()> vod_opens_waiting;    ///< recordings being opened (vod_library)
    std::function<std::uint64_t()> vod_opens_refused;  ///< opens refused: too many waiting
    std::function<std::uint64_t()> vod_indexes_built;  ///< recordings indexed (not shared)
  };
  void set_relay_counters(relay_counters c);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lectern::server
