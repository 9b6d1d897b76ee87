// One `lectern-bench ws-chat` run: the I/O threads, the ramped joins, the settling, the chat
// messages sent one at a time, and the progress line.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "chat_board.hpp"
#include "control_options.hpp"
#include "ws_client.hpp"

namespace lectern::bench {

/// What the coordinator saw of one message.
struct chat_message_result {
  int seq = 0;
  int sender = -1;  ///< client id; -1: not sent (no client connected)
  int expected = 0;
  int received = 0;                      ///< at the end of the run (late arrivals included)
  std::optional<double> last_client_ms;  ///< null unless every expected client got it in time
  std::optional<double> ack_ms;          ///< the sender's `result`
  bool refused = false;
};

/// Runs the ws-chat benchmark; results are read after run() returns.
class ws_chat_run {
 public:
  explicit ws_chat_run(const ws_chat_options& o);
  ~ws_chat_run();
  ws_chat_run(const ws_chat_run&) = delete;
  ws_chat_run& operator=(const ws_chat_run&) = delete;

  /// Blocks until the run is over (at the latest shortly after --max-seconds).
  void run();

  std::vector<const ws_client_stats*> clients() const;
  const std::vector<chat_message_result>& messages() const noexcept { return results_; }
  /// From the first client's start to the last join (null: nobody joined).
  std::optional<double> join_phase_s() const noexcept { return join_phase_s_; }
  double settle_s() const noexcept { return settle_s_; }
  double elapsed_s() const noexcept { return elapsed_s_; }
  std::uint64_t frames_in() const { return board_.frames_in.load(); }
  std::uint64_t bytes_in() const { return board_.bytes_in.load(); }

 private:
  struct worker {
    boost::asio::io_context ioc{1};
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
    std::vector<std::unique_ptr<ws_client>> clients;
    std::thread thread;
  };

  void start_threads();
  void join_phase();
  void settle();
  void send_messages();
  void send_one(int seq);
  int pick_sender(int seq);
  void stop_all();
  // Waits until done() (checked on every notification of the board and every `poll`) or
  // `until`; prints the progress line once a second meanwhile.
  template <typename Pred>
  bool wait(Pred done, clock::time_point until, clock::duration poll = std::chrono::seconds(1));
  void progress();
  ws_client& client(int id);
  worker& worker_of(int id);

  const ws_chat_options& opt_;
  ws_client_config cfg_;
  chat_board board_;
  clock::time_point start_;
  clock::time_point hard_end_;
  clock::time_point last_progress_;
  std::vector<std::unique_ptr<worker>> workers_;
  std::vector<chat_message_result> results_;
  std::optional<double> join_phase_s_;
  double settle_s_ = 0;
  double elapsed_s_ = 0;
  int sent_ = 0;
  int threads_done_ = 0;  // guarded by board_.mu
};

}  // namespace lectern::bench
