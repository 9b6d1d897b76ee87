#include "fd_limit.hpp"

#include <algorithm>
#include <cstdio>

namespace lectern::bench {

// The default soft limit (often 1024) is too low for thousands of connections.
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

}  // namespace lectern::bench
