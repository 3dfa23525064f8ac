#include "storage_pool.hpp"

namespace edge::node {
namespace fs = std::filesystem;

namespace {

// What a service holds: the file's name and the pool; every call borrows the open connection.
class PooledStore final : public KeyValueStore {
 public:
  PooledStore(std::shared_ptr<StoragePool> pool, fs::path file) : pool_(std::move(pool)), file_(std::move(file)) {}
  Result<std::optional<std::string>> get(std::string_view key) override {
    auto db = pool_->acquire(file_);
    if (!db) return db.error();
    return (*db)->get(key);
  }
  Status set(std::string_view key, std::string_view value, std::string_view tag, Quota quota) override {
    auto db = pool_->acquire(file_);
    if (!db) return db.error();
    return (*db)->set(key, value, tag, quota);
  }
  Status remove(std::string_view key) override {
    auto db = pool_->acquire(file_);
    if (!db) return db.error();
    return (*db)->remove(key);
  }
  Status remove_by_tag(std::string_view tag) override {
    auto db = pool_->acquire(file_);
    if (!db) return db.error();
    return (*db)->remove_by_tag(tag);
  }
  Result<std::vector<Item>> list(std::string_view tag, std::optional<std::string_view> after, size_t limit) override {
    auto db = pool_->acquire(file_);
    if (!db) return db.error();
    return (*db)->list(tag, after, limit);
  }

 private:
  std::shared_ptr<StoragePool> pool_;
  fs::path file_;
};

}  // namespace

std::shared_ptr<StoragePool> StoragePool::make(Opener open, size_t max_open) {
  return std::shared_ptr<StoragePool>(new StoragePool(std::move(open), std::max<size_t>(1, max_open)));
}

std::shared_ptr<KeyValueStore> StoragePool::store(const fs::path& file) {
  return std::make_shared<PooledStore>(shared_from_this(), file);
}

Result<std::shared_ptr<KeyValueStore>> StoragePool::acquire(const fs::path& file) {
  std::shared_ptr<KeyValueStore> closing;  // closed after the lock is released
  std::lock_guard lock(mu_);
  if (auto it = open_stores_.find(file); it != open_stores_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.store;
  }
  // Opened under the lock: two first calls of one service open its database once. An open is
  // rare (first use, or after being closed for others) and takes well under a millisecond.
  auto store = open_(file);
  if (!store) return store.error();
  lru_.push_front(file);
  open_stores_[file] = Open{*store, lru_.begin()};
  if (open_stores_.size() > max_open_) {
    auto victim = open_stores_.find(lru_.back());
    closing = std::move(victim->second.store);
    open_stores_.erase(victim);
    lru_.pop_back();
  }
  return *store;
}

size_t StoragePool::open_count() const {
  std::lock_guard lock(mu_);
  return open_stores_.size();
}

}  // namespace edge::node
