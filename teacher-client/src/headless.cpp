// The headless loop: poll stdin and a signalfd, print stats once a second.
#include "headless.hpp"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>

namespace lectern::teacher {

namespace {
using clock = std::chrono::steady_clock;

// SIGINT/SIGTERM as a readable fd, so the loop needs no global flag.
int make_signal_fd() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

bool on_off(const std::string& arg, bool& out) {
  if (arg == "on") return out = true, true;
  if (arg == "off") return out = false, true;
  return false;
}

// Reads what stdin has; complete lines go to run_command. False at end of input.
bool read_commands(teacher_app& app, std::string& pending, bool& quit) {
  char buf[4096];
  const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
  if (n <= 0) return false;
  pending.append(buf, static_cast<std::size_t>(n));
  for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
    std::string line = pending.substr(0, nl);
    pending.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line == "quit") {
      quit = true;
      return true;
    }
    std::string error;
    if (!run_command(app, line, error)) {
      app.events().emit({{"event", "error"}, {"command", line}, {"message", error}});
    }
  }
  return true;
}
}  // namespace

bool run_command(teacher_app& app, const std::string& line, std::string& error) {
  const auto space = line.find(' ');
  const std::string verb = line.substr(0, space);
  const std::string arg = space == std::string::npos ? std::string() : line.substr(space + 1);
  bool on = false;
  if (verb == "camera" || verb == "mic" || verb == "screen") {
    if (!on_off(arg, on)) {
      error = verb + " needs on or off";
      return false;
    }
    if (verb == "camera") app.camera().set_video_enabled(on);
    if (verb == "mic") app.camera().set_audio_muted(!on);
    if (verb == "screen") return app.set_screen_sharing(on, error);
    return true;
  }
  return app.room().command(line, error);
}

int run_headless(teacher_app& app) {
  const auto& o = app.options();
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> stats_file(nullptr, &std::fclose);
  if (o.stats_path != "-" && !o.stats_path.empty()) {
    stats_file.reset(std::fopen(o.stats_path.c_str(), "a"));
    if (!stats_file) {
      std::cerr << "lectern-teacher: cannot write stats to " << o.stats_path << "\n";
      return 1;
    }
  }
  event_log file_log(stats_file.get());
  event_log& stats = stats_file ? file_log : app.events();
  const int sig_fd = make_signal_fd();
  app.start();
  const auto start = clock::now();
  auto next_stats = start + std::chrono::seconds(1);
  std::string pending;
  bool stdin_open = true, quit = false;
  while (!quit) {
    pollfd fds[2] = {{sig_fd, POLLIN, 0}, {stdin_open ? STDIN_FILENO : -1, POLLIN, 0}};
    ::poll(fds, 2, 100);
    if ((fds[0].revents & POLLIN) != 0) break;
    if ((fds[1].revents & (POLLIN | POLLHUP)) != 0) stdin_open = read_commands(app, pending, quit);
    const auto now = clock::now();
    if (now >= next_stats) {
      if (!o.stats_path.empty()) stats.emit(app.stats_line());
      next_stats += std::chrono::seconds(1);
    }
    if (o.duration_s > 0 && now - start >= std::chrono::duration<double>(o.duration_s)) break;
    if (app.finished()) {
      app.events().emit({{"event", "finished"}});
      break;
    }
  }
  app.stop();
  if (sig_fd >= 0) ::close(sig_fd);
  app.events().emit({{"event", "stopped"}});
  return 0;
}

}  // namespace lectern::teacher
