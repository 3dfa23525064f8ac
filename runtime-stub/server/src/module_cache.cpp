#include "module_cache.hpp"

#include <algorithm>

namespace edge::node {

namespace {
constexpr size_t kKeptLines = 8;  // a module says one or two things (its tier); a few are plenty
}

void ModuleCache::Listeners::add(const std::shared_ptr<FileServiceLog>& log) {
  std::lock_guard lock(mu);
  std::erase_if(logs, [](const std::weak_ptr<FileServiceLog>& l) { return l.expired(); });
  for (const auto& l : logs)
    if (l.lock() == log) return;  // a redeploy of the same container: it hears once
  logs.push_back(log);
  for (const auto& line : said) log->node(line);
}

void ModuleCache::Listeners::tell(const std::string& line) {
  std::lock_guard lock(mu);
  if (said.size() == kKeptLines) said.erase(said.begin());
  said.push_back(line);
  for (const auto& l : logs)
    if (auto log = l.lock()) log->node(line);
}

Result<std::shared_ptr<LoadedModule>> ModuleCache::get(const std::string& digest, const Load& load,
                                                       const std::shared_ptr<FileServiceLog>& log) {
  std::shared_ptr<std::mutex> loading;
  {
    std::lock_guard lock(mu_);
    auto& entry = entries_[digest];
    if (auto module = entry.module.lock()) {
      entry.listeners->add(log);
      return module;
    }
    // Entries of modules no service holds any more go as new ones come (unless one is loading):
    // the map stays as large as the number of distinct modules deployed.
    std::erase_if(entries_, [&](const auto& e) {
      return e.first != digest && e.second.module.expired() && e.second.loading.use_count() == 1;
    });
    loading = entry.loading;
  }
  std::lock_guard one_load(*loading);
  {
    std::lock_guard lock(mu_);
    auto& entry = entries_[digest];
    if (auto module = entry.module.lock()) {  // loaded by the caller this one waited for
      entry.listeners->add(log);
      return module;
    }
  }
  auto module = load();
  if (!module) return module.error();
  std::lock_guard lock(mu_);
  auto& entry = entries_[digest];
  entry.listeners = std::make_shared<Listeners>();
  entry.listeners->add(log);
  (*module)->report_to([listeners = entry.listeners](const std::string& line) { listeners->tell(line); });
  entry.module = *module;
  return *module;
}

size_t ModuleCache::loaded() const {
  std::lock_guard lock(mu_);
  return std::count_if(entries_.begin(), entries_.end(), [](const auto& e) { return !e.second.module.expired(); });
}

}  // namespace edge::node
