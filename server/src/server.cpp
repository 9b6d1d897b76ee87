#include "server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iostream>
#include <thread>

#include "authorizer.hpp"
#include "control_plane.hpp"
#include "lectern/net/use_tuple.hpp"
#include "recording_finalizer.hpp"
#include "rtmp_session.hpp"
#include "server_context.hpp"
#include "stream_registry.hpp"
#include "text.hpp"
#include "vod_library.hpp"

namespace lectern::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

using lectern::net::k_use;
// How long clients get to go away at shutdown before the loops are stopped.
constexpr auto k_shutdown_grace = std::chrono::seconds(5);

live_stream_limits stream_limits(const server_options& o) {
  live_stream_limits l;
  l.gop_cache_bytes = o.gop_cache_bytes;
  l.gop_cache_ms = o.gop_cache_ms;
  l.chunk_size = o.chunk_size;
  l.hold_audio = o.batching == write_batching::frame;
  return l;
}

}  // namespace

struct server::impl {
  impl(const server_options& o, logger& l)
      : options(o),
        log(l),
        streams(stream_limits(o)),
        finalizer(make_finalizer(l, this)),
        vod(std::make_unique<vod_library>()),
        control(std::make_unique<control_plane>(o, l, streams)),
        context{options,
                log,
                streams,
                control->auth(),
                *finalizer,
                *vod,
                &control->observer(),
                o.data_dir / "recordings"} {
    const auto n = o.resolved_threads();
    for (unsigned i = 0; i < n; ++i) {
      workers.push_back(std::make_unique<worker>(o.io_uring));
      context.workers.push_back(workers.back().get());
    }
  }

  static std::unique_ptr<recording_finalizer> make_finalizer(logger& l, impl* self) {
    recording_finalizer::options o;
    o.on_done = [&l, self](const recording_finalizer::result& r) {
      if (!r.ec) {
        if (self->control) {
          self->control->recording_finished(r.file, static_cast<std::int64_t>(r.duration_ms),
                                            static_cast<std::int64_t>(r.file_size));
        }
        l.info("record", "finished " + r.file.string() + ": " +
                             duration_text(std::chrono::milliseconds(r.duration_ms)) + ", " +
                             size_text(r.file_size) + ", with a seek index");
      } else {
        l.error("record", "could not finish " + r.file.string() + ": " + r.ec.message() +
                              " (the file is left as recorded and still plays)");
      }
    };
    return std::make_unique<recording_finalizer>(std::move(o));
  }

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> drain();
  void stop();

  const server_options& options;
  logger& log;
  stream_registry streams;
  std::unique_ptr<recording_finalizer> finalizer;
  // Its threads post answers to the workers' contexts: stopped (run() does it) before those go.
  std::unique_ptr<vod_library> vod;
  std::unique_ptr<control_plane> control;
  server_context context;
  std::vector<std::unique_ptr<worker>> workers;
  // The control plane's timers and listener live on the workers' contexts; they go first.
  ~impl() {
    if (control) control->release_io();
  }
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::signal_set> signals;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::size_t next_worker = 0;
  std::uint64_t refused = 0;

  /// A per-worker counter summed over the workers (/metrics).
  std::uint64_t sum(worker::counter worker::*c) const {
    std::uint64_t total = 0;
    for (const auto& w : workers) total += ((*w).*c).value.load(std::memory_order_relaxed);
    return total;
  }
};

worker* server_context::worker_of(const boost::asio::io_context& context) const noexcept {
  for (worker* w : workers) {
    if (&w->context == &context) return w;
  }
  return nullptr;
}

asio::awaitable<void> server::impl::accept_loop() {
  for (;;) {
    // Connections are spread over the workers in turn; each lives on one thread for good.
    auto& w = *workers[next_worker];
    next_worker = (next_worker + 1) % workers.size();
    auto [ec, socket] = co_await acceptor->async_accept(w.context, k_use);
    if (ec) {
      if (ec == asio::error::operation_aborted || context.stopping) co_return;
      // EMFILE and friends: say so and keep serving the connections we have.
      log.error("rtmp", "accept failed: " + ec.message() + "; retrying in 100 ms");
      asio::steady_timer t(acceptor->get_executor(), std::chrono::milliseconds(100));
      co_await t.async_wait(k_use);
      continue;
    }
    if (context.stopping) {
      // Accepted just before stop(): the shutdown sweep would not see it.
      boost::system::error_code ignored;
      socket.close(ignored);
      co_return;
    }
    if (context.connections >= options.max_connections) {
      if (refused++ % 100 == 0) {
        log.warn("rtmp", "refusing connections: " + std::to_string(options.max_connections) +
                             " connections is the limit (--max-connections); " +
                             std::to_string(refused) + " refused so far");
      }
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    auto session = std::make_shared<rtmp_session>(std::move(socket), context, w);
    const auto id = session->id();
    asio::co_spawn(
        w.context, rtmp_session::run(std::move(session)), [this, id](std::exception_ptr e) {
          if (!e) return;
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& x) {
            // A bug, not bad input (parsers report errors as values): keep the server up.
            log.error("rtmp", "conn " + std::to_string(id) + " ended by an exception: " + x.what());
          }
        });
  }
}

void server::impl::stop() {
  if (context.stopping.exchange(true)) return;
  log.info("server", "stopping: no new connections; closing clients and finishing recordings");
  boost::system::error_code ignored;
  acceptor->close(ignored);
  control->stop();
  for (auto& w : workers) {
    asio::post(w->context, [wp = w.get()] {
      // Copy: closing a session removes it from the map.
      std::vector<std::shared_ptr<rtmp_session>> live;
      for (auto& [id, weak] : wp->sessions) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
      for (auto& s : live) s->close("server shutting down");
    });
  }
  asio::co_spawn(workers.front()->context, drain(), asio::detached);
}

// Lets the worker loops run out once every client is gone, or stops them at the deadline.
asio::awaitable<void> server::impl::drain() {
  boost::system::error_code ignored;
  signals->cancel(ignored);
  for (auto& g : guards) g.reset();
  const auto deadline = std::chrono::steady_clock::now() + k_shutdown_grace;
  asio::steady_timer t(workers.front()->context);
  while (context.connections > 0 && std::chrono::steady_clock::now() < deadline) {
    t.expires_after(std::chrono::milliseconds(20));
    co_await t.async_wait(k_use);
  }
  if (context.connections > 0) {
    log.warn("server", std::to_string(context.connections.load()) +
                           " client(s) did not close within " + duration_text(k_shutdown_grace) +
                           "; stopping anyway");
    for (auto& w : workers) w->context.stop();
  }
}

server::server(const server_options& options, logger& log)
    : impl_(std::make_unique<impl>(options, log)) {}

server::~server() = default;

int server::run() {
  auto& m = *impl_;
  std::error_code ec;
  std::filesystem::create_directories(m.context.recordings_dir, ec);
  if (ec) {
    m.log.error("server", "cannot create " + m.context.recordings_dir.string() + ": " +
                              ec.message() + "; choose a writable --data-dir");
    return 1;
  }
  recording_finalizer::cleanup(m.context.recordings_dir);

  auto& main_ctx = m.workers.front()->context;
  const auto& l = m.options.rtmp_listen;
  boost::system::error_code bind_ec;
  const auto address = asio::ip::make_address(l.host, bind_ec);
  if (!bind_ec) {
    const tcp::endpoint ep(address, l.port);
    m.acceptor = std::make_unique<tcp::acceptor>(main_ctx);
    // BOOST_ASIO_NO_DEPRECATED: these return void and report through bind_ec.
    m.acceptor->open(ep.protocol(), bind_ec);
    if (!bind_ec) m.acceptor->set_option(tcp::acceptor::reuse_address(true), bind_ec);
    if (!bind_ec) m.acceptor->bind(ep, bind_ec);
    if (!bind_ec) m.acceptor->listen(asio::socket_base::max_listen_connections, bind_ec);
  }
  if (bind_ec) {
    m.log.error("server", "cannot listen for RTMP on " + l.to_string() + ": " + bind_ec.message() +
                              "; is another server using the port? Pick one with --rtmp-listen.");
    return 1;
  }
  // Before the listening line: a script may signal as soon as it reads it.
  m.signals = std::make_unique<asio::signal_set>(main_ctx, SIGINT, SIGTERM);
  m.signals->async_wait([&m](const std::error_code& e, int sig) {
    if (e) return;
    m.log.info("server", std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
    m.stop();
  });
  const auto bound = m.acceptor->local_endpoint();
  tcp::endpoint http_bound;
  try {
    std::vector<asio::io_context*> contexts;
    for (auto& w : m.workers) contexts.push_back(&w->context);
    http_bound = m.control->listen(contexts, bound.port(), m.context);
  } catch (const std::exception& e) {
    m.log.error("server", "cannot listen for HTTP on " + m.options.http_listen.to_string() + ": " +
                              e.what() +
                              "; is another server using the port? Pick one with "
                              "--http-listen.");
    return 1;
  }
  // Scripts and tests read these lines to learn the ports (port 0 picks a free one).
  std::cout << "listening rtmp " << endpoint_text(bound) << std::endl;
  std::cout << "listening http " << endpoint_text(http_bound) << std::endl;
  m.log.info("server", std::string("lectern-server ") + LECTERN_VERSION + " serving RTMP on " +
                           endpoint_text(bound) + " with " + std::to_string(m.workers.size()) +
                           " worker thread(s), data in " + m.options.data_dir.string() +
                           " and HTTP on " + endpoint_text(http_bound) +
                           (m.options.open ? "; --open: anyone may publish and play"
                                           : "; publishing and playing need a room's token"));

  const auto& sends = m.workers.front()->sends;
  m.log.info("server",
             sends.enabled()
                 ? "players' writes: one io_uring submission per round"
                 : "players' writes: one sendmsg each (io_uring not used: " + sends.why() + ")");
  asio::co_spawn(main_ctx, m.accept_loop(), asio::detached);
  m.control->set_relay_counters({[&m] { return m.context.connections.load(); },
                                 [&m] { return m.sum(&worker::bytes_in); },
                                 [&m] { return m.sum(&worker::bytes_out); },
                                 [&m] { return m.context.dropped_messages.load(); },
                                 [&m] { return m.vod ? m.vod->counters().waiting : 0; },
                                 [&m] { return m.vod ? m.vod->counters().refused : 0; },
                                 [&m] { return m.vod ? m.vod->counters().indexed : 0; }});
  m.control->start();

  for (auto& w : m.workers) m.guards.emplace_back(w->context.get_executor());
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < m.workers.size(); ++i) {
    threads.emplace_back([&ctx = m.workers[i]->context] { ctx.run(); });
  }
  // Worker 0 runs here. Once stopping, each loop ends when its clients are gone.
  main_ctx.run();
  for (auto& t : threads) t.join();
  m.vod.reset();  // joins its threads before the workers' contexts are destroyed
  m.finalizer->wait_idle();
  m.control->close_store();
  m.log.info("server", "stopped");
  return 0;
}

}  // namespace lectern::server
