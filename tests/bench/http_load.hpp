// One `lectern-bench http-get` run: C keep-alive connections, each sending one GET after the
// other until the end, on one or more I/O threads.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "control_options.hpp"
#include "stats.hpp"

namespace lectern::bench {

namespace asio = boost::asio;

/// What one connection measured.
struct http_conn_stats {
  int id = 0;
  std::uint64_t requests = 0;  ///< complete answers (any status)
  std::uint64_t ok = 0;        ///< answers with a 2xx status
  std::map<int, std::uint64_t> statuses;
  sample_set latency{65536, 1};  ///< ms from writing the request to the complete answer
  std::uint64_t connects = 0;    ///< TCP connections opened (1 when keep-alive held)
  std::uint64_t io_errors = 0;   ///< connect, write or read failures before the end
  std::string error;             ///< the last of them, in words
};

/// A keep-alive connection that repeats one request. Lives on one io_context.
class http_conn {
 public:
  /// `request` is the serialized request, shared by every connection; `answered` counts
  /// complete answers of all connections, for the progress line.
  http_conn(const asio::any_io_executor& ex, int id, const target& server,
            const std::string& request, std::atomic<std::uint64_t>& answered);

  asio::awaitable<void> run();
  /// Ends the run at once (the request in flight is not counted). Idempotent.
  void stop();
  const http_conn_stats& stats() const noexcept { return stats_; }

 private:
  asio::awaitable<bool> ensure_open();
  void fail(const boost::system::error_code& ec, const char* what);

  const target& server_;
  const std::string& request_;
  std::atomic<std::uint64_t>& answered_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  http_conn_stats stats_;
  bool open_ = false;
  bool stopped_ = false;
  int failures_in_row_ = 0;
};

/// Runs the http-get benchmark; results are read after run() returns.
class http_get_run {
 public:
  explicit http_get_run(const http_get_options& o);
  ~http_get_run();
  http_get_run(const http_get_run&) = delete;
  http_get_run& operator=(const http_get_run&) = delete;

  /// Blocks for --duration (plus the time to close everything).
  void run();

  std::vector<const http_conn_stats*> connections() const;
  double elapsed_s() const noexcept { return elapsed_s_; }

 private:
  struct worker {
    asio::io_context ioc{1};
    asio::steady_timer deadline{ioc};
    std::vector<std::unique_ptr<http_conn>> conns;
    std::thread thread;
  };

  void watch(clock::time_point end);

  const http_get_options& opt_;
  std::string request_;
  std::atomic<std::uint64_t> answered_{0};
  std::vector<std::unique_ptr<worker>> workers_;
  double elapsed_s_ = 0;
};

}  // namespace lectern::bench
