// The node's per-service bookkeeping that must not cost per request or per idle service (issue
// 17, scale), in-process: the service table's lookup by path prefix, the storage pool's cap, and
// the module cache's one load per digest.
#include <doctest/doctest.h>

#include "edge/node/interp_engine.hpp"
#include "engines.hpp"
#include "module_cache.hpp"
#include "node_test_util.hpp"
#include "service_table.hpp"
#include "storage_pool.hpp"

using namespace edge;
using namespace edge::node;
using edge::test::TempDir;

namespace {

std::shared_ptr<const RunningService> service(const std::string& id, const std::string& base) {
  auto s = std::make_shared<RunningService>();
  s->record.id = id;
  s->base_path = base;
  return s;
}

std::string matched(const ServiceTable& table, const std::string& path, std::string* rest = nullptr) {
  auto s = table.match(path, rest);
  return s ? s->record.id : "";
}

}  // namespace

TEST_CASE("service table: the longest base path that prefixes the path at a '/' boundary") {
  ServiceTable table;
  table.publish(service("a", "/c/hello/v1"));
  table.publish(service("b", "/c/hello/v1/admin"));
  table.publish(service("c", "/c/other/v2"));
  std::string rest;
  CHECK(matched(table, "/c/hello/v1", &rest) == "a");
  CHECK(rest == "/");
  CHECK(matched(table, "/c/hello/v1/items/1", &rest) == "a");
  CHECK(rest == "/items/1");
  CHECK(matched(table, "/c/hello/v1/admin/x", &rest) == "b");
  CHECK(rest == "/x");
  CHECK(matched(table, "/c/hello/v1/administrator") == "a");  // not "b": not at a boundary
  CHECK(matched(table, "/c/hello/v10") == "");
  CHECK(matched(table, "/c/hello") == "");
  CHECK(matched(table, "/") == "");
  CHECK(matched(table, "") == "");
  CHECK(matched(table, "/c/other/v2" + std::string(5000, '/')) == "c");  // longer than any base path
  CHECK(matched(table, "/c/other/v2x" + std::string(5000, 'y')) == "");

  // A redeploy that moves its base path leaves the old one; a removal leaves nothing.
  table.publish(service("a", "/c/hello/v9"));
  CHECK(matched(table, "/c/hello/v1/items") == "");
  CHECK(matched(table, "/c/hello/v9/items") == "a");
  CHECK(table.by_base_path("/c/hello/v9")->record.id == "a");
  table.remove("a");
  CHECK(matched(table, "/c/hello/v9/items") == "");
  CHECK(table.by_base_path("/c/hello/v9") == nullptr);
  CHECK(matched(table, "/c/hello/v1/admin") == "b");
}

TEST_CASE("storage pool: opened at the first call, at most max_open at once, data kept across a close") {
  TempDir tmp;
  int opens = 0;
  auto pool = StoragePool::make(
      [&](const std::filesystem::path& file) {
        ++opens;
        return open_service_storage(file);
      },
      2);
  auto a = pool->store(tmp / "a.sqlite"), a_again = pool->store(tmp / "a.sqlite");
  auto b = pool->store(tmp / "b.sqlite"), c = pool->store(tmp / "c.sqlite");
  CHECK(opens == 0);  // a handle opens nothing
  CHECK_FALSE(std::filesystem::exists(tmp / "a.sqlite"));
  REQUIRE(a->set("k", "va"));
  CHECK(*a_again->get("k").value() == "va");  // one file, one connection
  CHECK(opens == 1);
  REQUIRE(b->set("k", "vb"));
  REQUIRE(c->set("k", "vc"));  // the third closes the least recently used (a)
  CHECK(opens == 3);
  CHECK(pool->open_count() == 2);
  CHECK(*a->get("k").value() == "va");  // reopened, its data intact
  CHECK(opens == 4);
  CHECK(*c->get("k").value() == "vc");
  CHECK(opens == 4);
}

TEST_CASE("module cache: one load per digest while a service holds it, a new one after the last is gone") {
  TempDir tmp;
  auto engine = make_interp_engine();
  const std::string wasm = edge::test::node::test_module("node_hello_v1");
  int loads = 0;
  auto load = [&]() -> Result<std::shared_ptr<LoadedModule>> {
    ++loads;
    return engine->load(std::span(reinterpret_cast<const uint8_t*>(wasm.data()), wasm.size()), "d1");
  };
  ModuleCache cache;
  auto log = std::make_shared<FileServiceLog>(tmp / "a.log");
  auto other = cache.get("d2", load, log);
  {
    auto first = cache.get("d1", load, log);
    auto second = cache.get("d1", load, log);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->get() == second->get());
    CHECK(loads == 2);
    CHECK(cache.loaded() == 2);
  }
  CHECK(cache.loaded() == 1);  // held weakly: the module went with its last service
  auto again = cache.get("d1", load, log);
  CHECK(loads == 3);
}
