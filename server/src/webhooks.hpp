// Webhooks: signed JSON events POSTed to the URLs an admin configured, retried with backoff,
// from a thread of their own so a slow receiver never delays media (docs/webhooks.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook_event.hpp"

namespace lectern::server {

class logger;
class metrics;
struct server_options;

/// Where and how webhooks are delivered. The defaults are the documented behaviour; tests
/// shorten the times.
struct webhook_settings {
  std::vector<webhook_url> urls;  ///< none: emit() does nothing and no thread is started
  std::string secret;             ///< HMAC key for X-Lectern-Signature
  std::string user_agent = "lectern/dev";
  std::chrono::milliseconds first_backoff{1000};  ///< doubles per retry: 1, 2, 4, 8, 16 s
  int max_retries = 5;                            ///< attempts = 1 + max_retries
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{10000};  ///< per attempt, connect included
  std::chrono::milliseconds stop_grace{2000};      ///< stop() lets requests in flight finish
  std::size_t max_pending = 1000;                  ///< queued or waiting to retry, over all URLs
  std::size_t max_in_flight_per_url = 4;
  /// Called on the delivery thread after a delivery ends (delivered or given up); tests use
  /// it to wait instead of sleeping. Empty: nothing is called.
  std::function<void()> on_delivery_end;
};

/// The settings lectern-server's options give (URLs, secret, "lectern/VERSION"), with the
/// documented times and bounds. The URLs were validated when the options were parsed; throws
/// std::invalid_argument if one is not valid after all.
webhook_settings webhook_settings_from(const server_options& options);

/// Totals since start-up, for /metrics and tests.
struct webhook_counters {
  std::uint64_t delivered = 0;  ///< answered 2xx
  std::uint64_t failed = 0;     ///< gave up after the last retry
  std::uint64_t retried = 0;    ///< attempts scheduled after a failed one
  std::uint64_t dropped = 0;    ///< discarded, oldest first, because max_pending was reached
};

/// Delivers events to every configured URL. Each delivery is a POST of the event's JSON body
/// with X-Lectern-* headers and an HMAC-SHA256 signature, over a new connection (http or
/// https with the peer certificate verified). A non-2xx answer or a network error is retried
/// after first_backoff, doubling; after max_retries the delivery is given up with a warning.
/// Runs on a private thread and io_context; emit() and counters() may be called from any
/// thread. Deliveries to one URL may arrive out of order.
class webhooks {
 public:
  webhooks(webhook_settings settings, logger& log);
  /// Calls stop().
  ~webhooks();
  webhooks(const webhooks&) = delete;
  webhooks& operator=(const webhooks&) = delete;

  /// Queues `type` (e.g. k_event_class_started) with `data` for every URL. Never blocks on the
  /// network; when max_pending deliveries wait already, the oldest is dropped and counted.
  /// Does nothing after stop().
  void emit(std::string_view type, nlohmann::json data);

  /// Abandons queued deliveries and pending retries, gives requests in flight up to
  /// stop_grace to finish, then aborts them and joins the thread. Idempotent.
  void stop();

  webhook_counters counters() const;
  /// Deliveries queued or waiting for a retry (not those in flight).
  std::size_t pending() const;

  /// Registers lectern_webhook_deliveries_total{result="delivered"|"failed"},
  /// lectern_webhook_retries_total, lectern_webhook_dropped_total and lectern_webhook_pending
  /// as callbacks into this object, which must outlive every render() of `m`.
  void add_metrics(metrics& m) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lectern::server
