#include "http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <stdexcept>

#include "http_session.hpp"
#include "lectern/net/use_tuple.hpp"

namespace lectern::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

using lectern::net::k_use;

}  // namespace

bool connection_registry::add(std::uint64_t id, std::weak_ptr<closable> c) {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  open_.emplace(id, std::move(c));
  return true;
}

void connection_registry::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  open_.erase(id);
}

std::size_t connection_registry::size() const {
  std::lock_guard lock(mutex_);
  return open_.size();
}

bool connection_registry::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void connection_registry::close_all() {
  std::vector<std::shared_ptr<closable>> open;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, weak] : open_) {
      if (auto c = weak.lock()) open.push_back(std::move(c));
    }
  }
  // Outside the lock: shutdown() may end a connection, which removes itself.
  for (auto& c : open) c->shutdown();
}

struct http_server::state : std::enable_shared_from_this<state> {
  std::vector<asio::io_context*> contexts;
  std::shared_ptr<const http_session_deps> deps;
  std::shared_ptr<connection_registry> registry;
  tcp::acceptor acceptor;
  std::size_t next_context = 0;
  std::uint64_t refused = 0;

  state(std::vector<asio::io_context*> c, std::shared_ptr<const http_session_deps> d)
      : contexts(std::move(c)),
        deps(std::move(d)),
        registry(deps->registry),
        acceptor(*contexts.front()) {}

  static asio::awaitable<void> accept_loop(std::shared_ptr<state> self);
  void start_session(tcp::socket socket);
};

asio::awaitable<void> http_server::state::accept_loop(std::shared_ptr<state> self) {
  auto& log = self->deps->log;
  for (;;) {
    // Each connection gets a strand of the next context: its coroutines never run
    // concurrently even when several threads run that context.
    auto& ctx = *self->contexts[self->next_context];
    self->next_context = (self->next_context + 1) % self->contexts.size();
    auto [ec, socket] = co_await self->acceptor.async_accept(asio::make_strand(ctx), k_use);
    if (ec) {
      if (ec == asio::error::operation_aborted || self->registry->stopping()) co_return;
      // EMFILE and friends: say so and keep serving the connections we have.
      log.error("http", "accept failed: " + ec.message() + "; retrying in 100 ms");
      asio::steady_timer t(self->acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await t.async_wait(k_use);
      continue;
    }
    if (self->registry->size() >= self->deps->limits.max_connections) {
      if (self->refused++ % 100 == 0) {
        log.warn("http",
                 "refusing connections: " + std::to_string(self->deps->limits.max_connections) +
                     " open connections is the limit; " + std::to_string(self->refused) +
                     " refused so far");
      }
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    self->start_session(std::move(socket));
  }
}

void http_server::state::start_session(tcp::socket socket) {
  auto executor = socket.get_executor();
  auto session = std::make_shared<http_session>(std::move(socket), deps);
  asio::co_spawn(executor, http_session::run(std::move(session)), [d = deps](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      // A bug, not bad input: keep the server up and say so.
      d->log.error("http", std::string("connection ended by an exception: ") + x.what());
    }
  });
}

http_server::http_server(std::vector<asio::io_context*> contexts, const http_limits& limits,
                         const http_router& router, logger& log, request_observer on_request) {
  if (contexts.empty()) throw std::invalid_argument("http_server needs at least one io_context");
  auto deps = std::make_shared<const http_session_deps>(http_session_deps{
      router, limits, std::move(on_request), log, std::make_shared<connection_registry>()});
  state_ = std::make_shared<state>(std::move(contexts), std::move(deps));
}

http_server::~http_server() {
  stop();
}

tcp::endpoint http_server::listen(const tcp::endpoint& endpoint) {
  auto& a = state_->acceptor;
  boost::system::error_code ec;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    a.close(ignored);
    throw boost::system::system_error(ec, "cannot listen for HTTP");
  }
  return a.local_endpoint();
}

void http_server::start() {
  asio::co_spawn(state_->acceptor.get_executor(), state::accept_loop(state_), asio::detached);
}

void http_server::stop() {
  // The acceptor lives on contexts[0]: close it there, so it never races the accept loop.
  asio::post(state_->acceptor.get_executor(), [s = state_] {
    boost::system::error_code ignored;
    s->acceptor.close(ignored);
  });
  state_->registry->close_all();
}

std::size_t http_server::connections() const {
  return state_->registry->size();
}

}  // namespace lectern::server
