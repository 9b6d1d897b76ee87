// lectern-student: join a class from a link, watch and listen with a tunable buffer,
// speak when called on. See student-client/README.md.
#include <cstdio>
#include <exception>

#include "classroom.hpp"
#include "headless.hpp"
#include "json_log.hpp"
#include "lectern/client/api_client.hpp"
#include "lectern/client/join_link.hpp"
#include "options.hpp"
#include "window.hpp"

namespace {

using namespace lectern;

// The link from the command line, validated against the control API.
std::optional<client::join_info> join(const student::options& o) {
  auto link = o.link.empty() ? client::make_join_link(o.server, o.room, o.token)
                             : client::parse_join_link(o.link);
  if (!link) {
    std::fprintf(stderr, "lectern-student: %s\n", link.error().message.c_str());
    return std::nullopt;
  }
  client::blocking_api_client api;
  auto info = api.validate(link.value());
  if (!info) {
    std::fprintf(stderr, "lectern-student: cannot join: %s\n", info.error().message.c_str());
    return std::nullopt;
  }
  if (info->role != "student") {
    std::fprintf(stderr,
                 "lectern-student: this is a %s link; use the room's student link (teachers "
                 "use lectern-teacher)\n",
                 info->role.c_str());
    return std::nullopt;
  }
  return std::move(info).value();
}

}  // namespace

int main(int argc, char** argv) {
  int code = 0;
  const auto opts = student::parse_options(argc, argv, code);
  if (!opts) return code;
  try {
    auto info = join(*opts);
    if (!info) return 1;
    student::json_log log(opts->stats_file);
    log.event("joined", {{"room", info->room.id},
                         {"name", info->room.name},
                         {"stream", info->stream},
                         {"recommended_buffer_ms", info->room.buffer_ms}});
    student::classroom room(*opts, std::move(*info), log);
    const int rc = opts->headless ? student::run_headless(*opts, room, log)
                                  : student::run_window(*opts, room, log);
    room.stop();
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lectern-student: %s\n", e.what());
    return 1;
  }
}
