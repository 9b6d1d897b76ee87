// The metrics registry behind GET /metrics: counters, gauges, callback values and histograms,
// rendered in the Prometheus text exposition format 0.0.4.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lectern::server {

/// Label names and values of one series, rendered in the order given.
using metric_labels = std::vector<std::pair<std::string, std::string>>;

/// A monotonically increasing count; inc() is lock-free and may be called from any thread.
class metric_counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

/// A value that goes up and down; lock-free from any thread.
class metric_gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double v) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

/// Observations counted into fixed buckets (upper bounds, ascending) plus their sum; observe()
/// is lock-free from any thread.
class metric_histogram {
 public:
  explicit metric_histogram(std::vector<double> upper_bounds);

  void observe(double v) noexcept;

  std::span<const double> upper_bounds() const noexcept { return bounds_; }
  /// Observations <= upper_bounds()[i], cumulative as the exposition format wants them;
  /// index upper_bounds().size() is +Inf (the total count).
  std::vector<std::uint64_t> cumulative_counts() const;
  double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, +Inf last; not cumulative
  std::atomic<double> sum_{0};
};

/// Bucket bounds of the API latency histogram, 0.5 ms to 5 s.
std::vector<double> http_latency_buckets();

/// "2xx" for 200..299 and so on; "other" outside 100..599.
std::string status_class(int status);

/// The registry. Register every series at start-up (registration throws std::invalid_argument
/// for a malformed name, or a name reused with another type or help text); the returned
/// references stay valid for the registry's lifetime and are updated without locks. render()
/// may run concurrently with updates and registration.
class metrics {
 public:
  metrics();
  ~metrics();
  metrics(const metrics&) = delete;
  metrics& operator=(const metrics&) = delete;

  metric_counter& add_counter(const std::string& name, const std::string& help,
                              metric_labels labels = {});
  metric_gauge& add_gauge(const std::string& name, const std::string& help,
                          metric_labels labels = {});
  metric_histogram& add_histogram(const std::string& name, const std::string& help,
                                  std::vector<double> upper_bounds, metric_labels labels = {});
  /// A gauge whose value `fn` computes at each render(), so the owner need not copy it here.
  /// `fn` runs on the rendering thread and must stay callable as long as the registry renders.
  void add_gauge_fn(const std::string& name, const std::string& help, std::function<double()> fn,
                    metric_labels labels = {});
  /// As add_gauge_fn() for a value that only grows (exposed with TYPE counter).
  void add_counter_fn(const std::string& name, const std::string& help, std::function<double()> fn,
                      metric_labels labels = {});

  /// Records one API request in lectern_http_request_duration_seconds{method, route,
  /// status_class}. `route` must be the route pattern ("/api/classes/{id}"), not the raw path.
  /// Series are created on first use under a mutex; past k_max_http_series distinct label sets
  /// the request is recorded with route="other" so a scan cannot grow memory without bound.
  void observe_http_request(std::string_view method, std::string_view route, int status,
                            double seconds);

  /// The exposition text: per family `# HELP`, `# TYPE`, then its series, in registration order.
  std::string render() const;

  static constexpr std::size_t k_max_http_series = 512;
  static constexpr std::string_view k_http_latency_name = "lectern_http_request_duration_seconds";

 private:
  struct series;
  struct family;
  family& family_for(const std::string& name, const std::string& help, std::string_view type);
  series& add_series(const std::string& name, const std::string& help, std::string_view type,
                     metric_labels labels);
  metric_histogram& http_series(std::string_view method, std::string_view route,
                                std::string_view status);

  mutable std::mutex mutex_;  // guards the lists below, not the values
  std::deque<family> families_;
  std::size_t http_series_count_ = 0;
};

/// Resident set size of this process from /proc/self/statm, in bytes; -1 if unavailable.
std::int64_t process_rss_bytes();

}  // namespace lectern::server
