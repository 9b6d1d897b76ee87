// run_headless: a stdin reader thread and a once-a-second stats loop.
#include "headless.hpp"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <string>
#include <thread>

#include "stats_json.hpp"

namespace lectern::student {

namespace {

// One stdin command; false for "quit".
bool command(const std::string& line, classroom& room, json_log& log) {
  const auto space = line.find(' ');
  const auto verb = line.substr(0, space);
  const auto rest = space == std::string::npos ? std::string() : line.substr(space + 1);
  if (verb == "quit") return false;
  if (verb == "hand" && (rest == "up" || rest == "down")) {
    room.raise_hand(rest == "up");
  } else if (verb == "chat" && !rest.empty()) {
    room.send_chat(rest);
  } else if (verb == "buffer" && media::buffer_setting::parse(rest)) {
    room.set_buffer(*media::buffer_setting::parse(rest));
  } else if (verb == "speak") {
    room.consent_to_speak();
  } else if (verb == "unspeak") {
    room.stop_speaking();
  } else if (!line.empty()) {
    log.event("bad_command",
              {{"line", line}, {"help", "hand up|down, chat TEXT, buffer N|auto, speak, quit"}});
  }
  return true;
}

// Reads stdin lines until quit, EOF or `stop`; polls so that it can be stopped.
void read_commands(classroom& room, json_log& log, std::atomic<bool>& quit,
                   const std::atomic<bool>& stop) {
  std::string pending;
  char buf[4096];
  while (!stop.load()) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const auto n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n <= 0) return;  // EOF: keep playing, take no more commands
    pending.append(buf, static_cast<std::size_t>(n));
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      auto line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!command(line, room, log)) {
        quit.store(true);
        return;
      }
    }
    if (pending.size() > 64 * 1024) pending.clear();  // no line that long is a command
  }
}

}  // namespace

int run_headless(const options& opts, classroom& room, json_log& log) {
  using clock = std::chrono::steady_clock;
  std::atomic<bool> quit{false};
  std::atomic<bool> stop{false};
  room.start();
  std::thread input([&] { read_commands(room, log, quit, stop); });
  stats_reporter teacher;
  stats_reporter screen;
  const auto start = clock::now();
  auto next = start + std::chrono::seconds(1);
  const auto end = start + std::chrono::duration_cast<clock::duration>(
                               std::chrono::duration<double>(opts.duration_s));
  while (!quit.load() && !room.done() && (opts.duration_s <= 0 || clock::now() < end)) {
    std::this_thread::sleep_until(std::min(next, opts.duration_s > 0 ? end : next));
    if (clock::now() < next) continue;
    next += std::chrono::seconds(1);
    room.tick();
    const auto now = clock::now();
    auto line = nlohmann::json::object();
    line["t"] = std::chrono::duration<double>(now - start).count();
    if (auto s = room.stats(feed::teacher)) line.update(teacher.line(*s, now));
    if (auto s = room.stats(feed::screen); s && s->bytes_received > 0) {
      line["screen"] = screen.line(*s, now);
    }
    const auto v = room.view();
    line["hand"] = v.hand;
    line["speaking"] = room.speaking();
    line["speak_state"] = room.speak_state();
    log.stats(std::move(line));
  }
  stop.store(true);
  input.join();
  return 0;
}

}  // namespace lectern::student
