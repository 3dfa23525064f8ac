#include "service_table.hpp"

#include <algorithm>

namespace edge::node {

void ServiceStats::record(double ms, int status) {
  std::lock_guard lock(mu_);
  ++requests_;
  if (status >= 500) ++failures_;
  recent_ms_.push_back(ms);
  if (recent_ms_.size() > kWindow) recent_ms_.pop_front();
}

ServiceStats::Snapshot ServiceStats::snapshot() const {
  std::lock_guard lock(mu_);
  Snapshot s;
  s.requests = requests_;
  s.failures = failures_;
  if (recent_ms_.empty()) return s;
  std::vector<double> sorted(recent_ms_.begin(), recent_ms_.end());
  std::sort(sorted.begin(), sorted.end());
  auto pct = [&](double p) { return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))]; };
  s.p50_ms = pct(0.50);
  s.p95_ms = pct(0.95);
  s.p99_ms = pct(0.99);
  s.max_ms = sorted.back();
  return s;
}

void ServiceTable::publish(std::shared_ptr<const RunningService> service) {
  std::lock_guard lock(mu_);
  services_[service->record.id] = std::move(service);
}

void ServiceTable::remove(const std::string& id) {
  std::lock_guard lock(mu_);
  services_.erase(id);
}

std::shared_ptr<const RunningService> ServiceTable::by_id(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = services_.find(id);
  return it == services_.end() ? nullptr : it->second;
}

std::shared_ptr<const RunningService> ServiceTable::match(const std::string& path, std::string* rest) const {
  std::lock_guard lock(mu_);
  std::shared_ptr<const RunningService> best;
  for (const auto& [name, s] : services_) {
    const std::string& base = s->base_path;
    bool prefix = path.compare(0, base.size(), base) == 0 && (path.size() == base.size() || path[base.size()] == '/');
    if (prefix && (!best || base.size() > best->base_path.size())) best = s;
  }
  if (best && rest) {
    *rest = path.substr(best->base_path.size());
    if (rest->empty()) rest->push_back('/');
  }
  return best;
}

std::vector<std::shared_ptr<const RunningService>> ServiceTable::all() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const RunningService>> out;
  for (const auto& [name, s] : services_) out.push_back(s);
  return out;
}

std::shared_ptr<ServiceStats> ServiceTable::stats(const std::string& id) {
  std::lock_guard lock(mu_);
  auto& slot = stats_[id];
  if (!slot) slot = std::make_shared<ServiceStats>();
  return slot;
}

std::map<std::string, ServiceStats::Snapshot> ServiceTable::all_stats() const {
  std::lock_guard lock(mu_);
  std::map<std::string, ServiceStats::Snapshot> out;
  for (const auto& [name, s] : stats_) out[name] = s->snapshot();
  return out;
}

}  // namespace edge::node
