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
  auto& slot = services_[service->record.id];
  if (slot && slot->base_path != service->base_path)  // a redeploy that moved: its old path goes
    if (auto it = by_base_.find(slot->base_path); it != by_base_.end() && it->second == slot) by_base_.erase(it);
  by_base_[service->base_path] = service;
  longest_base_ = std::max(longest_base_, service->base_path.size());
  slot = std::move(service);
}

void ServiceTable::remove(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = services_.find(id);
  if (it == services_.end()) return;
  if (auto b = by_base_.find(it->second->base_path); b != by_base_.end() && b->second == it->second) by_base_.erase(b);
  services_.erase(it);
}

std::shared_ptr<const RunningService> ServiceTable::by_id(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = services_.find(id);
  return it == services_.end() ? nullptr : it->second;
}

std::shared_ptr<const RunningService> ServiceTable::by_base_path(std::string_view base_path) const {
  std::lock_guard lock(mu_);
  auto it = by_base_.find(base_path);
  return it == by_base_.end() ? nullptr : it->second;
}

std::shared_ptr<const RunningService> ServiceTable::match(const std::string& path, std::string* rest) const {
  std::shared_ptr<const RunningService> best;
  {
    std::lock_guard lock(mu_);
    // The longest prefix at a '/' boundary that is a base path: from the whole path (or the
    // longest base path there is) down, one lookup per segment.
    size_t end = path.size();
    if (end > longest_base_) {
      end = longest_base_;
      while (end > 0 && path[end] != '/') --end;
    }
    for (;;) {
      if (auto it = by_base_.find(std::string_view(path).substr(0, end)); it != by_base_.end()) {
        best = it->second;
        break;
      }
      if (end == 0) break;
      end = path.rfind('/', end - 1);
      if (end == std::string::npos || end == 0) break;
    }
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
  out.reserve(services_.size());
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
