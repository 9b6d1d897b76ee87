// lectern-impair-proxy: a TCP proxy that impairs the network between one client and a
// server, for tests and benchmarks on loopback (the kernel's netem is not available here).
// Each direction is a reader coroutine and a writer coroutine around a bounded queue of
// chunks stamped with their departure time (shaper.hpp); a full queue stops reading, so
// memory stays bounded and the sender feels TCP backpressure as on a slow link.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "lectern/net/use_tuple.hpp"
#include "shaper.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace lectern::impair;

namespace {

using lectern::net::k_use;
constexpr std::size_t k_read_size = 16 * 1024;

struct options {
  std::string listen_host = "127.0.0.1";
  std::string listen_port = "0";
  std::string target_host;
  std::string target_port;
  impairment down;                   ///< server → client
  impairment up;                     ///< client → server (delay and jitter only by default)
  std::size_t max_queue = 4u << 20;  ///< bytes held per direction
  unsigned seed = 1;
};

constexpr const char* k_help =
    R"(lectern-impair-proxy: a TCP proxy that impairs one client's network

usage: lectern-impair-proxy --target HOST:PORT [--listen HOST:PORT] [--profile NAME] [flags]

  --listen HOST:PORT     where clients connect (default 127.0.0.1:0; prints "listening HOST:PORT")
  --target HOST:PORT     the server (e.g. lectern-server's RTMP port)
  --profile NAME         a named impairment of the server→client direction:
%s  --delay MS             one-way delay added to each chunk
  --jitter MS            ± uniform jitter around the delay (order is kept: it is TCP)
  --rate KBPS            rate limit in kbit/s (0: none)
  --burst-every MS       hold data for --burst-hold MS every MS, then release it at once
  --burst-hold MS
  --outage-every MS      nothing passes for --outage-ms MS every MS
  --outage-ms MS
  --up-too               apply the same impairment client→server (default: delay and jitter only)
  --max-queue BYTES      bytes held per direction before reading stops (default 4194304)
  --seed N               jitter random seed (default 1)
  --help
Flags after --profile change that profile.
)";

struct pipe_state {
  pipe_state(asio::any_io_executor ex, impairment imp, unsigned seed, std::size_t max)
      : shaper_(imp, clock::now(), seed), wake_writer(ex), wake_reader(ex), max_queue(max) {
    wake_writer.expires_at(clock::time_point::max());
    wake_reader.expires_at(clock::time_point::max());
  }
  struct chunk {
    std::vector<char> data;
    clock::time_point due;
  };
  shaper shaper_;
  std::deque<chunk> queue;  // bounded by max_queue bytes (the reader waits)
  std::size_t bytes = 0;
  bool eof = false;
  asio::steady_timer wake_writer;
  asio::steady_timer wake_reader;
  std::size_t max_queue;
};

struct session : std::enable_shared_from_this<session> {
  session(tcp::socket c, tcp::socket s) : client(std::move(c)), server(std::move(s)) {}
  void close() {
    boost::system::error_code ec;
    client.close(ec);
    server.close(ec);
  }
  tcp::socket client;
  tcp::socket server;
};

asio::awaitable<void> reader(std::shared_ptr<session> /*keeps the sockets alive*/,
                             tcp::socket& from, std::shared_ptr<pipe_state> p) {
  std::vector<char> buf(k_read_size);
  for (;;) {
    while (p->bytes >= p->max_queue) {
      p->wake_reader.expires_at(clock::time_point::max());
      co_await p->wake_reader.async_wait(k_use);
    }
    auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), k_use);
    if (ec) break;
    const auto due = p->shaper_.departure(clock::now(), n);
    p->queue.push_back({std::vector<char>(buf.begin(), buf.begin() + static_cast<long>(n)), due});
    p->bytes += n;
    p->wake_writer.cancel();
  }
  p->eof = true;
  p->wake_writer.cancel();
}

asio::awaitable<void> writer(std::shared_ptr<session> s, tcp::socket& to,
                             std::shared_ptr<pipe_state> p) {
  for (;;) {
    if (p->queue.empty()) {
      if (p->eof) break;
      p->wake_writer.expires_at(clock::time_point::max());
      co_await p->wake_writer.async_wait(k_use);
      continue;
    }
    const auto due = p->queue.front().due;
    if (clock::now() < due) {
      p->wake_writer.expires_at(due);
      co_await p->wake_writer.async_wait(k_use);
      continue;
    }
    auto chunk = std::move(p->queue.front());
    p->queue.pop_front();
    p->bytes -= chunk.data.size();
    p->wake_reader.cancel();
    auto [ec, n] = co_await asio::async_write(to, asio::buffer(chunk.data), k_use);
    if (ec) break;
  }
  // One side is done: end the whole connection, as a broken link would.
  s->close();
}

asio::awaitable<void> serve(tcp::socket client, const options& o, unsigned seed) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(o.target_host, o.target_port, k_use);
  if (rec) co_return;
  tcp::socket server(ex);
  auto [cec, ep] = co_await asio::async_connect(server, endpoints, k_use);
  if (cec) {
    std::fprintf(stderr, "impair: cannot reach %s:%s: %s\n", o.target_host.c_str(),
                 o.target_port.c_str(), cec.message().c_str());
    co_return;
  }
  client.set_option(tcp::no_delay(true));
  server.set_option(tcp::no_delay(true));
  auto s = std::make_shared<session>(std::move(client), std::move(server));
  auto down = std::make_shared<pipe_state>(ex, o.down, seed, o.max_queue);
  auto up = std::make_shared<pipe_state>(ex, o.up, seed + 1, o.max_queue);
  asio::co_spawn(ex, reader(s, s->server, down), asio::detached);
  asio::co_spawn(ex, writer(s, s->client, down), asio::detached);
  asio::co_spawn(ex, reader(s, s->client, up), asio::detached);
  asio::co_spawn(ex, writer(s, s->server, up), asio::detached);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, const options& o) {
  unsigned n = 0;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(k_use);
    if (ec) co_return;
    auto ex = co_await asio::this_coro::executor;
    asio::co_spawn(ex, serve(std::move(socket), o, o.seed + 2 * ++n), asio::detached);
  }
}

bool split_host_port(const std::string& s, std::string& host, std::string& port) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = s.substr(0, colon);
  port = s.substr(colon + 1);
  return !port.empty();
}

bool apply_number(const std::string& flag, long v, impairment& imp, options& o) {
  if (flag == "--delay")
    imp.delay = milliseconds(v);
  else if (flag == "--jitter")
    imp.jitter = milliseconds(v);
  else if (flag == "--rate")
    imp.rate_kbps = v;
  else if (flag == "--burst-every")
    imp.burst_every = milliseconds(v);
  else if (flag == "--burst-hold")
    imp.burst_hold = milliseconds(v);
  else if (flag == "--outage-every")
    imp.outage_every = milliseconds(v);
  else if (flag == "--outage-ms")
    imp.outage_length = milliseconds(v);
  else if (flag == "--max-queue")
    o.max_queue = static_cast<std::size_t>(v);
  else if (flag == "--seed")
    o.seed = static_cast<unsigned>(v);
  else
    return false;
  return true;
}

int usage_error(const std::string& what) {
  std::fprintf(stderr, "lectern-impair-proxy: %s (see --help)\n", what.c_str());
  return 2;
}

int parse(int argc, char** argv, options& o) {
  bool up_too = false;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help") {
      std::printf(k_help, profile_help().c_str());
      return 0;
    }
    if (flag == "--up-too") {
      up_too = true;
      continue;
    }
    if (i + 1 >= argc) return usage_error("missing value for " + flag);
    const std::string v = argv[++i];
    if (flag == "--listen") {
      if (!split_host_port(v, o.listen_host, o.listen_port)) return usage_error("bad --listen");
    } else if (flag == "--target") {
      if (!split_host_port(v, o.target_host, o.target_port)) return usage_error("bad --target");
    } else if (flag == "--profile") {
      auto p = profile(v);
      if (!p) return usage_error("unknown profile " + v + "; profiles:\n" + profile_help());
      o.down = *p;
    } else {
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || n < 0) return usage_error(flag + " takes a number");
      if (!apply_number(flag, n, o.down, o)) return usage_error("unknown option " + flag);
    }
  }
  if (o.target_host.empty()) return usage_error("--target HOST:PORT is required");
  o.up = up_too ? o.down : impairment{o.down.delay, o.down.jitter};
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (const int rc = parse(argc, argv, o); rc >= 0) return rc;
  try {
    asio::io_context io;
    tcp::resolver resolver(io);
    const auto ep = *resolver.resolve(o.listen_host, o.listen_port).begin();
    tcp::acceptor acceptor(io, ep.endpoint());
    const auto bound = acceptor.local_endpoint();
    std::printf("listening %s:%u\n", bound.address().to_string().c_str(), bound.port());
    std::printf("impairing server->client: %s\n", o.down.describe().c_str());
    std::fflush(stdout);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](auto, int) { io.stop(); });
    asio::co_spawn(io, accept_loop(acceptor, o), asio::detached);
    io.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lectern-impair-proxy: %s\n", e.what());
    return 1;
  }
  return 0;
}
