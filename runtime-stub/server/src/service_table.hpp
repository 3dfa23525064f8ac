#pragma once
// The running services, by name and by base path. An entry is immutable once published; a
// redeploy publishes a new entry (a shared_ptr swap under the mutex), so requests already
// running keep their shared_ptr and finish on the old module: zero-downtime replacement.
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "edge/node/engine.hpp"
#include "metrics.hpp"
#include "run_history.hpp"
#include "service_log.hpp"
#include "stores.hpp"

namespace edge::node {

struct RunningService {
  ContainerRecord record;
  std::string base_path;  // "/<clientId>/hello/v1": where it answers
  std::shared_ptr<LoadedModule> module;
  std::string module_sha256;               // the key its module was loaded and compiled by
  std::shared_ptr<KeyValueStore> storage;  // shared by every version of the same name
  std::shared_ptr<FileServiceLog> log;
  std::shared_ptr<ServiceMetrics> metrics;  // null: the node counts nothing (--telemetry off)
  ServiceContext context;                   // points into storage, log and open_files
  std::atomic<uint32_t> open_files{0};      // files its requests hold open (the per-service cap)
  mutable RunHistory runs;                  // where its next request runs
};

// Request counts and latency of one service (in memory; the dashboard reads them).
class ServiceStats {
 public:
  struct Snapshot {
    uint64_t requests = 0, failures = 0;  // failures: 5xx answers
    double p50_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0;
  };
  void record(double ms, int status);
  Snapshot snapshot() const;

 private:
  static constexpr size_t kWindow = 1024;  // latency percentiles over the last requests
  mutable std::mutex mu_;
  uint64_t requests_ = 0, failures_ = 0;
  std::deque<double> recent_ms_;
};

class ServiceTable {
 public:
  void publish(std::shared_ptr<const RunningService> service);
  void remove(const std::string& container_id);
  std::shared_ptr<const RunningService> by_id(const std::string& container_id) const;
  std::shared_ptr<const RunningService> by_base_path(std::string_view base_path) const;
  // The service whose base path is the longest prefix of `path` (at a '/' boundary); `rest`
  // receives what follows the base path ("/" at least).
  std::shared_ptr<const RunningService> match(const std::string& path, std::string* rest) const;
  std::vector<std::shared_ptr<const RunningService>> all() const;
  std::shared_ptr<ServiceStats> stats(const std::string& container_id);
  std::map<std::string, ServiceStats::Snapshot> all_stats() const;

 private:
  mutable std::mutex mu_;
  // By container id ("<clientId>-<name>"): clients of the node may use the same names.
  std::map<std::string, std::shared_ptr<const RunningService>> services_;
  // By base path, for match(): a request looks up the prefixes of its path (a few segments)
  // instead of comparing its path with every service's base path.
  std::map<std::string, std::shared_ptr<const RunningService>, std::less<>> by_base_;
  size_t longest_base_ = 0;
  std::map<std::string, std::shared_ptr<ServiceStats>> stats_;
};

}  // namespace edge::node
