// Raising the process's file descriptor limit: every simulated client is one socket.
#pragma once

#include <sys/resource.h>

namespace lectern::bench {

/// Raises the soft RLIMIT_NOFILE to `need` (at most the hard limit, which needs no
/// privileges) and warns on stderr when the hard limit is lower.
void raise_fd_limit(rlim_t need);

}  // namespace lectern::bench
