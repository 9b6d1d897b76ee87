// Players' writes in rounds: every player a worker thread has something for is written by
// one posted handler, with one io_uring submission (send_batch) or one non-blocking
// sendmsg each. RTMP players (rtmp_session) and HTTP-FLV/WS-FLV players (flv_player) take
// the same path; see docs/server.md, "Writes".
#pragma once

#include <sys/uio.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <memory>
#include <vector>

namespace lectern::server {

struct worker;

/// A connection whose queued bytes go out in its worker's write rounds. All calls on the
/// worker's thread.
class round_writer {
 public:
  virtual ~round_writer() = default;

  /// What is queued, as one write: the socket and the buffers (valid until sent()). False
  /// when there is nothing to write now (empty, a write in flight, closed).
  virtual bool take_write(int& fd, const iovec*& buffers, std::size_t& count) = 0;
  /// What became of take_write()'s buffers: the bytes written, or -errno (-EAGAIN: the
  /// socket is full). The writer finishes a partial write itself (waiting for
  /// writability). True: it all went, so the writer may take another write at once.
  virtual bool sent(long result) = 0;

  bool in_round = false;  ///< queued in its worker's due_writes
  bool waiting = false;   ///< its next write waits on a timer (schedule_write_after)
};

/// Puts `writer` in its worker's next round (once: a writer already in it stays). The round
/// runs from a handler posted to the worker's context, after the handler that queued.
void schedule_write(worker& w, std::shared_ptr<round_writer> writer);

/// --write-batching window: `writer` writes (write_now) when `timer` has waited
/// k_player_batch_wait for more to be queued. A cancelled wait writes at once.
void schedule_write_after(boost::asio::steady_timer& timer, std::shared_ptr<round_writer> writer);

/// Writes everything `writer` has queued now with its own non-blocking sendmsg calls,
/// until its socket is full or nothing is left.
void write_now(round_writer& writer);

/// What is left of a write of `buffers` once its first `written` bytes went, into `out`:
/// what a writer's async_write sends when the socket is full.
void unsent_part(const std::vector<iovec>& buffers, std::size_t written,
                 std::vector<boost::asio::const_buffer>& out);

}  // namespace lectern::server
