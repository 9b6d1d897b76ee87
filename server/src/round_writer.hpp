// Players' writes in rounds: every player a worker thread has something for is written by
// one posted handler, with one io_uring submission (send_batch) or one non-blocking
// sendmsg each. RTMP players (rtmp_session) and HTTP-FLV/WS-FLV players (flv_player) take
// the same path; see docs/server.md, "Writes".
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <memory>

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
};

/// Puts `writer` in its worker's next round (once: a writer already in it stays). The round
/// runs from a handler posted to the worker's context, after the handler that queued.
void schedule_write(worker& w, std::shared_ptr<round_writer> writer);

/// Writes everything `writer` has queued now with its own non-blocking sendmsg calls,
/// until its socket is full or nothing is left.
void write_now(round_writer& writer);

}  // namespace lectern::server
