// Command lines of the control-plane subcommands: `lectern-bench ws-chat` (chat fan-out over
// the WebSocket control channel) and `lectern-bench http-get` (HTTP API throughput).
#pragma once

#include <cstdio>
#include <string>

#include "options.hpp"

namespace lectern::bench {

/// `lectern-bench ws-chat`: N clients join one room, then M chat messages go out one at a time.
struct ws_chat_options {
  bench::target server;  ///< host and port of the HTTP listener (app/stream unused)
  std::string token;     ///< a room token (student or teacher) every client joins with
  std::string path = "/api/v1/ws";
  int clients = 0;
  int messages = 20;
  double interval_ms = 500;       ///< pause after one message is delivered before the next
  double ramp_per_s = 200;        ///< clients started per second
  double join_timeout_s = 60;     ///< the join phase ends after this, joined or not
  double message_timeout_s = 10;  ///< a message not delivered to everyone by then is incomplete
  double quiet_ms = 300;          ///< no frame for this long after joining = the room is settled
  double max_s = 300;             ///< hard bound on the whole run
  int threads = 1;
  std::string json_file;  ///< empty: JSON on stdout
  bool quiet = false;
};

/// `lectern-bench http-get`: C keep-alive connections repeat one GET for D seconds.
struct http_get_options {
  bench::target server;
  std::string path;    ///< request target, e.g. /api/v1/rooms/1
  std::string bearer;  ///< empty: no Authorization header
  int connections = 1;
  double duration_s = 10;
  int threads = 1;
  std::string json_file;
  bool quiet = false;
};

/// Parse argv (argv[0] is the subcommand name); on error `error` holds a one-line message.
parse_outcome parse_ws_chat_options(int argc, char** argv, ws_chat_options& out,
                                    std::string& error);
parse_outcome parse_http_get_options(int argc, char** argv, http_get_options& out,
                                     std::string& error);

void print_ws_chat_usage(std::FILE* to);
void print_http_get_usage(std::FILE* to);

}  // namespace lectern::bench
