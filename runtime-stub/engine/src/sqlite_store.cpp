#include <sqlite3.h>

#include <fmt/core.h>

#include "edge/node/sqlite_store.hpp"

namespace edge::node {
namespace {

struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

Error db_error(sqlite3* db, const std::string& what) {
  return make_error("storage: " + what + ": " + sqlite3_errmsg(db),
                    "check the node's data dir (disk full? permissions?)");
}

void bind_all(sqlite3_stmt* s, std::initializer_list<std::string_view> binds) {
  int i = 1;
  // A zero-length view may have a null data(), which SQLite would store as NULL: bind "" instead.
  for (auto b : binds) sqlite3_bind_blob(s, i++, b.data() ? b.data() : "", int(b.size()), SQLITE_TRANSIENT);
}

std::string column(sqlite3_stmt* s, int i) {
  const void* p = sqlite3_column_blob(s, i);
  int n = sqlite3_column_bytes(s, i);
  return p ? std::string(static_cast<const char*>(p), size_t(n)) : std::string();
}

}  // namespace

Result<std::unique_ptr<SqliteKeyValueStore>> SqliteKeyValueStore::open(const std::filesystem::path& file) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = make_error("storage: cannot open " + file.string() + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, 5000);
  const char* setup =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
      "CREATE TABLE IF NOT EXISTS items(key BLOB PRIMARY KEY, value BLOB NOT NULL, tag BLOB NOT NULL DEFAULT '');"
      "CREATE INDEX IF NOT EXISTS items_tag ON items(tag);";
  if (sqlite3_exec(db, setup, nullptr, nullptr, nullptr) != SQLITE_OK) {
    Error e = db_error(db, "cannot prepare " + file.string());
    sqlite3_close(db);
    return e;
  }
  return std::unique_ptr<SqliteKeyValueStore>(new SqliteKeyValueStore(db));
}

SqliteKeyValueStore::~SqliteKeyValueStore() { sqlite3_close(db_); }

Status SqliteKeyValueStore::exec_locked(const char* sql, std::initializer_list<std::string_view> binds) {
  Stmt st;
  if (sqlite3_prepare_v2(db_, sql, -1, &st.s, nullptr) != SQLITE_OK) return db_error(db_, "prepare");
  bind_all(st.s, binds);
  if (sqlite3_step(st.s) != SQLITE_DONE) return db_error(db_, "write");
  return ok();
}

Result<std::optional<uint64_t>> SqliteKeyValueStore::size_of_locked(std::string_view key) {
  Stmt st;
  if (sqlite3_prepare_v2(db_, "SELECT length(key) + length(value) + length(tag) FROM items WHERE key = ?", -1, &st.s,
                         nullptr) != SQLITE_OK)
    return db_error(db_, "prepare");
  bind_all(st.s, {key});
  const int rc = sqlite3_step(st.s);
  if (rc == SQLITE_ROW) return std::optional<uint64_t>(uint64_t(sqlite3_column_int64(st.s, 0)));
  if (rc == SQLITE_DONE) return std::optional<uint64_t>();
  return db_error(db_, "read");
}

Status SqliteKeyValueStore::count_usage_locked() {
  if (usage_) return ok();
  Stmt st;
  if (sqlite3_prepare_v2(db_, "SELECT count(*), coalesce(sum(length(key) + length(value) + length(tag)), 0) FROM items",
                         -1, &st.s, nullptr) != SQLITE_OK)
    return db_error(db_, "prepare");
  if (sqlite3_step(st.s) != SQLITE_ROW) return db_error(db_, "read");
  usage_ = Usage{uint64_t(sqlite3_column_int64(st.s, 1)), uint64_t(sqlite3_column_int64(st.s, 0))};
  return ok();
}

Result<std::optional<std::string>> SqliteKeyValueStore::get(std::string_view key) {
  std::lock_guard lock(mutex_);
  Stmt st;
  if (sqlite3_prepare_v2(db_, "SELECT value FROM items WHERE key = ?", -1, &st.s, nullptr) != SQLITE_OK)
    return db_error(db_, "prepare");
  bind_all(st.s, {key});
  int rc = sqlite3_step(st.s);
  if (rc == SQLITE_ROW) return std::optional<std::string>(column(st.s, 0));
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  return db_error(db_, "read");
}

Status SqliteKeyValueStore::set(std::string_view key, std::string_view value, std::string_view tag, Quota quota) {
  std::lock_guard lock(mutex_);
  if ((quota.bytes || quota.keys) && !usage_)
    if (auto st = count_usage_locked(); !st) return st;
  std::optional<Usage> after;  // the usage once written, when it is counted
  if (usage_) {
    auto old = size_of_locked(key);
    if (!old) return old.error();
    after =
        Usage{usage_->bytes - old->value_or(0) + key.size() + value.size() + tag.size(), usage_->keys + (*old ? 0 : 1)};
    if (quota.keys && after->keys > quota.keys && after->keys > usage_->keys)
      return make_error(ErrorKind::Refused,
                        fmt::format("storage quota: the service may keep {} keys (EDGE_STORAGE_MAX_KEYS)", quota.keys),
                        "remove items, or raise EDGE_STORAGE_MAX_KEYS in the container's env");
    if (quota.bytes && after->bytes > quota.bytes && after->bytes > usage_->bytes)
      return make_error(ErrorKind::Refused,
                        fmt::format("storage quota: the service may keep {} bytes of keys, values and tags "
                                    "(EDGE_STORAGE_MAX_MB); this write would make {}",
                                    quota.bytes, after->bytes),
                        "remove items, or raise EDGE_STORAGE_MAX_MB in the container's env");
  }
  if (auto st = exec_locked("INSERT INTO items(key, value, tag) VALUES(?, ?, ?) "
                            "ON CONFLICT(key) DO UPDATE SET value = excluded.value, tag = excluded.tag",
                            {key, value, tag});
      !st)
    return st;
  if (after) usage_ = after;
  return ok();
}

Status SqliteKeyValueStore::remove(std::string_view key) {
  std::lock_guard lock(mutex_);
  std::optional<uint64_t> old;
  if (usage_) {
    auto size = size_of_locked(key);
    if (!size) return size.error();
    old = *size;
  }
  if (auto st = exec_locked("DELETE FROM items WHERE key = ?", {key}); !st) return st;
  if (usage_ && old) *usage_ = Usage{usage_->bytes - *old, usage_->keys - 1};
  return ok();
}

Status SqliteKeyValueStore::remove_by_tag(std::string_view tag) {
  std::lock_guard lock(mutex_);
  usage_.reset();  // counted again when a quota next asks
  return exec_locked("DELETE FROM items WHERE tag = ?", {tag});
}

Result<std::vector<KeyValueStore::Item>> SqliteKeyValueStore::list(std::string_view tag,
                                                                   std::optional<std::string_view> after,
                                                                   size_t limit) {
  std::lock_guard lock(mutex_);
  Stmt st;
  std::string sql = "SELECT key, value, tag FROM items WHERE 1";
  if (!tag.empty()) sql += " AND tag = ?";
  if (after) sql += " AND key > ?";
  sql += " ORDER BY key LIMIT ?";
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st.s, nullptr) != SQLITE_OK) return db_error(db_, "prepare");
  int i = 1;
  if (!tag.empty()) sqlite3_bind_blob(st.s, i++, tag.data(), int(tag.size()), SQLITE_TRANSIENT);
  if (after) sqlite3_bind_blob(st.s, i++, after->data() ? after->data() : "", int(after->size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(st.s, i, limit > uint64_t(INT64_MAX) ? -1 : int64_t(limit));  // -1: no limit
  std::vector<Item> items;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) items.push_back({column(st.s, 0), column(st.s, 1), column(st.s, 2)});
  if (rc != SQLITE_DONE) return db_error(db_, "read");
  return items;
}

}  // namespace edge::node
