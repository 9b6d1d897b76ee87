#include "ws_chat.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <cctype>
#include <cstdio>

namespace lectern::bench {

namespace {

// Distinguishes this run's chat texts from an earlier run's in the same (persistent) chat.
std::string make_run_id() {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%x-%llx", static_cast<unsigned>(getpid()),
                static_cast<unsigned long long>(steady_ns(clock::now()) & 0xFFFFFFFFFF));
  return buf;
}

clock::duration seconds(double s) {
  return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(s));
}

}  // namespace

ws_chat_run::ws_chat_run(const ws_chat_options& o)
    : opt_(o),
      board_(o.clients, o.messages, make_run_id()),
      start_(clock::now()),
      hard_end_(start_ + seconds(o.max_s)),
      last_progress_(start_) {
  cfg_.server = o.server;
  cfg_.path = o.path;
  cfg_.token = o.token;  // room tokens are base64url: safe in a query as they are
  for (int i = 0; i < o.threads; ++i) workers_.push_back(std::make_unique<worker>());
  for (int i = 0; i < o.clients; ++i) {
    worker& w = worker_of(i);
    w.clients.push_back(std::make_unique<ws_client>(w.ioc.get_executor(), i, cfg_, board_));
  }
}

ws_chat_run::~ws_chat_run() {
  for (auto& w : workers_) {
    w->ioc.stop();
    if (w->thread.joinable()) w->thread.join();
  }
}

ws_chat_run::worker& ws_chat_run::worker_of(int id) {
  return *workers_[static_cast<std::size_t>(id) % workers_.size()];
}

ws_client& ws_chat_run::client(int id) {
  return *worker_of(id).clients[static_cast<std::size_t>(id) / workers_.size()];
}

void ws_chat_run::run() {
  start_threads();
  join_phase();
  if (board_.joined.load() > 0) {
    settle();
    send_messages();
  }
  stop_all();
  elapsed_s_ = ms_between(start_, clock::now()) / 1000;
  for (auto& r : results_) {
    if (r.sender < 0) continue;
    r.received = board_.message(r.seq).received.load();
  }
}

void ws_chat_run::start_threads() {
  const auto epoch = clock::now();
  for (auto& wp : workers_) {
    worker* w = wp.get();
    w->work.emplace(w->ioc.get_executor());
    for (auto& c : w->clients) {
      const double at_s = c->stats().id / opt_.ramp_per_s;
      asio::co_spawn(w->ioc, c->run(epoch + seconds(at_s)), asio::detached);
    }
    w->thread = std::thread([this, w] {
      w->ioc.run();
      std::lock_guard lock(board_.mu);
      ++threads_done_;
      board_.cv.notify_all();
    });
  }
}

template <typename Pred>
bool ws_chat_run::wait(Pred done, clock::time_point until, clock::duration poll) {
  until = std::min(until, hard_end_);
  std::unique_lock lock(board_.mu);
  for (;;) {
    if (done()) return true;
    const auto now = clock::now();
    if (now >= until) return false;
    if (now - last_progress_ >= std::chrono::seconds(1)) {
      lock.unlock();
      progress();
      lock.lock();
      continue;
    }
    board_.cv.wait_until(lock,
                         std::min({until, last_progress_ + std::chrono::seconds(1), now + poll}));
  }
}

void ws_chat_run::join_phase() {
  const int n = opt_.clients;
  wait([&] { return board_.joined.load() + board_.failed.load() >= n; },
       clock::now() + seconds(opt_.join_timeout_s));
  if (board_.joined.load() > 0) join_phase_s_ = ms_between(start_, clock::now()) / 1000;
  // Clients still joining are given up on: the room is measured as it is.
  for (auto& wp : workers_) {
    worker* w = wp.get();
    asio::post(w->ioc, [w] {
      for (auto& c : w->clients) c->abandon_join();
    });
  }
}

void ws_chat_run::settle() {
  // Each join sends a roster change to everyone already there (N^2/2 frames in all); the
  // first message waits until they are read, so that it measures chat, not the backlog.
  const auto begin = clock::now();
  const auto quiet = seconds(opt_.quiet_ms / 1000);
  std::uint64_t seen = board_.frames_in.load();
  auto changed = begin;
  wait(
      [&] {
        const auto now = clock::now();
        if (const auto f = board_.frames_in.load(); f != seen) seen = f, changed = now;
        return now - changed >= quiet;
      },
      begin + std::chrono::seconds(30), quiet / 4);
  settle_s_ = ms_between(begin, clock::now()) / 1000;
}

int ws_chat_run::pick_sender(int seq) {
  // Message k by client k mod N: many senders, each far below the 50 frames/s limit.
  for (int i = 0; i < opt_.clients; ++i) {
    const int id = (seq + i) % opt_.clients;
    if (board_.connected(id).load()) return id;
  }
  return -1;
}

void ws_chat_run::send_messages() {
  for (int seq = 0; seq < opt_.messages && clock::now() < hard_end_; ++seq) {
    send_one(seq);
    if (seq + 1 < opt_.messages) std::this_thread::sleep_for(seconds(opt_.interval_ms / 1000));
  }
}

void ws_chat_run::send_one(int seq) {
  chat_message_result r;
  r.seq = seq;
  r.sender = pick_sender(seq);
  chat_message_track& t = board_.message(seq);
  if (r.sender < 0) return results_.push_back(r);
  r.expected = board_.connected_now.load();
  t.expected.store(r.expected);
  ws_client* sender = &client(r.sender);
  asio::post(worker_of(r.sender).ioc, [sender, seq, this] {
    asio::co_spawn(worker_of(sender->stats().id).ioc, sender->send_chat(seq), asio::detached);
  });
  ++sent_;
  const bool complete = wait([&] { return t.received.load() >= r.expected && t.ack_ns.load(); },
                             clock::now() + seconds(opt_.message_timeout_s));
  const auto sent = t.sent_ns.load();
  if (complete || t.received.load() >= r.expected)
    r.last_client_ms = static_cast<double>(t.last_ns.load() - sent) / 1e6;
  if (const auto ack = t.ack_ns.load(); ack != 0 && sent != 0)
    r.ack_ms = static_cast<double>(ack - sent) / 1e6;
  r.refused = t.refused.load();
  results_.push_back(r);
}

void ws_chat_run::stop_all() {
  for (auto& wp : workers_) {
    worker* w = wp.get();
    asio::post(w->ioc, [w] {
      for (auto& c : w->clients) c->stop();
      w->work.reset();
    });
  }
  // Closing sockets ends every coroutine at once; a thread busy after 5 s is stuck.
  const auto n = static_cast<int>(workers_.size());
  std::unique_lock lock(board_.mu);
  if (!board_.cv.wait_for(lock, std::chrono::seconds(5), [&] { return threads_done_ >= n; })) {
    std::fprintf(stderr, "lectern-bench: threads still busy 5 s after the end; stopping them\n");
    for (auto& w : workers_) w->ioc.stop();
  }
  lock.unlock();
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
}

void ws_chat_run::progress() {
  const auto now = clock::now();
  last_progress_ = now;
  if (opt_.quiet) return;
  std::fprintf(stderr, "[%5.1fs] clients %d/%d joined, %d connected, %d failed | messages %d/%d\n",
               ms_between(start_, now) / 1000, board_.joined.load(), opt_.clients,
               board_.connected_now.load(), board_.failed.load(), sent_, opt_.messages);
}

std::vector<const ws_client_stats*> ws_chat_run::clients() const {
  std::vector<const ws_client_stats*> out(static_cast<std::size_t>(opt_.clients));
  for (const auto& w : workers_)
    for (const auto& c : w->clients) out[static_cast<std::size_t>(c->stats().id)] = &c->stats();
  return out;
}

}  // namespace lectern::bench
