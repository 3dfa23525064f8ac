#pragma once
// The node's metrics, served as Prometheus text at GET /metrics (docs/node.md, "Monitoring").
// prometheus-cpp keeps the counters and writes the format; this file only decides what is
// counted. Labels are bounded: a service is {client, service} (there are as many as deployed),
// and the other labels take a handful of fixed values. No label per URL or per client address.
//
// Counting costs a request a few atomic adds and one histogram observation (a per-service
// mutex, rarely contended): bench/ measures it (metrics_overhead_ratio).
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "edge/node/aot_engine.hpp"
#include "edge/node/engine.hpp"
#include "span_exporter.hpp"

namespace edge::node {

class NodeMetrics;

// One service's series. Shared by every version of the service (a redeploy keeps counting) and
// held by each RunningService, so a request in flight never counts into removed series: they go
// when the last holder does.
class ServiceMetrics final : public ServiceObserver {
 public:
  ServiceMetrics(NodeMetrics& node, const prometheus::Labels& labels);
  ~ServiceMetrics() override;
  ServiceMetrics(const ServiceMetrics&) = delete;
  ServiceMetrics& operator=(const ServiceMetrics&) = delete;

  // Every answer for the service, refusals included (from the access log's hook).
  void answered(int status, std::chrono::microseconds elapsed);
  // A guest run: an instance starts, and the run ends with `outcome`.
  void run_begins();
  void run_ends(const Outcome& outcome);
  void serving_on(std::string_view tier);  // the tier serving it now (set before each scrape)
  // Its module's compiles, per tier: the last one's seconds and the failures since start (set
  // before each scrape, from NodeMetrics::module_compiles).
  struct Compiles {
    double seconds = 0;  // translate and compile; 0 when it came from the cache
    uint64_t failures = 0;
  };
  void compiled_as(const std::map<std::string, Compiles, std::less<>>& by_tier);

  void fetched(const Fetch& fetch) override;
  void storage_operation(std::string_view method) override;
  void instance_ended(uint64_t memory_bytes) override;

  // The last minutes, a point per NodeMetrics::kSampleEvery: requests per second and the p99 of
  // that interval's requests, from the same counters /metrics serves (the dashboard's graphs).
  struct Point {
    double requests_per_second = 0, p99_ms = 0;
  };
  std::vector<Point> history() const;
  void sample(double seconds);  // by NodeMetrics' sampler

 private:
  NodeMetrics& node_;
  prometheus::Labels labels_;
  prometheus::Counter* by_class_[5];  // 1xx..5xx
  prometheus::Histogram& duration_;
  prometheus::Gauge& in_flight_;
  prometheus::Counter& instances_;
  prometheus::Gauge& memory_;
  prometheus::Counter& traps_;
  prometheus::Counter& timeouts_;
  prometheus::Counter& refused_413_;
  prometheus::Counter& refused_429_;
  prometheus::Counter& refused_503_;
  prometheus::Counter& fetch_ok_;
  prometheus::Counter& fetch_failed_;
  prometheus::Histogram& fetch_duration_;
  std::mutex storage_mu_;
  std::map<std::string, prometheus::Counter*, std::less<>> storage_;  // by host method (a few)
  mutable std::mutex history_mu_;
  std::deque<Point> history_;
  double sampled_requests_ = 0;
  std::vector<double> sampled_buckets_;  // cumulative counts at the last sample
  std::mutex tier_mu_;
  std::string tier_;
  prometheus::Gauge* tier_gauge_ = nullptr;
  std::map<std::string, std::pair<prometheus::Gauge*, prometheus::Gauge*>, std::less<>> compile_gauges_;  // by tier
};

class NodeMetrics {
 public:
  static constexpr std::chrono::seconds kSampleEvery{5};
  static constexpr size_t kHistoryPoints = 120;  // 10 minutes

  NodeMetrics();
  ~NodeMetrics();
  NodeMetrics(const NodeMetrics&) = delete;
  NodeMetrics& operator=(const NodeMetrics&) = delete;

  // The series of a service, made on first use; the same object while any version holds it.
  std::shared_ptr<ServiceMetrics> service(const std::string& client, const std::string& name);

  // Node-wide figures, set before each scrape by whoever knows them (main.cpp).
  struct NodeGauges {
    prometheus::Gauge& open_connections;
    prometheus::Gauge& queue_depth;
    prometheus::Gauge& images;
    prometheus::Gauge& containers;
    prometheus::Gauge& compile_cache_bytes;
    prometheus::Gauge& internal_errors;
    prometheus::Gauge& inline_runs;
    prometheus::Gauge& loop_stand_ins;
    prometheus::Gauge& guest_memory;
  };
  NodeGauges& gauges() { return gauges_; }
  void before_scrape(std::function<void()> refresh) { before_scrape_ = std::move(refresh); }

  // Where request and fetch spans go (OTLP), if anywhere; set before serving. Not owned.
  void export_spans_to(SpanExporter* exporter) { spans_ = exporter; }
  SpanExporter* spans() const { return spans_; }

  void waited_in_queue(std::chrono::steady_clock::duration waited);
  void compiled(const AotOptions::CompileReport& report);
  // What compiled() saw of one module (by the digest it was loaded with), per tier. A module's code
  // is shared by the services that run it: each of them shows its compiles (Node::refresh_metrics).
  std::map<std::string, ServiceMetrics::Compiles, std::less<>> module_compiles(std::string_view module) const;

  // The text exposition format (version 0.0.4) of every series.
  std::string scrape();

 private:
  friend class ServiceMetrics;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
  prometheus::Family<prometheus::Counter>& instances_;
  prometheus::Family<prometheus::Gauge>& memory_;
  prometheus::Family<prometheus::Counter>& traps_;
  prometheus::Family<prometheus::Counter>& timeouts_;
  prometheus::Family<prometheus::Counter>& refusals_;
  prometheus::Family<prometheus::Counter>& fetches_;
  prometheus::Family<prometheus::Histogram>& fetch_duration_;
  prometheus::Family<prometheus::Counter>& storage_;
  prometheus::Family<prometheus::Gauge>& tier_;
  prometheus::Family<prometheus::Gauge>& service_compile_seconds_;
  prometheus::Family<prometheus::Gauge>& service_compile_failures_;
  prometheus::Family<prometheus::Histogram>& compile_seconds_;
  prometheus::Family<prometheus::Counter>& compiles_;
  mutable std::mutex module_compiles_mu_;
  std::map<std::string, std::map<std::string, ServiceMetrics::Compiles, std::less<>>, std::less<>> module_compiles_;
  prometheus::Histogram& queue_wait_;
  prometheus::Gauge& resident_bytes_;
  prometheus::Gauge& open_fds_;
  prometheus::Gauge& start_time_;
  prometheus::Gauge& uptime_;
  prometheus::Counter& spans_exported_;
  prometheus::Counter& spans_dropped_;
  NodeGauges gauges_;
  SpanExporter* spans_ = nullptr;
  uint64_t spans_exported_seen_ = 0, spans_dropped_seen_ = 0;  // scrape_mu_ held
  std::mutex scrape_mu_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::function<void()> before_scrape_;
  std::mutex services_mu_;
  std::map<std::string, std::weak_ptr<ServiceMetrics>> services_;  // by "<client>/<name>"
  // The history's sampler: a wake-up every kSampleEvery, nothing more (devices run on batteries).
  void sample_until_stopped();
  std::mutex sampler_mu_;
  std::condition_variable sampler_cv_;
  bool stopping_ = false;
  std::thread sampler_;
};

}  // namespace edge::node
