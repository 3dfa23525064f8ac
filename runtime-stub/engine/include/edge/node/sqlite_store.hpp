#pragma once
// Service storage (storage.* host calls) in SQLite. The service log is the server's
// (runtime-stub/server/src/service_log.hpp).
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

#include "edge/node/engine.hpp"

struct sqlite3;

namespace edge::node {

// storage.* for one service: one SQLite database file per service (isolation by file), WAL mode,
// table items(key PRIMARY KEY, value, tag). Thread-safe.
class SqliteKeyValueStore final : public KeyValueStore {
 public:
  static Result<std::unique_ptr<SqliteKeyValueStore>> open(const std::filesystem::path& file);
  ~SqliteKeyValueStore() override;

  Result<std::optional<std::string>> get(std::string_view key) override;
  Status set(std::string_view key, std::string_view value, std::string_view tag = {}, Quota quota = {}) override;
  Status remove(std::string_view key) override;
  Status remove_by_tag(std::string_view tag) override;
  Result<std::vector<Item>> list(std::string_view tag = {}, std::optional<std::string_view> after = {},
                                 size_t limit = SIZE_MAX) override;

 private:
  explicit SqliteKeyValueStore(sqlite3* db) : db_(db) {}
  struct Usage {
    uint64_t bytes = 0, keys = 0;
  };
  Status exec_locked(const char* sql, std::initializer_list<std::string_view> binds);
  Result<std::optional<uint64_t>> size_of_locked(std::string_view key);  // its key, value and tag
  Status count_usage_locked();
  sqlite3* db_;
  std::mutex mutex_;
  // What the store holds, counted once (one scan) when a quota first asks, then kept up to date.
  std::optional<Usage> usage_;
};

// Opens (creating if needed) one service's database file.
inline Result<std::unique_ptr<SqliteKeyValueStore>> open_sqlite_store(const std::filesystem::path& file) {
  return SqliteKeyValueStore::open(file);
}

}  // namespace edge::node
