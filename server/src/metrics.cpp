#include "metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <stdexcept>
#include <unordered_map>

#include <unistd.h>

namespace lectern::server {
namespace {

bool is_name_char(char c, bool first, bool allow_colon) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  const bool digit = c >= '0' && c <= '9';
  return letter || (allow_colon && c == ':') || (!first && digit);
}

// Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* (exposition
// format, "Metric names and labels").
bool valid_name(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is_name_char(name[i], i == 0, allow_colon)) return false;
  }
  return true;
}

void check_labels(const std::string& metric, const metric_labels& labels, bool histogram) {
  for (const auto& [name, value] : labels) {
    if (!valid_name(name, false) || name.starts_with("__") || (histogram && name == "le")) {
      throw std::invalid_argument("metric " + metric + ": invalid label name '" + name + "'");
    }
  }
}

// HELP text escapes backslash and line feed; label values also escape the double quote.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// Go-style float text: shortest round trip, "+Inf", "-Inf", "NaN".
std::string format_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  // Plain decimals where they stay short ("0.0005", not to_chars' shorter "5e-04"), as
  // Prometheus clients print bucket bounds.
  const double magnitude = std::fabs(v);
  const bool plain = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e15);
  const auto [end, ec] =
      plain ? std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::fixed)
            : std::to_chars(buffer, buffer + sizeof buffer, v);
  return ec == std::errc{} ? std::string(buffer, end) : std::string("NaN");
}

// `{a="x",b="y"}` (nothing when there are no labels); `extra` is appended as one more label.
void append_labels(std::string& out, const metric_labels& labels,
                   const std::pair<std::string_view, std::string_view>* extra = nullptr) {
  if (labels.empty() && extra == nullptr) return;
  out += '{';
  bool first = true;
  const auto one = [&](std::string_view name, std::string_view value) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    append_escaped(out, value, true);
    out += '"';
  };
  for (const auto& [name, value] : labels) one(name, value);
  if (extra != nullptr) one(extra->first, extra->second);
  out += '}';
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix,
                   const metric_labels& labels, const std::string& value,
                   const std::pair<std::string_view, std::string_view>* extra = nullptr) {
  out += name;
  out += suffix;
  append_labels(out, labels, extra);
  out += ' ';
  out += value;
  out += '\n';
}

}  // namespace

// ------------------------------------------------------------------------------ histogram

metric_histogram::metric_histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end()) ||
      std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end()) {
    throw std::invalid_argument("histogram bucket bounds must be strictly ascending");
  }
}

void metric_histogram::observe(double v) noexcept {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);  // first bound >= v
  counts_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<std::uint64_t> metric_histogram::cumulative_counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

std::vector<double> http_latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
}

std::string status_class(int status) {
  if (status < 100 || status > 599) return "other";
  std::string out(1, static_cast<char>('0' + status / 100));
  out += "xx";
  return out;
}

// ------------------------------------------------------------------------------- registry

struct metrics::series {
  metric_labels labels;
  std::unique_ptr<metric_counter> counter;
  std::unique_ptr<metric_gauge> gauge;
  std::unique_ptr<metric_histogram> histogram;
  std::function<double()> fn;
};

struct metrics::family {
  std::string name;
  std::string help;
  std::string_view type;       // "counter", "gauge" or "histogram"
  std::deque<series> members;  // a deque: references stay valid as series are added
  std::unordered_map<std::string, metric_histogram*> by_key;  // http latency lookups only
};

metrics::metrics() = default;
metrics::~metrics() = default;

metrics::family& metrics::family_for(const std::string& name, const std::string& help,
                                     std::string_view type) {
  if (!valid_name(name, true)) throw std::invalid_argument("invalid metric name '" + name + "'");
  for (auto& f : families_) {
    if (f.name != name) continue;
    if (f.type != type || f.help != help) {
      throw std::invalid_argument("metric " + name + " registered again with another type or help");
    }
    return f;
  }
  auto& f = families_.emplace_back();
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

metrics::series& metrics::add_series(const std::string& name, const std::string& help,
                                     std::string_view type, metric_labels labels) {
  check_labels(name, labels, type == "histogram");
  std::lock_guard lock(mutex_);
  auto& f = family_for(name, help, type);
  for (const auto& s : f.members) {
    if (s.labels == labels) throw std::invalid_argument("metric " + name + ": duplicate labels");
  }
  auto& s = f.members.emplace_back();
  s.labels = std::move(labels);
  return s;
}

metric_counter& metrics::add_counter(const std::string& name, const std::string& help,
                                     metric_labels labels) {
  auto& s = add_series(name, help, "counter", std::move(labels));
  s.counter = std::make_unique<metric_counter>();
  return *s.counter;
}

metric_gauge& metrics::add_gauge(const std::string& name, const std::string& help,
                                 metric_labels labels) {
  auto& s = add_series(name, help, "gauge", std::move(labels));
  s.gauge = std::make_unique<metric_gauge>();
  return *s.gauge;
}

metric_histogram& metrics::add_histogram(const std::string& name, const std::string& help,
                                         std::vector<double> upper_bounds, metric_labels labels) {
  auto histogram = std::make_unique<metric_histogram>(std::move(upper_bounds));
  auto& s = add_series(name, help, "histogram", std::move(labels));
  s.histogram = std::move(histogram);
  return *s.histogram;
}

void metrics::add_gauge_fn(const std::string& name, const std::string& help,
                           std::function<double()> fn, metric_labels labels) {
  add_series(name, help, "gauge", std::move(labels)).fn = std::move(fn);
}

void metrics::add_counter_fn(const std::string& name, const std::string& help,
                             std::function<double()> fn, metric_labels labels) {
  add_series(name, help, "counter", std::move(labels)).fn = std::move(fn);
}

metric_histogram& metrics::http_series(std::string_view method, std::string_view route,
                                       std::string_view status) {
  std::string key(method);
  key += '\n';
  key += route;
  key += '\n';
  key += status;
  std::lock_guard lock(mutex_);
  auto& f = family_for(std::string(k_http_latency_name),
                       "Time to answer an HTTP API request, by method, route and status class.",
                       "histogram");
  if (const auto it = f.by_key.find(key); it != f.by_key.end()) return *it->second;
  auto& s = f.members.emplace_back();
  s.labels = {{"method", std::string(method)},
              {"route", std::string(route)},
              {"status_class", std::string(status)}};
  s.histogram = std::make_unique<metric_histogram>(http_latency_buckets());
  ++http_series_count_;
  f.by_key.emplace(std::move(key), s.histogram.get());
  return *s.histogram;
}

void metrics::observe_http_request(std::string_view method, std::string_view route, int status,
                                   double seconds) {
  const std::string status_text = status_class(status);
  bool known = false;
  {
    std::lock_guard lock(mutex_);
    known = http_series_count_ < k_max_http_series;
  }
  // Past the bound new label sets fold into route="other" (which may itself be new: the bound
  // is soft by the few method and status combinations of that one route).
  metric_histogram& h = http_series(method, known ? route : "other", status_text);
  h.observe(seconds);
}

std::string metrics::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& f : families_) {
    out += "# HELP ";
    out += f.name;
    out += ' ';
    append_escaped(out, f.help, false);
    out += "\n# TYPE ";
    out += f.name;
    out += ' ';
    out += f.type;
    out += '\n';
    for (const auto& s : f.members) {
      if (s.counter) {
        append_sample(out, f.name, "", s.labels, std::to_string(s.counter->value()));
      } else if (s.gauge) {
        append_sample(out, f.name, "", s.labels, format_number(s.gauge->value()));
      } else if (s.fn) {
        append_sample(out, f.name, "", s.labels, format_number(s.fn()));
      } else if (s.histogram) {
        const auto counts = s.histogram->cumulative_counts();
        const auto bounds = s.histogram->upper_bounds();
        for (std::size_t i = 0; i < counts.size(); ++i) {
          const std::string le = i < bounds.size() ? format_number(bounds[i]) : "+Inf";
          const std::pair<std::string_view, std::string_view> extra{"le", le};
          append_sample(out, f.name, "_bucket", s.labels, std::to_string(counts[i]), &extra);
        }
        append_sample(out, f.name, "_sum", s.labels, format_number(s.histogram->sum()));
        append_sample(out, f.name, "_count", s.labels, std::to_string(counts.back()));
      }
    }
  }
  return out;
}

std::int64_t process_rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::int64_t size_pages = 0;
  std::int64_t resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return -1;
  const long page = ::sysconf(_SC_PAGESIZE);
  return page > 0 ? resident_pages * page : -1;
}

}  // namespace lectern::server
