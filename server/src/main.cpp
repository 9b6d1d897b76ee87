// lectern-server: the Lectern RTMP relay. See `lectern-server --help`.
#include <cstdlib>
#include <iostream>
#include <string_view>
#include <vector>

#include "log.hpp"
#include "options.hpp"
#include "server.hpp"

int main(int argc, char** argv) {
  using namespace lectern::server;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  const auto parsed = parse_options(args, [](std::string_view name) -> std::optional<std::string> {
    const std::string n(name);
    if (const char* v = std::getenv(n.c_str())) return std::string(v);
    return std::nullopt;
  });
  if (parsed.exit) {
    (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.output;
    if (!parsed.output.empty() && parsed.output.back() != '\n') {
      (parsed.exit_code == 0 ? std::cout : std::cerr) << '\n';
    }
    return parsed.exit_code;
  }
  const auto& options = parsed.options;
  logger log(parse_log_level(options.log_level).value_or(log_level::info), std::cerr);
  std::string log_error;
  if (!log.open_file(options.data_dir / "logs" / "lectern-server.log", log_error)) {
    // Logging to stderr still works; the file is a convenience.
    log.warn("server", "cannot write the log file: " + log_error);
  }
  try {
    server s(options, log);
    return s.run();
  } catch (const std::exception& e) {
    log.error("server", std::string("cannot start: ") + e.what());
    return 1;
  }
}
