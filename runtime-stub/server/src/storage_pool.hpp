#pragma once
// Services' storage databases (one SQLite file per service name), opened on first use and kept
// open for at most kMaxOpen files at once, the least recently used closed first. A deployed
// service that never calls storage.* costs no connection, no file descriptors (a WAL database
// holds three) and no page cache; a thousand idle services cost nothing here.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>

#include "edge/node/engine.hpp"

namespace edge::node {

class StoragePool : public std::enable_shared_from_this<StoragePool> {
 public:
  static constexpr size_t kMaxOpen = 128;
  using Opener = std::function<Result<std::shared_ptr<KeyValueStore>>(const std::filesystem::path&)>;

  static std::shared_ptr<StoragePool> make(Opener open, size_t max_open = kMaxOpen);
  // The store of `file`: a handle that opens the database when a call needs it. Handles of one
  // file share one connection.
  std::shared_ptr<KeyValueStore> store(const std::filesystem::path& file);
  // The open connection of `file`, opening it (and closing the least recently used beyond the
  // cap). A call in progress keeps its connection alive even when it is closed here meanwhile.
  Result<std::shared_ptr<KeyValueStore>> acquire(const std::filesystem::path& file);
  size_t open_count() const;

 private:
  StoragePool(Opener open, size_t max_open) : open_(std::move(open)), max_open_(max_open) {}
  struct Open {
    std::shared_ptr<KeyValueStore> store;
    std::list<std::filesystem::path>::iterator lru;
  };
  Opener open_;
  const size_t max_open_;
  mutable std::mutex mu_;
  std::list<std::filesystem::path> lru_;  // most recently used first
  std::map<std::filesystem::path, Open> open_stores_;
};

}  // namespace edge::node
