// The metrics registry: exact Prometheus text output, label escaping, concurrent updates.
#include "metrics.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace lectern::server {
namespace {

TEST(metrics, renders_a_small_registry_exactly) {
  metrics m;
  auto& requests = m.add_counter("lectern_requests_total", "Requests seen.");
  auto& by_name =
      m.add_counter("lectern_streams_total", "Streams by name.", {{"name", "a \"b\"\\c\nd"}});
  auto& temperature = m.add_gauge("lectern_temperature", "Temperature\\in\nkelvin.");
  double live = 3;
  m.add_gauge_fn("lectern_rooms_live", "Rooms live now.", [&live] { return live; });
  auto& latency =
      m.add_histogram("lectern_latency_seconds", "Latency.", {0.25, 0.5, 1}, {{"route", "/x"}});
  requests.inc();
  requests.inc(4);
  by_name.inc(2);
  temperature.set(-1.5);
  live = 7;  // read at render time, not at registration
  latency.observe(0.125);
  latency.observe(0.25);  // on a bound: counted in that bucket (le is "less or equal")
  latency.observe(0.75);
  latency.observe(3);

  const std::string expected =
      "# HELP lectern_requests_total Requests seen.\n"
      "# TYPE lectern_requests_total counter\n"
      "lectern_requests_total 5\n"
      "# HELP lectern_streams_total Streams by name.\n"
      "# TYPE lectern_streams_total counter\n"
      "lectern_streams_total{name=\"a \\\"b\\\"\\\\c\\nd\"} 2\n"
      "# HELP lectern_temperature Temperature\\\\in\\nkelvin.\n"
      "# TYPE lectern_temperature gauge\n"
      "lectern_temperature -1.5\n"
      "# HELP lectern_rooms_live Rooms live now.\n"
      "# TYPE lectern_rooms_live gauge\n"
      "lectern_rooms_live 7\n"
      "# HELP lectern_latency_seconds Latency.\n"
      "# TYPE lectern_latency_seconds histogram\n"
      "lectern_latency_seconds_bucket{route=\"/x\",le=\"0.25\"} 2\n"
      "lectern_latency_seconds_bucket{route=\"/x\",le=\"0.5\"} 2\n"
      "lectern_latency_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"
      "lectern_latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"
      "lectern_latency_seconds_sum{route=\"/x\"} 4.125\n"
      "lectern_latency_seconds_count{route=\"/x\"} 4\n";
  EXPECT_EQ(m.render(), expected);
}

TEST(metrics, labelled_series_share_one_help_and_type) {
  metrics m;
  m.add_counter("lectern_x_total", "X.", {{"kind", "a"}}).inc();
  m.add_counter("lectern_x_total", "X.", {{"kind", "b"}}).inc(2);
  EXPECT_EQ(m.render(),
            "# HELP lectern_x_total X.\n"
            "# TYPE lectern_x_total counter\n"
            "lectern_x_total{kind=\"a\"} 1\n"
            "lectern_x_total{kind=\"b\"} 2\n");
}

TEST(metrics, bad_registrations_throw_at_start_up) {
  metrics m;
  m.add_counter("lectern_x_total", "X.");
  EXPECT_THROW(m.add_gauge("lectern_x_total", "X."), std::invalid_argument);
  EXPECT_THROW(m.add_counter("lectern_x_total", "X."), std::invalid_argument);  // same labels
  EXPECT_THROW(m.add_counter("1bad", "X."), std::invalid_argument);
  EXPECT_THROW(m.add_counter("lectern-dash", "X."), std::invalid_argument);
  EXPECT_THROW(m.add_counter("lectern_y", "Y.", {{"bad-label", "v"}}), std::invalid_argument);
  EXPECT_THROW(m.add_histogram("lectern_h", "H.", {1, 0.5}), std::invalid_argument);
  EXPECT_THROW(m.add_histogram("lectern_h", "H.", {1}, {{"le", "1"}}), std::invalid_argument);
}

TEST(metrics, concurrent_increments_from_four_threads_sum_correctly) {
  metrics m;
  auto& counter = m.add_counter("lectern_c_total", "C.");
  auto& gauge = m.add_gauge("lectern_g", "G.");
  auto& histogram = m.add_histogram("lectern_h_seconds", "H.", {1});
  constexpr int k_threads = 4;
  constexpr int k_each = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < k_each; ++i) {
        counter.inc();
        gauge.add(1);
        histogram.observe(0.5);
      }
    });
  }
  // Rendering while others update must be safe (ASan/TSan would flag it) and never go back.
  std::string last;
  for (int i = 0; i < 20; ++i) last = m.render();
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.value(), std::uint64_t{k_threads} * k_each);
  EXPECT_EQ(gauge.value(), double{k_threads} * k_each);
  EXPECT_EQ(histogram.cumulative_counts().back(), std::uint64_t{k_threads} * k_each);
  EXPECT_EQ(histogram.sum(), 0.5 * k_threads * k_each);
  EXPECT_NE(m.render().find("lectern_c_total 400000\n"), std::string::npos);
}

TEST(metrics, http_latency_by_method_route_and_status_class) {
  metrics m;
  m.observe_http_request("GET", "/api/classes", 200, 0.002);
  m.observe_http_request("GET", "/api/classes", 204, 0.0004);
  m.observe_http_request("POST", "/api/classes", 503, 7);
  const std::string text = m.render();
  EXPECT_NE(text.find("# TYPE lectern_http_request_duration_seconds histogram\n"),
            std::string::npos);
  EXPECT_NE(text.find("lectern_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/"
                      "classes\",status_class=\"2xx\",le=\"0.0005\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lectern_http_request_duration_seconds_count{method=\"GET\",route=\"/api/"
                      "classes\",status_class=\"2xx\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lectern_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/"
                      "classes\",status_class=\"5xx\",le=\"5\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(status_class(404), "4xx");
  EXPECT_EQ(status_class(42), "other");
}

TEST(metrics, http_series_are_bounded) {
  metrics m;
  for (std::size_t i = 0; i < metrics::k_max_http_series + 50; ++i) {
    m.observe_http_request("GET", "/scan/" + std::to_string(i), 404, 0.001);
  }
  const std::string text = m.render();
  EXPECT_EQ(text.find("route=\"/scan/" + std::to_string(metrics::k_max_http_series) + "\""),
            std::string::npos);
  EXPECT_NE(text.find("route=\"other\",status_class=\"4xx\"} 50\n"), std::string::npos);
}

TEST(metrics, process_rss_is_positive_on_linux) {
  const auto rss = process_rss_bytes();
  EXPECT_GT(rss, 1 << 20);  // a test binary with GoogleTest loaded is well over 1 MiB
}

}  // namespace
}  // namespace lectern::server
