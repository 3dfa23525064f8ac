// edge top's reading of Prometheus text (cli/metrics_text): samples, labels with escapes, and
// per-service figures from two scrapes, with histogram quantiles as Prometheus computes them.
#include <doctest/doctest.h>

#include "edge/core/histogram_quantile.hpp"
#include "metrics_text.hpp"

using namespace edge::metrics;
using edge::histogram_quantile;

TEST_CASE("samples and labels are read as the text format writes them, comments and junk skipped") {
  auto samples = parse_text(
      "# HELP x y\n# TYPE x counter\n"
      "edge_service_requests_total{client=\"c\",service=\"a\\\"b\",code=\"2xx\"} 12\n"
      "process_open_fds 7 1700000000000\n"
      "broken{client=\"c\" 3\n"
      "edge_service_request_duration_seconds_bucket{service=\"s\",le=\"+Inf\"} 4\n");
  REQUIRE(samples.size() == 3);
  CHECK(samples[0].name == "edge_service_requests_total");
  CHECK(samples[0].labels.at("service") == "a\"b");
  CHECK(samples[0].value == 12);
  CHECK(samples[1].value == 7);  // the timestamp is not the value
  CHECK(samples[2].labels.at("le") == "+Inf");
}

TEST_CASE("histogram quantiles interpolate within their bucket, as histogram_quantile() does") {
  // 100 observations: 50 up to 1 ms, 40 more up to 2 ms, 10 more up to 10 ms.
  const std::vector<std::pair<double, double>> buckets{{0.001, 50}, {0.002, 90}, {0.01, 100}, {INFINITY, 100}};
  CHECK(histogram_quantile(0.5, buckets) == doctest::Approx(0.001));
  CHECK(histogram_quantile(0.7, buckets) == doctest::Approx(0.0015));
  CHECK(histogram_quantile(0.99, buckets) == doctest::Approx(0.0092));
  CHECK(histogram_quantile(0.5, {}) == 0);
  // Beyond the last finite bound, that bound is all that is known.
  CHECK(histogram_quantile(0.99, {{0.001, 1}, {INFINITY, 100}}) == doctest::Approx(0.001));
}

TEST_CASE("figures: rates and latency of the interval between two scrapes, busiest service first") {
  auto scrape = [](double a_requests, double a_fast, double b_requests) {
    return parse_text(
        "edge_service_requests_total{client=\"c\",service=\"a\",code=\"2xx\"} " + std::to_string(a_requests) + "\n" +
        "edge_service_requests_total{client=\"c\",service=\"a\",code=\"5xx\"} 1\n" +
        "edge_service_request_duration_seconds_bucket{client=\"c\",service=\"a\",le=\"0.001\"} " +
        std::to_string(a_fast) + "\n" +
        "edge_service_request_duration_seconds_bucket{client=\"c\",service=\"a\",le=\"+Inf\"} " +
        std::to_string(a_requests + 1) + "\n" + "edge_service_tier{client=\"c\",service=\"a\",tier=\"aot\"} 1\n" +
        "edge_service_requests_total{client=\"c\",service=\"b\",code=\"2xx\"} " + std::to_string(b_requests) + "\n");
  };
  // a: 1,000 requests in 2 s, all of them within 1 ms; b: none.
  const NodeFigures f = figures(scrape(100, 0, 5), scrape(1100, 1000, 5), 2.0);
  REQUIRE(f.services.size() == 2);
  CHECK(f.services[0].service == "a");
  CHECK(f.services[0].requests_per_second == doctest::Approx(500));
  CHECK(f.services[0].p99_ms <= 1.0);
  CHECK(f.services[0].error_share == 0);  // the one 5xx came before the interval
  CHECK(f.services[0].tier == "aot");
  CHECK(f.services[1].service == "b");
  CHECK(f.services[1].requests_per_second == 0);
}
