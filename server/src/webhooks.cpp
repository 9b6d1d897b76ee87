#include "webhooks.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include "log.hpp"
#include "metrics.hpp"
#include "options.hpp"
#include "webhook_client.hpp"

#ifndef LECTERN_VERSION
#define LECTERN_VERSION "dev"  // CMake defines the project version; this is for direct builds
#endif

namespace lectern::server {

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr std::string_view k_component = "webhook";
// At most one "dropped" warning per interval, carrying the count since the previous one.
constexpr auto k_drop_warning_interval = std::chrono::seconds(10);
// stop() waits this much past the grace before it stops the loop outright (a DNS lookup
// cannot be interrupted).
constexpr auto k_stop_margin = std::chrono::milliseconds(500);

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One event on its way to one URL.
struct delivery {
  std::uint64_t sequence = 0;  // emission order; a retry keeps it
  std::shared_ptr<const webhook_event> event;
  std::size_t url = 0;
  int retries = 0;  // attempts made so far minus one
  clock_type::time_point not_before{};
};

}  // namespace

webhook_settings webhook_settings_from(const server_options& options) {
  webhook_settings s;
  for (const auto& text : options.webhook_urls) {
    std::string error;
    auto url = parse_webhook_url(text, error);
    if (!url) throw std::invalid_argument("webhook URL " + text + ": " + error);
    s.urls.push_back(std::move(*url));
  }
  s.secret = options.webhook_secret;
  s.user_agent = "lectern/";
  s.user_agent += LECTERN_VERSION;
  return s;
}

struct webhooks::impl {
  impl(webhook_settings s, logger& l)
      : settings(std::move(s)),
        log(l),
        tls(make_webhook_tls_context()),
        in_flight(settings.urls.size(), 0),
        retry_timer(context),
        grace_timer(context) {}

  void start();
  void emit(std::string_view type, nlohmann::json data);
  void stop();
  void note_drops(std::uint64_t n);  // with mutex held

  // On the io thread:
  void pump();
  void arm_retry_timer(clock_type::time_point when);
  asio::awaitable<void> deliver(delivery d);
  bool finish(delivery d, const webhook_response& r);  // true: the delivery ended
  void begin_stop();

  webhook_settings settings;
  logger& log;
  asio::ssl::context tls;    // before context: streams left in its queue at a forced stop use it
  asio::io_context context;  // before the timers and attempts, which must go first
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::thread thread;
  std::future<void> finished;

  mutable std::mutex mutex;                   // guards the four below
  std::map<std::uint64_t, delivery> pending;  // by sequence: begin() is the oldest
  std::uint64_t next_sequence = 0;
  bool stopping = false;
  std::uint64_t drops_unreported = 0;
  clock_type::time_point last_drop_warning{};

  std::atomic<bool> pump_posted{false};
  std::atomic<std::uint64_t> delivered{0}, failed{0}, retried{0}, dropped{0};

  // Only on the io thread.
  std::vector<std::size_t> in_flight;  // per URL
  std::set<std::shared_ptr<webhook_attempt>> live;
  asio::steady_timer retry_timer;
  clock_type::time_point retry_at = clock_type::time_point::max();
  asio::steady_timer grace_timer;
  bool io_stopping = false;
};

void webhooks::impl::start() {
  guard.emplace(context.get_executor());
  std::promise<void> done;
  finished = done.get_future();
  thread = std::thread([this, done = std::move(done)]() mutable {
    try {
      context.run();
    } catch (const std::exception& e) {
      log.error(k_component, std::string("delivery loop failed: ") + e.what());
    }
    done.set_value();
  });
}

void webhooks::impl::note_drops(std::uint64_t n) {
  dropped += n;
  drops_unreported += n;
  const auto now = clock_type::now();
  if (now - last_drop_warning < k_drop_warning_interval) return;
  log.warn(k_component, "dropped " + std::to_string(drops_unreported) +
                            " oldest pending deliveries: more than " +
                            std::to_string(settings.max_pending) +
                            " were waiting (receivers down or too slow?)");
  drops_unreported = 0;
  last_drop_warning = now;
}

void webhooks::impl::emit(std::string_view type, nlohmann::json data) {
  if (settings.urls.empty()) return;
  auto event = std::make_shared<const webhook_event>(
      make_webhook_event(type, std::move(data), std::chrono::system_clock::now()));
  {
    std::lock_guard lock(mutex);
    if (stopping) return;
    for (std::size_t u = 0; u < settings.urls.size(); ++u) {
      const std::uint64_t sequence = next_sequence++;
      pending.emplace(sequence, delivery{sequence, event, u, 0, clock_type::now()});
    }
    std::uint64_t drops = 0;
    for (; pending.size() > settings.max_pending; ++drops) pending.erase(pending.begin());
    if (drops != 0) note_drops(drops);
  }
  // One pump per burst of emits: the flag keeps the io_context's queue from growing.
  if (!pump_posted.exchange(true)) asio::post(context, [this] { pump(); });
}

void webhooks::impl::pump() {
  pump_posted = false;
  if (io_stopping) return;
  std::vector<delivery> ready;
  auto next_due = clock_type::time_point::max();
  const auto now = clock_type::now();
  {
    std::lock_guard lock(mutex);
    for (auto it = pending.begin(); it != pending.end();) {
      const std::size_t u = it->second.url;
      if (in_flight[u] < settings.max_in_flight_per_url && it->second.not_before <= now) {
        ++in_flight[u];
        ready.push_back(std::move(it->second));
        it = pending.erase(it);
      } else {
        if (it->second.not_before > now) next_due = std::min(next_due, it->second.not_before);
        ++it;
      }
    }
  }
  for (auto& d : ready) asio::co_spawn(context, deliver(std::move(d)), asio::detached);
  if (next_due != clock_type::time_point::max()) arm_retry_timer(next_due);
}

void webhooks::impl::arm_retry_timer(clock_type::time_point when) {
  if (retry_at <= when && retry_at > clock_type::now()) return;  // an earlier wake is set
  retry_at = when;
  retry_timer.expires_at(when);
  retry_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed or stopping
    retry_at = clock_type::time_point::max();
    pump();
  });
}

asio::awaitable<void> webhooks::impl::deliver(delivery d) {
  webhook_response response;
  try {
    auto attempt =
        std::make_shared<webhook_attempt>(context.get_executor(), tls, settings.urls[d.url],
                                          settings.connect_timeout, settings.total_timeout);
    live.insert(attempt);
    response = co_await attempt->run(make_webhook_request(
        settings.urls[d.url], *d.event, settings.secret, settings.user_agent, unix_seconds()));
    live.erase(attempt);
  } catch (const std::exception& e) {
    response = {0, e.what()};  // out of memory or the like; counted as a failed attempt
  }
  --in_flight[d.url];
  if (finish(std::move(d), response) && settings.on_delivery_end) settings.on_delivery_end();
  if (io_stopping && live.empty()) grace_timer.cancel();  // nothing left to wait for
  pump();
}

bool webhooks::impl::finish(delivery d, const webhook_response& r) {
  const std::string what =
      d.event->type + " " + d.event->id + " to " + settings.urls[d.url].to_string();
  const std::string why = r.status != 0 ? "HTTP " + std::to_string(r.status) : r.error;
  if (r.delivered()) {
    ++delivered;
    log.debug(k_component, "delivered " + what);
    return true;
  }
  if (io_stopping) return false;
  if (d.retries >= settings.max_retries) {
    ++failed;
    log.warn(k_component, "gave up on " + what + " after " + std::to_string(d.retries + 1) +
                              " attempts; last: " + why);
    return true;
  }
  const auto backoff = settings.first_backoff * (1 << std::min(d.retries, 16));
  ++d.retries;
  d.not_before = clock_type::now() + backoff;
  log.debug(k_component, "attempt " + std::to_string(d.retries) + " of " + what + " failed (" +
                             why + "); retrying in " + std::to_string(backoff.count()) + " ms");
  ++retried;
  std::lock_guard lock(mutex);
  if (stopping) return false;
  // A retry keeps its first sequence number, so it stays among the oldest for dropping.
  const std::uint64_t sequence = d.sequence;
  pending.emplace(sequence, std::move(d));
  std::uint64_t drops = 0;
  for (; pending.size() > settings.max_pending; ++drops) pending.erase(pending.begin());
  if (drops != 0) note_drops(drops);
  return false;
}

void webhooks::impl::begin_stop() {
  io_stopping = true;
  retry_timer.cancel();
  guard.reset();  // run() returns once the requests in flight are done
  if (live.empty()) return;
  grace_timer.expires_after(settings.stop_grace);
  grace_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    for (const auto& attempt : live) attempt->abort();
  });
}

void webhooks::impl::stop() {
  std::size_t abandoned = 0;
  {
    std::lock_guard lock(mutex);
    if (stopping) return;
    stopping = true;
    abandoned = pending.size();
    pending.clear();
  }
  if (abandoned != 0) {
    log.info(k_component, std::to_string(abandoned) + " queued deliveries abandoned at shutdown");
  }
  if (!thread.joinable()) return;
  asio::post(context, [this] { begin_stop(); });
  if (finished.wait_for(settings.stop_grace + k_stop_margin) != std::future_status::ready) {
    context.stop();
  }
  thread.join();
  live.clear();
}

webhooks::webhooks(webhook_settings settings, logger& log)
    : impl_(std::make_unique<impl>(std::move(settings), log)) {
  if (!impl_->settings.urls.empty()) impl_->start();
}

webhooks::~webhooks() {
  stop();
}

void webhooks::emit(std::string_view type, nlohmann::json data) {
  impl_->emit(type, std::move(data));
}

void webhooks::stop() {
  impl_->stop();
}

webhook_counters webhooks::counters() const {
  return {impl_->delivered.load(), impl_->failed.load(), impl_->retried.load(),
          impl_->dropped.load()};
}

std::size_t webhooks::pending() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->pending.size();
}

void webhooks::add_metrics(metrics& m) const {
  const std::string deliveries = "Webhook deliveries that ended, by result.";
  const impl* p = impl_.get();
  m.add_counter_fn("lectern_webhook_deliveries_total", deliveries,
                   [p] { return static_cast<double>(p->delivered.load()); },
                   {{"result", "delivered"}});
  m.add_counter_fn("lectern_webhook_deliveries_total", deliveries,
                   [p] { return static_cast<double>(p->failed.load()); }, {{"result", "failed"}});
  m.add_counter_fn("lectern_webhook_retries_total", "Webhook attempts made again after a failure.",
                   [p] { return static_cast<double>(p->retried.load()); });
  m.add_counter_fn("lectern_webhook_dropped_total",
                   "Webhook deliveries dropped because too many were pending.",
                   [p] { return static_cast<double>(p->dropped.load()); });
  m.add_gauge_fn("lectern_webhook_pending", "Webhook deliveries queued or waiting to retry.",
                 [this] { return static_cast<double>(pending()); });
}

}  // namespace lectern::server
