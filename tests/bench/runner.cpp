#include "runner.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>

namespace lectern::bench {

using asio::as_tuple;
using asio::use_awaitable;

namespace {

// The publisher stops sending this long before the end so that its last messages can
// reach the players before they stop counting (a fifth of short runs).
std::chrono::nanoseconds drain_time(double duration_s) {
  const double s = std::min(1.0, duration_s / 5);
  return std::chrono::nanoseconds(static_cast<std::int64_t>(s * 1e9));
}

// Delivery counts what the publisher sent this long before it stopped (plus the drain):
// frames still in flight at the end are late, not lost (a tenth of runs under 20 s).
std::chrono::nanoseconds grace_time(double duration_s) {
  const double s = std::min(2.0, duration_s / 10);
  return std::chrono::nanoseconds(static_cast<std::int64_t>(s * 1e9));
}

}  // namespace

runner::runner(const options& o, const media_file* file)
    : opt_(o),
      file_(file),
      start_(clock::now()),
      deadline_(start_ + std::chrono::nanoseconds(static_cast<std::int64_t>(o.duration_s * 1e9))) {
  player_cfg_.transport = o.transport;
  player_cfg_.target = o.play_url.empty() ? o.target : o.play_target;
  player_cfg_.buffer_ms = o.buffer_ms;
  player_cfg_.stall_reader_ms = o.stall_reader_ms;
  player_cfg_.audio_only = o.audio_only;
  player_cfg_.stall_threshold_ms = o.stall_threshold_ms;
  player_cfg_.log = file != nullptr ? &log_ : nullptr;
  publisher_cfg_.target = o.target;
  publisher_cfg_.file = file;
  publisher_cfg_.loop = o.loop;
  publisher_cfg_.timestamp_offset_ms = o.timestamp_offset_ms;
  publisher_cfg_.stop_sending_at = deadline_ - drain_time(o.duration_s);
  log_.cutoff = publisher_cfg_.stop_sending_at - grace_time(o.duration_s);

  for (int i = 0; i < o.threads; ++i) workers_.push_back(std::make_unique<worker>());
  for (int i = 0; i < o.players; ++i) {
    worker& w = *workers_[static_cast<std::size_t>(i) % workers_.size()];
    w.players.push_back(std::make_unique<player>(w.ioc.get_executor(), i, player_cfg_, counters_));
  }
  if (file != nullptr)
    publisher_ =
        std::make_unique<bench::publisher>(workers_[0]->ioc.get_executor(), publisher_cfg_, log_);
}

runner::~runner() {
  for (auto& w : workers_) {
    w->ioc.stop();
    if (w->thread.joinable()) w->thread.join();
  }
}

void runner::start_threads() {
  for (auto& wp : workers_) {
    worker* w = wp.get();
    // Everything on this io_context ends at the deadline (or when stop_all() cancels it).
    w->deadline.expires_at(deadline_);
    asio::co_spawn(
        w->ioc,
        [this, w]() -> asio::awaitable<void> {
          co_await w->deadline.async_wait(as_tuple(use_awaitable));
          for (auto& p : w->players) p->stop();
          if (publisher_ && w == workers_[0].get()) publisher_->stop();
        },
        asio::detached);
    w->thread = std::thread([this, w] {
      w->ioc.run();
      std::lock_guard lock(mu_);
      ++threads_done_;
      cv_.notify_all();
    });
  }
}

bool runner::wait_for_publisher(clock::time_point until) {
  // Spawned from the worker's own thread, like everything else on it.
  asio::post(workers_[0]->ioc, [this] {
    auto ready = [this](const std::string& why) {
      std::lock_guard lock(mu_);
      publisher_ready_ = why;
      cv_.notify_all();
    };
    asio::co_spawn(workers_[0]->ioc, publisher_->run(ready), asio::detached);
  });
  std::unique_lock lock(mu_);
  if (!cv_.wait_until(lock, until, [this] { return publisher_ready_.has_value(); }))
    publisher_error_ = "the publisher did not get NetStream.Publish.Start in time";
  else
    publisher_error_ = *publisher_ready_;
  return publisher_error_.empty();
}

void runner::launch_players(clock::time_point epoch) {
  for (auto& wp : workers_) {
    worker* w = wp.get();
    asio::post(w->ioc, [this, w, epoch] {
      for (auto& p : w->players) {
        const double at_s = p->stats().id / opt_.ramp_per_s;
        const auto at = epoch + std::chrono::nanoseconds(static_cast<std::int64_t>(at_s * 1e9));
        asio::co_spawn(w->ioc, p->run(at), asio::detached);
      }
    });
  }
}

void runner::stop_all() {
  for (auto& wp : workers_) {
    worker* w = wp.get();
    asio::post(w->ioc, [w] { w->deadline.cancel(); });
  }
}

void runner::run() {
  start_threads();
  if (publisher_ && !wait_for_publisher(publisher_cfg_.stop_sending_at)) {
    std::fprintf(stderr, "lectern-bench: %s\n", publisher_error_.c_str());
    stop_all();
  } else {
    launch_players(clock::now());
  }
  watch(deadline_);
  for (auto& w : workers_) w->thread.join();
  elapsed_s_ = ms_between(start_, clock::now()) / 1000;
  const auto last_ns = log_.last_send_ns.load();
  const clock::time_point last_send{clock::duration(last_ns)};
  for (auto& w : workers_)
    for (auto& p : w->players) {
      if (!publisher_error_.empty())
        p->skip("not started: the publisher failed (" + publisher_error_ + ")");
      p->finish(last_ns == 0 ? clock::time_point{} : last_send);
    }
}

void runner::watch(clock::time_point deadline) {
  // Connections are closed at the deadline; a thread still busy well after it is stuck in
  // something we cannot cancel, and the run ends anyway.
  const auto backstop = deadline + std::chrono::seconds(5);
  std::uint64_t last_in = 0;
  std::uint64_t last_pub = 0;
  auto last = clock::now();
  bool ended_early = false;
  std::unique_lock lock(mu_);
  while (threads_done_ < static_cast<int>(workers_.size())) {
    cv_.wait_for(lock, std::chrono::seconds(1));
    const auto now = clock::now();
    if (now > backstop) {
      std::fprintf(stderr, "lectern-bench: threads still busy 5 s after the end; stopping them\n");
      for (auto& w : workers_) w->ioc.stop();
      break;
    }
    // Nothing left to measure once every player is done (refused, or closed by the server).
    if (opt_.players > 0 && counters_.finished.load() == opt_.players && !ended_early) {
      ended_early = true;
      stop_all();
    }
    if (opt_.quiet || now - last < std::chrono::milliseconds(990)) continue;
    const double dt = ms_between(last, now) / 1000;
    const std::uint64_t in = counters_.bytes_in.load(std::memory_order_relaxed);
    const std::uint64_t pub = log_.wire_bytes.load(std::memory_order_relaxed);
    print_progress(ms_between(start_, now) / 1000, (in - last_in) * 8 / dt / 1e6,
                   (pub - last_pub) * 8 / dt / 1e6);
    last_in = in;
    last_pub = pub;
    last = now;
  }
}

void runner::print_progress(double t, double mbit_in, double mbit_pub) const {
  std::fprintf(stderr, "[%5.1fs] players %d/%d connected, %d playing, %d failed | in %.1f Mbit/s",
               t, counters_.connected.load(), opt_.players, counters_.playing.load(),
               counters_.failed.load(), mbit_in);
  if (publisher_) std::fprintf(stderr, " | publisher %.2f Mbit/s", mbit_pub);
  std::fputc('\n', stderr);
}

std::vector<const player_stats*> runner::players() const {
  std::vector<const player_stats*> out(static_cast<std::size_t>(opt_.players));
  for (const auto& w : workers_)
    for (const auto& p : w->players) out[static_cast<std::size_t>(p->stats().id)] = &p->stats();
  return out;
}

const publisher_stats* runner::publisher_result() const {
  return publisher_ ? &publisher_->stats() : nullptr;
}

}  // namespace lectern::bench
