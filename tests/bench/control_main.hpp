// Entry points of the control-plane subcommands of lectern-bench.
#pragma once

namespace lectern::bench {

/// `lectern-bench ws-chat ...`; argv[0] is "ws-chat". Returns the exit status.
int ws_chat_main(int argc, char** argv);
/// `lectern-bench http-get ...`; argv[0] is "http-get". Returns the exit status.
int http_get_main(int argc, char** argv);

}  // namespace lectern::bench
