#pragma once

#include <memory>
#include <vector>

#include "log.hpp"
#include "options.hpp"

namespace lectern::server {

/// The lectern-server process: worker threads (one io_context each), the RTMP listener,
/// live streams, recordings, and an orderly stop on SIGINT/SIGTERM.
class server {
 public:
  server(const server_options& options, logger& log);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds, prints the bound ports on stdout, serves until SIGINT/SIGTERM, then stops
  /// accepting, closes clients, finishes recordings and returns the exit code.
  int run();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lectern::server
