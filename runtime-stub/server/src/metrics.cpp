#include "metrics.hpp"

#include <dirent.h>
#include <unistd.h>

#include <fstream>

#include <prometheus/text_serializer.h>

#include "edge/core/histogram_quantile.hpp"

namespace edge::node {

namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

// Seconds. A hello answers in about 0.1 ms, a service's limit is 10 s by default: the buckets
// cover both ends closely enough for p50 and p99 (edge top interpolates within a bucket).
const prometheus::Histogram::BucketBoundaries& request_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return b;
}
const prometheus::Histogram::BucketBoundaries& compile_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
  return b;
}

prometheus::Labels with(prometheus::Labels labels, const std::string& key, std::string value) {
  labels[key] = std::move(value);
  return labels;
}

// The process's resident memory and open descriptors, from /proc (Linux, where nodes run).
double resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return double(resident) * double(::sysconf(_SC_PAGESIZE));
}
double open_descriptors() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return 0;
  double n = 0;
  while (const dirent* e = ::readdir(dir))
    if (e->d_name[0] != '.') ++n;
  ::closedir(dir);
  return n - 1;  // the directory's own descriptor
}

}  // namespace

NodeMetrics::NodeMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(BuildCounter()
                    .Name("edge_service_requests_total")
                    .Help("Answers of a service, by status class; refusals included")
                    .Register(*registry_)),
      duration_(BuildHistogram()
                    .Name("edge_service_request_duration_seconds")
                    .Help("Time from a request's headers to its answer")
                    .Register(*registry_)),
      in_flight_(
          BuildGauge().Name("edge_service_requests_in_flight").Help("Requests running now").Register(*registry_)),
      instances_(BuildCounter()
                     .Name("edge_service_instances_started_total")
                     .Help("Guest instances started (one per request that runs)")
                     .Register(*registry_)),
      memory_(BuildGauge()
                  .Name("edge_service_memory_bytes")
                  .Help("Linear memory of the service's last instance, at its end (what a request grows it to)")
                  .Register(*registry_)),
      traps_(BuildCounter().Name("edge_service_traps_total").Help("Runs that ended in a trap").Register(*registry_)),
      timeouts_(BuildCounter()
                    .Name("edge_service_timeouts_total")
                    .Help("Runs ended at the service's time limit (504)")
                    .Register(*registry_)),
      refusals_(BuildCounter()
                    .Name("edge_service_refusals_total")
                    .Help("Requests refused by a limit: 413 body too large, 429 too many, 503 busy")
                    .Register(*registry_)),
      fetches_(BuildCounter()
                   .Name("edge_service_fetches_total")
                   .Help("Outbound httpclient.fetch calls, by outcome (error: no answer came)")
                   .Register(*registry_)),
      fetch_duration_(BuildHistogram()
                          .Name("edge_service_fetch_duration_seconds")
                          .Help("Time of outbound fetches, to the last byte of the answer")
                          .Register(*registry_)),
      storage_(BuildCounter()
                   .Name("edge_service_storage_operations_total")
                   .Help("storage.* host calls, by method")
                   .Register(*registry_)),
      tier_(BuildGauge()
                .Name("edge_service_tier")
                .Help("1 for the tier serving the service now (interp, quick, aot)")
                .Register(*registry_)),
      service_compile_seconds_(BuildGauge()
                                   .Name("edge_service_compile_seconds")
                                   .Help("The last compile of the service's module, by tier (0: from the cache)")
                                   .Register(*registry_)),
      service_compile_failures_(BuildGauge()
                                    .Name("edge_service_compile_failures")
                                    .Help("Failed compiles of the service's module since the node started, by tier")
                                    .Register(*registry_)),
      compile_seconds_(BuildHistogram()
                           .Name("edge_compile_duration_seconds")
                           .Help("Compiles of modules to native code, by tier (cache hits not included)")
                           .Register(*registry_)),
      compiles_(BuildCounter()
                    .Name("edge_compiles_total")
                    .Help("Module loads on a compiled tier, by tier and result (compiled, cached, failed)")
                    .Register(*registry_)),
      queue_wait_(BuildHistogram()
                      .Name("edge_node_queue_wait_seconds")
                      .Help("Time a guest run or mCM operation waited for an execution slot")
                      .Register(*registry_)
                      .Add({}, request_buckets())),
      resident_bytes_(BuildGauge()
                          .Name("process_resident_memory_bytes")
                          .Help("Resident memory size in bytes")
                          .Register(*registry_)
                          .Add({})),
      open_fds_(
          BuildGauge().Name("process_open_fds").Help("Number of open file descriptors").Register(*registry_).Add({})),
      start_time_(BuildGauge()
                      .Name("process_start_time_seconds")
                      .Help("Start time of the process since unix epoch in seconds")
                      .Register(*registry_)
                      .Add({})),
      uptime_(BuildGauge()
                  .Name("edge_node_uptime_seconds")
                  .Help("Seconds since the node started")
                  .Register(*registry_)
                  .Add({})),
      spans_exported_(BuildCounter()
                          .Name("edge_node_spans_exported_total")
                          .Help("Spans sent to the OTLP endpoint")
                          .Register(*registry_)
                          .Add({})),
      spans_dropped_(BuildCounter()
                         .Name("edge_node_spans_dropped_total")
                         .Help("Spans dropped: the queue was full or the OTLP endpoint did not take them")
                         .Register(*registry_)
                         .Add({})),
      gauges_{
          BuildGauge()
              .Name("edge_node_open_connections")
              .Help("HTTP connections open now")
              .Register(*registry_)
              .Add({}),
          BuildGauge()
              .Name("edge_node_queue_depth")
              .Help("Guest runs and mCM operations waiting for an execution slot")
              .Register(*registry_)
              .Add({}),
          BuildGauge().Name("edge_node_images").Help("Images stored, all clients").Register(*registry_).Add({}),
          BuildGauge().Name("edge_node_containers").Help("Containers stored, all clients").Register(*registry_).Add({}),
          BuildGauge()
              .Name("edge_node_compile_cache_bytes")
              .Help("Size of the compiled-code cache on disk")
              .Register(*registry_)
              .Add({}),
          BuildGauge()
              .Name("edge_node_internal_errors")
              .Help("Requests the node failed on (answered 500 and logged): node bugs, never a client's")
              .Register(*registry_)
              .Add({}),
          BuildGauge()
              .Name("edge_node_inline_runs")
              .Help("Guest runs, since start, on the I/O thread that read their request (short, compiled services)")
              .Register(*registry_)
              .Add({}),
          BuildGauge()
              .Name("edge_node_loop_stand_ins")
              .Help("Inline runs, since start, that went past their budget: a stand-in thread took their I/O loop")
              .Register(*registry_)
              .Add({}),
          BuildGauge()
              .Name("edge_node_guest_memory_bytes")
              .Help("Linear memory all guest instances hold now (of --guest-memory-mb)")
              .Register(*registry_)
              .Add({}),
      } {
  sampler_ = std::thread([this] { sample_until_stopped(); });
  start_time_.Set(double(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count()));
}

NodeMetrics::~NodeMetrics() {
  {
    std::lock_guard lock(sampler_mu_);
    stopping_ = true;
  }
  sampler_cv_.notify_all();
  sampler_.join();
}

void NodeMetrics::sample_until_stopped() {
  std::unique_lock lock(sampler_mu_);
  auto last = std::chrono::steady_clock::now();
  while (!sampler_cv_.wait_for(lock, kSampleEvery, [this] { return stopping_; })) {
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - last).count();
    last = now;
    std::vector<std::shared_ptr<ServiceMetrics>> live;
    {
      std::lock_guard services(services_mu_);
      for (const auto& [key, weak] : services_)
        if (auto s = weak.lock()) live.push_back(std::move(s));
    }
    for (const auto& s : live) s->sample(seconds);
  }
}

std::shared_ptr<ServiceMetrics> NodeMetrics::service(const std::string& client, const std::string& name) {
  std::lock_guard lock(services_mu_);
  std::weak_ptr<ServiceMetrics>& slot = services_[client + "/" + name];
  if (auto live = slot.lock()) return live;
  auto made = std::make_shared<ServiceMetrics>(*this, prometheus::Labels{{"client", client}, {"service", name}});
  slot = made;
  return made;
}

void NodeMetrics::waited_in_queue(std::chrono::steady_clock::duration waited) {
  queue_wait_.Observe(std::chrono::duration<double>(waited).count());
}

void NodeMetrics::compiled(const AotOptions::CompileReport& report) {
  const std::string tier(report.tier);
  const char* result = !report.ok ? "failed" : report.from_cache ? "cached" : "compiled";
  compiles_.Add({{"tier", tier}, {"result", result}}).Increment();
  if (report.ok && !report.from_cache)
    compile_seconds_.Add({{"tier", tier}}, compile_buckets()).Observe(report.seconds);
  if (report.module.empty()) return;
  std::lock_guard lock(module_compiles_mu_);
  auto& compiles = module_compiles_[std::string(report.module)][tier];
  if (report.ok) compiles.seconds = report.seconds;
  else ++compiles.failures;
}

std::map<std::string, ServiceMetrics::Compiles, std::less<>> NodeMetrics::module_compiles(
    std::string_view module) const {
  std::lock_guard lock(module_compiles_mu_);
  auto it = module_compiles_.find(module);
  return it == module_compiles_.end() ? std::map<std::string, ServiceMetrics::Compiles, std::less<>>{} : it->second;
}

std::string NodeMetrics::scrape() {
  std::lock_guard lock(scrape_mu_);
  if (before_scrape_) before_scrape_();
  if (spans_) {
    const uint64_t exported = spans_->exported(), dropped = spans_->dropped();
    spans_exported_.Increment(double(exported - spans_exported_seen_));
    spans_dropped_.Increment(double(dropped - spans_dropped_seen_));
    spans_exported_seen_ = exported;
    spans_dropped_seen_ = dropped;
  }
  resident_bytes_.Set(resident_bytes());
  open_fds_.Set(open_descriptors());
  uptime_.Set(std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

ServiceMetrics::ServiceMetrics(NodeMetrics& node, const prometheus::Labels& labels)
    : node_(node),
      labels_(labels),
      by_class_{&node.requests_.Add(with(labels, "code", "1xx")), &node.requests_.Add(with(labels, "code", "2xx")),
                &node.requests_.Add(with(labels, "code", "3xx")), &node.requests_.Add(with(labels, "code", "4xx")),
                &node.requests_.Add(with(labels, "code", "5xx"))},
      duration_(node.duration_.Add(labels, request_buckets())),
      in_flight_(node.in_flight_.Add(labels)),
      instances_(node.instances_.Add(labels)),
      memory_(node.memory_.Add(labels)),
      traps_(node.traps_.Add(labels)),
      timeouts_(node.timeouts_.Add(labels)),
      refused_413_(node.refusals_.Add(with(labels, "code", "413"))),
      refused_429_(node.refusals_.Add(with(labels, "code", "429"))),
      refused_503_(node.refusals_.Add(with(labels, "code", "503"))),
      fetch_ok_(node.fetches_.Add(with(labels, "outcome", "answered"))),
      fetch_failed_(node.fetches_.Add(with(labels, "outcome", "error"))),
      fetch_duration_(node.fetch_duration_.Add(labels, request_buckets())) {}

ServiceMetrics::~ServiceMetrics() {
  std::lock_guard lock(node_.services_mu_);
  // A newer object for the same service (a redeploy that raced this one's end) shares these
  // series: prometheus-cpp's Add() hands out the existing ones. Then they stay.
  const std::string key = labels_.at("client") + "/" + labels_.at("service");
  if (auto it = node_.services_.find(key); it != node_.services_.end()) {
    if (!it->second.expired()) return;
    node_.services_.erase(it);
  }
  for (auto* c : by_class_) node_.requests_.Remove(c);
  node_.duration_.Remove(&duration_);
  node_.in_flight_.Remove(&in_flight_);
  node_.instances_.Remove(&instances_);
  node_.memory_.Remove(&memory_);
  node_.traps_.Remove(&traps_);
  node_.timeouts_.Remove(&timeouts_);
  for (auto* c : {&refused_413_, &refused_429_, &refused_503_}) node_.refusals_.Remove(c);
  node_.fetches_.Remove(&fetch_ok_);
  node_.fetches_.Remove(&fetch_failed_);
  node_.fetch_duration_.Remove(&fetch_duration_);
  for (auto& [method, counter] : storage_) node_.storage_.Remove(counter);
  if (tier_gauge_) node_.tier_.Remove(tier_gauge_);
  for (auto& [tier, gauges] : compile_gauges_) {
    node_.service_compile_seconds_.Remove(gauges.first);
    node_.service_compile_failures_.Remove(gauges.second);
  }
}

void ServiceMetrics::answered(int status, std::chrono::microseconds elapsed) {
  if (status >= 100 && status < 600) by_class_[status / 100 - 1]->Increment();
  duration_.Observe(double(elapsed.count()) / 1e6);
  if (status == 413) refused_413_.Increment();
  if (status == 429) refused_429_.Increment();
  if (status == 503) refused_503_.Increment();
}

void ServiceMetrics::run_begins() {
  in_flight_.Increment();
  instances_.Increment();
}

void ServiceMetrics::run_ends(const Outcome& outcome) {
  in_flight_.Decrement();
  if (const ExecFailure* failure = outcome.failure()) {
    if (failure->kind == ExecFailure::Kind::Trap) traps_.Increment();
    if (failure->kind == ExecFailure::Kind::Timeout) timeouts_.Increment();
  }
}

void ServiceMetrics::instance_ended(uint64_t memory_bytes) { memory_.Set(double(memory_bytes)); }

void ServiceMetrics::serving_on(std::string_view tier) {
  std::lock_guard lock(tier_mu_);
  if (tier_ == tier) return;
  if (tier_gauge_) node_.tier_.Remove(tier_gauge_);
  tier_ = std::string(tier);
  tier_gauge_ = &node_.tier_.Add(with(labels_, "tier", tier_));
  tier_gauge_->Set(1);
}

void ServiceMetrics::compiled_as(const std::map<std::string, Compiles, std::less<>>& by_tier) {
  std::lock_guard lock(tier_mu_);
  for (const auto& [tier, compiles] : by_tier) {
    auto [it, fresh] = compile_gauges_.try_emplace(tier, nullptr, nullptr);
    if (fresh) {
      it->second.first = &node_.service_compile_seconds_.Add(with(labels_, "tier", tier));
      it->second.second = &node_.service_compile_failures_.Add(with(labels_, "tier", tier));
    }
    it->second.first->Set(compiles.seconds);
    it->second.second->Set(double(compiles.failures));
  }
}

void ServiceMetrics::fetched(const Fetch& fetch) {
  (fetch.status ? fetch_ok_ : fetch_failed_).Increment();
  fetch_duration_.Observe(std::chrono::duration<double>(fetch.took).count());
  if (!node_.spans_ || !fetch.span || !fetch.span->sampled()) return;
  Span span;
  span.trace_id = fetch.span->trace_id();
  span.span_id = fetch.span->span_id();
  span.parent_span_id = fetch.span->parent_span_id();
  span.name = "fetch " + std::string(fetch.method);
  span.kind = Span::Kind::Client;
  span.start = fetch.started;
  span.end = fetch.started + std::chrono::duration_cast<std::chrono::system_clock::duration>(fetch.took);
  // The URL without its query: a query may carry credentials.
  span.attributes = {{"http.request.method", std::string(fetch.method)},
                     {"url.full", std::string(fetch.url.substr(0, fetch.url.find('?')))},
                     {"edge.service", labels_.at("service")}};
  if (!fetch.error.empty()) span.attributes.emplace_back("error.message", std::string(fetch.error));
  span.status_code = fetch.status;
  span.error = fetch.status == 0 || fetch.status >= 500;
  node_.spans_->record(std::move(span));
}

void ServiceMetrics::sample(double seconds) {
  double requests = 0;
  for (auto* c : by_class_) requests += c->Value();
  const auto histogram = duration_.Collect().histogram;
  std::vector<std::pair<double, double>> interval;  // this interval's buckets, cumulative
  std::vector<double> now;
  for (size_t i = 0; i < histogram.bucket.size(); ++i) {
    const double count = double(histogram.bucket[i].cumulative_count);
    now.push_back(count);
    interval.emplace_back(histogram.bucket[i].upper_bound,
                          count - (i < sampled_buckets_.size() ? sampled_buckets_[i] : 0));
  }
  std::lock_guard lock(history_mu_);
  history_.push_back(
      {seconds > 0 ? (requests - sampled_requests_) / seconds : 0, histogram_quantile(0.99, interval) * 1000});
  if (history_.size() > NodeMetrics::kHistoryPoints) history_.pop_front();
  sampled_requests_ = requests;
  sampled_buckets_ = std::move(now);
}

std::vector<ServiceMetrics::Point> ServiceMetrics::history() const {
  std::lock_guard lock(history_mu_);
  return {history_.begin(), history_.end()};
}

void ServiceMetrics::storage_operation(std::string_view method) {
  prometheus::Counter* counter = nullptr;
  {
    std::lock_guard lock(storage_mu_);
    auto it = storage_.find(method);
    if (it == storage_.end())  // the ABI's storage methods: a fixed handful
      it = storage_.emplace(std::string(method), &node_.storage_.Add(with(labels_, "method", std::string(method))))
               .first;
    counter = it->second;
  }
  counter->Increment();
}

}  // namespace edge::node
