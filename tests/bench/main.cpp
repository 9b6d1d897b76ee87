// lectern-bench: load tool for live streams (RTMP, HTTP-FLV, WS-FLV players). See
// tests/bench/README.md and --help.
#include <cstdio>
#include <string>
#include <string_view>

#include "control_main.hpp"
#include "fd_limit.hpp"
#include "media_file.hpp"
#include "options.hpp"
#include "report.hpp"
#include "runner.hpp"

using namespace lectern::bench;

namespace {

int exit_code(const runner& r) {
  if (!r.publisher_error().empty()) return 1;
  for (const player_stats* s : r.players())
    if (s->setup_failed) return 1;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The control-plane benchmarks are subcommands; without one the tool loads RTMP as before.
  if (argc > 1 && std::string_view(argv[1]) == "ws-chat") return ws_chat_main(argc - 1, argv + 1);
  if (argc > 1 && std::string_view(argv[1]) == "http-get") return http_get_main(argc - 1, argv + 1);
  options o;
  std::string error;
  switch (parse_options(argc, argv, o, error)) {
    case parse_outcome::help:
      print_usage(stdout);
      return 0;
    case parse_outcome::error:
      std::fprintf(stderr, "lectern-bench: %s\n", error.c_str());
      return 2;
    case parse_outcome::run:
      break;
  }
  if (const std::string why = play_url_mismatch(o); !why.empty())
    std::fprintf(stderr, "lectern-bench: warning: %s\n", why.c_str());
  media_file file;
  if (!o.publish_file.empty() && media_file::load(o.publish_file, file, error)) {
    std::fprintf(stderr, "lectern-bench: %s\n", error.c_str());
    return 1;
  }
  if (o.players / o.ramp_per_s > o.duration_s * 0.8)
    std::fprintf(stderr,
                 "lectern-bench: warning: starting %d players at %.0f/s takes %.1f s of a %.1f s "
                 "run; raise --ramp or --duration\n",
                 o.players, o.ramp_per_s, o.players / o.ramp_per_s, o.duration_s);
  raise_fd_limit(static_cast<rlim_t>(o.players) + 64);

  runner r(o, o.publish_file.empty() ? nullptr : &file);
  r.run();
  const nlohmann::ordered_json report = make_report(o, r);
  print_summary(stderr, report);
  if (!write_report(o.json_file, report)) return 1;
  return exit_code(r);
}
