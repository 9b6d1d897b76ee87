#include "control_main.hpp"

#include <cstdio>
#include <string>

#include "control_options.hpp"
#include "control_report.hpp"
#include "fd_limit.hpp"
#include "http_load.hpp"
#include "report.hpp"
#include "ws_chat.hpp"

namespace lectern::bench {

namespace {

// Common handling of the parse outcome: help, or the error and exit status 2.
int early_exit(parse_outcome outcome, const std::string& error, void (*usage)(std::FILE*)) {
  if (outcome == parse_outcome::help) {
    usage(stdout);
    return 0;
  }
  std::fprintf(stderr, "lectern-bench: %s\n", error.c_str());
  return 2;
}

}  // namespace

int ws_chat_main(int argc, char** argv) {
  ws_chat_options o;
  std::string error;
  if (auto outcome = parse_ws_chat_options(argc, argv, o, error); outcome != parse_outcome::run)
    return early_exit(outcome, error, print_ws_chat_usage);
  raise_fd_limit(static_cast<rlim_t>(o.clients) + 64);
  ws_chat_run r(o);
  r.run();
  const auto report = make_ws_chat_report(o, r);
  print_ws_chat_summary(stderr, report);
  if (!write_report(o.json_file, report)) return 1;
  const auto& f = report["fanout"];
  const bool all_joined = report["join"]["joined"].get<int>() == o.clients;
  const bool all_delivered = f["messages_complete"].get<int>() == o.messages;
  return all_joined && all_delivered ? 0 : 1;
}

int http_get_main(int argc, char** argv) {
  http_get_options o;
  std::string error;
  if (auto outcome = parse_http_get_options(argc, argv, o, error); outcome != parse_outcome::run)
    return early_exit(outcome, error, print_http_get_usage);
  raise_fd_limit(static_cast<rlim_t>(o.connections) + 64);
  http_get_run r(o);
  r.run();
  const auto report = make_http_get_report(o, r);
  print_http_get_summary(stderr, report);
  if (!write_report(o.json_file, report)) return 1;
  const bool clean = report["io_errors"].get<int>() == 0 && report["non_2xx"].get<int>() == 0;
  return report["requests_ok"].get<int>() > 0 && clean ? 0 : 1;
}

}  // namespace lectern::bench
