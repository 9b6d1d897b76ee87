// lectern-bench: RTMP load tool. See tests/bench/README.md and --help.
#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "media_file.hpp"
#include "options.hpp"
#include "report.hpp"
#include "runner.hpp"

using namespace lectern::bench;

namespace {

// Each player is one socket; the default soft limit (often 1024) is too low for thousands.
// The soft limit may be raised up to the hard one without privileges.
void raise_fd_limit(rlim_t need) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need) return;
  rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? need : std::min(need, rl.rlim_max);
  setrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < need)
    std::fprintf(stderr,
                 "lectern-bench: warning: only %llu file descriptors allowed (hard limit), %llu "
                 "wanted; raise it with 'ulimit -Hn' as root\n",
                 static_cast<unsigned long long>(rl.rlim_cur),
                 static_cast<unsigned long long>(need));
}

bool write_json(const options& o, const nlohmann::ordered_json& report) {
  const std::string text = report.dump(2) + "\n";
  if (o.json_file.empty()) return std::fputs(text.c_str(), stdout) >= 0;
  std::ofstream out(o.json_file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) {
    std::fprintf(stderr, "lectern-bench: cannot write %s\n", o.json_file.c_str());
    return false;
  }
  return true;
}

int exit_code(const runner& r) {
  if (!r.publisher_error().empty()) return 1;
  for (const player_stats* s : r.players())
    if (s->setup_failed) return 1;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
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
  if (!write_json(o, report)) return 1;
  return exit_code(r);
}
