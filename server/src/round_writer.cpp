#include "round_writer.hpp"

#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <cerrno>

#include "player_writes.hpp"
#include "server_context.hpp"

namespace lectern::server {

namespace {

long send_buffers(int fd, const iovec* buffers, std::size_t count) {
  msghdr m{};
  m.msg_iov = const_cast<iovec*>(buffers);
  m.msg_iovlen = count;
  long n;
  do {
    n = ::sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : n;
}

// The round with one io_uring submission per send_batch::k_capacity writers.
void send_round(worker& w) {
  const auto& due = w.writing_now;
  std::size_t next = 0;
  while (next < due.size()) {
    w.sending.clear();
    for (; next < due.size() && w.sending.size() < send_batch::k_capacity; ++next) {
      round_writer& s = *due[next];
      s.in_round = false;
      int fd = -1;
      const iovec* buffers = nullptr;
      std::size_t count = 0;
      if (!s.take_write(fd, buffers, count)) continue;
      if (!w.sends.add(fd, buffers, count)) {  // the ring is gone: this writer on its own
        if (s.sent(send_buffers(fd, buffers, count))) write_now(s);
        continue;
      }
      w.sending.push_back(&s);
    }
    w.sends.submit(w.sent);
    for (std::size_t i = 0; i < w.sending.size(); ++i) {
      round_writer& s = *w.sending[i];
      // More than one write's worth queued (k_player_write_batch): the rest at once.
      if (s.sent(i < w.sent.size() ? w.sent[i] : -EAGAIN)) write_now(s);
    }
  }
}

void run_round(worker& w) {
  // Swapped out first: a write may wake another writer (a reply, a close), which then goes
  // into a new round with its own post.
  w.writing_now.swap(w.due_writes);
  if (w.sends.enabled()) {
    send_round(w);
  } else {
    for (const auto& s : w.writing_now) {
      s->in_round = false;
      write_now(*s);
    }
  }
  w.writing_now.clear();
}

}  // namespace

void schedule_write(worker& w, std::shared_ptr<round_writer> writer) {
  if (writer->in_round) return;
  writer->in_round = true;
  // One post per round, not per writer: a message to 1,000 players would otherwise
  // allocate 1,000 handlers (Asio recycles only a few per thread).
  if (w.due_writes.empty()) boost::asio::post(w.context, [&w] { run_round(w); });
  w.due_writes.push_back(std::move(writer));
}

void schedule_write_after(boost::asio::steady_timer& timer, std::shared_ptr<round_writer> writer) {
  writer->waiting = true;
  timer.expires_after(k_player_batch_wait);
  timer.async_wait([writer = std::move(writer)](const boost::system::error_code&) {
    writer->waiting = false;
    write_now(*writer);
  });
}

void unsent_part(const std::vector<iovec>& buffers, std::size_t written,
                 std::vector<boost::asio::const_buffer>& out) {
  out.clear();
  for (const auto& v : buffers) {
    if (written >= v.iov_len) {
      written -= v.iov_len;
      continue;
    }
    out.emplace_back(static_cast<const char*>(v.iov_base) + written, v.iov_len - written);
    written = 0;
  }
}

void write_now(round_writer& writer) {
  int fd = -1;
  const iovec* buffers = nullptr;
  std::size_t count = 0;
  while (writer.take_write(fd, buffers, count)) {
    if (!writer.sent(send_buffers(fd, buffers, count))) return;
  }
}

}  // namespace lectern::server
