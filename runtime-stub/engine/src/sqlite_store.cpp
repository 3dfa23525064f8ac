#include <sqlite3.h>

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

Status SqliteKeyValueStore::exec(const char* sql, std::initializer_list<std::string_view> binds) {
  std::lock_guard lock(mutex_);
  Stmt st;
  if (sqlite3_prepare_v2(db_, sql, -1, &st.s, nullptr) != SQLITE_OK) return db_error(db_, "prepare");
  bind_all(st.s, binds);
  if (sqlite3_step(st.s) != SQLITE_DONE) return db_error(db_, "write");
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

Status SqliteKeyValueStore::set(std::string_view key, std::string_view value, std::string_view tag) {
  return exec(
      "INSERT INTO items(key, value, tag) VALUES(?, ?, ?) "
      "ON CONFLICT(key) DO UPDATE SET value = excluded.value, tag = excluded.tag",
      {key, value, tag});
}

Status SqliteKeyValueStore::remove(std::string_view key) { return exec("DELETE FROM items WHERE key = ?", {key}); }

Status SqliteKeyValueStore::remove_by_tag(std::string_view tag) {
  return exec("DELETE FROM items WHERE tag = ?", {tag});
}

Result<std::vector<KeyValueStore::Item>> SqliteKeyValueStore::list(std::string_view tag) {
  std::lock_guard lock(mutex_);
  Stmt st;
  const char* sql = tag.empty() ? "SELECT key, value, tag FROM items ORDER BY key"
                                : "SELECT key, value, tag FROM items WHERE tag = ? ORDER BY key";
  if (sqlite3_prepare_v2(db_, sql, -1, &st.s, nullptr) != SQLITE_OK) return db_error(db_, "prepare");
  if (!tag.empty()) bind_all(st.s, {tag});
  std::vector<Item> items;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) items.push_back({column(st.s, 0), column(st.s, 1), column(st.s, 2)});
  if (rc != SQLITE_DONE) return db_error(db_, "read");
  return items;
}

}  // namespace edge::node
