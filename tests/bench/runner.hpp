// One benchmark run: the I/O threads (one io_context each), the publisher, the ramped
// players, the deadline that ends everything, and the progress line.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "media_file.hpp"
#include "options.hpp"
#include "player.hpp"
#include "publisher.hpp"
#include "send_log.hpp"
#include "stats.hpp"

namespace lectern::bench {

/// Runs the benchmark described by `options`; results are read after run() returns.
class runner {
 public:
  /// `file` is the loaded --publish input, or nullptr.
  runner(const options& o, const media_file* file);
  ~runner();
  runner(const runner&) = delete;
  runner& operator=(const runner&) = delete;

  /// Blocks until every connection has stopped (at the latest shortly after --duration).
  void run();

  /// Every player, in id order.
  std::vector<const player_stats*> players() const;
  const publisher_stats* publisher_result() const;
  const send_log& log() const noexcept { return log_; }
  /// Setup failure of the publisher ("" if none or no publisher).
  const std::string& publisher_error() const noexcept { return publisher_error_; }
  double elapsed_s() const noexcept { return elapsed_s_; }

 private:
  struct worker {
    boost::asio::io_context ioc{1};
    boost::asio::steady_timer deadline{ioc};  // cancelled early to end the run at once
    std::vector<std::unique_ptr<player>> players;
    std::thread thread;
  };

  void start_threads();
  bool wait_for_publisher(clock::time_point deadline);
  void launch_players(clock::time_point epoch);
  void stop_all();
  void watch(clock::time_point deadline);
  void print_progress(double t, double mbit_in, double mbit_pub) const;

  const options& opt_;
  const media_file* file_;
  clock::time_point start_;
  clock::time_point deadline_;
  player_config player_cfg_;
  publisher_config publisher_cfg_;
  send_log log_;
  live_counters counters_;
  std::vector<std::unique_ptr<worker>> workers_;
  std::unique_ptr<bench::publisher> publisher_;
  std::string publisher_error_;
  double elapsed_s_ = 0;
  std::mutex mu_;  // guards the three below, with cv_
  std::condition_variable cv_;
  std::optional<std::string> publisher_ready_;  // set once: "" or why it failed
  int threads_done_ = 0;
};

}  // namespace lectern::bench
