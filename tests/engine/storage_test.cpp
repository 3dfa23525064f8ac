// The SQLite service store on its own: CRUD, tags, order, isolation between services.
#include <doctest/doctest.h>

#include <algorithm>

#include <fmt/core.h>

#include "edge/node/sqlite_store.hpp"
#include "test_support.hpp"

using namespace edge::node;

TEST_CASE("sqlite store: set, get, overwrite, remove") {
  edge::test::TempDir dir;
  auto store = open_sqlite_store(dir / "svc.sqlite");
  REQUIRE(store.ok());
  auto& s = **store;
  CHECK(s.set("k", "v1").ok());
  CHECK(s.get("k")->value() == "v1");
  CHECK(s.set("k", std::string("v2\0bin", 6)).ok());
  CHECK(s.get("k")->value() == std::string("v2\0bin", 6));
  CHECK(s.remove("k").ok());
  CHECK_FALSE(s.get("k")->has_value());
}

TEST_CASE("sqlite store: list by tag in key order, remove by tag") {
  edge::test::TempDir dir;
  auto store = open_sqlite_store(dir / "svc.sqlite");
  REQUIRE(store.ok());
  auto& s = **store;
  REQUIRE(s.set("b", "2", "t").ok());
  REQUIRE(s.set("a", "1", "t").ok());
  REQUIRE(s.set("c", "3", "other").ok());
  auto tagged = s.list("t");
  REQUIRE(tagged.ok());
  REQUIRE(tagged->size() == 2);
  CHECK((*tagged)[0].key == "a");
  CHECK((*tagged)[1].key == "b");
  CHECK(s.list()->size() == 3);
  CHECK(s.remove_by_tag("t").ok());
  CHECK(s.list()->size() == 1);
}

TEST_CASE("sqlite store: services are isolated and data survives reopening") {
  edge::test::TempDir dir;
  {
    auto one = open_sqlite_store(dir / "one.sqlite");
    auto two = open_sqlite_store(dir / "two.sqlite");
    REQUIRE(one.ok());
    REQUIRE(two.ok());
    REQUIRE((*one)->set("shared-name", "from one").ok());
    CHECK_FALSE((*two)->get("shared-name")->has_value());
  }
  auto again = open_sqlite_store(dir / "one.sqlite");
  REQUIRE(again.ok());
  CHECK((*again)->get("shared-name")->value() == "from one");
}

TEST_CASE("sqlite store: a path that cannot be a database is an error, not a crash") {
  edge::test::TempDir dir;
  edge::test::write_file(dir / "file", "x");
  auto store = open_sqlite_store(dir / "file" / "svc.sqlite");
  CHECK_FALSE(store.ok());
}

TEST_CASE("sqlite store: a quota of keys and bytes refuses what would pass it, never what shrinks the store") {
  edge::test::TempDir dir;
  auto store = open_sqlite_store(dir / "svc.sqlite");
  REQUIRE(store.ok());
  auto& s = **store;
  const KeyValueStore::Quota quota{100, 3};  // bytes of keys, values and tags; keys
  REQUIRE(s.set("a", std::string(20, 'x'), "", quota).ok());
  REQUIRE(s.set("b", std::string(20, 'x'), "", quota).ok());
  REQUIRE(s.set("c", std::string(20, 'x'), "", quota).ok());
  auto fourth = s.set("d", "x", "", quota);  // a fourth key
  REQUIRE_FALSE(fourth.ok());
  CHECK(fourth.error().message.find("EDGE_STORAGE_MAX_KEYS") != std::string::npos);
  CHECK(s.set("a", std::string(30, 'y'), "", quota).ok());    // replaced: 31 + 21 + 21 = 73 bytes
  auto bigger = s.set("b", std::string(60, 'y'), "", quota);  // would make 31 + 61 + 21 = 113
  REQUIRE_FALSE(bigger.ok());
  CHECK(bigger.error().message.find("EDGE_STORAGE_MAX_MB") != std::string::npos);
  CHECK(s.get("b")->value() == std::string(20, 'x'));  // a refused write changes nothing
  CHECK(s.remove("c").ok());
  CHECK(s.set("d", "x", "", quota).ok());  // room again
  // The count survives remove_by_tag (counted again) and a reopen (counted on first need).
  REQUIRE(s.set("t1", "v", "tag").ok());
  CHECK(s.remove_by_tag("tag").ok());
  CHECK_FALSE(s.set("e", "x", "", quota).ok());  // a, b, d: three keys
  store->reset();
  auto again = open_sqlite_store(dir / "svc.sqlite");
  REQUIRE(again.ok());
  CHECK_FALSE((*again)->set("e", "x", "", quota).ok());
  CHECK((*again)->set("e", "x").ok());  // no quota given: none applies
}

TEST_CASE("sqlite store: a listing in pages after a key walks every item once, in order") {
  edge::test::TempDir dir;
  auto store = open_sqlite_store(dir / "svc.sqlite");
  REQUIRE(store.ok());
  auto& s = **store;
  for (int i = 0; i < 150; ++i) REQUIRE(s.set(fmt::format("k{:03}", i), "v", i % 2 ? "odd" : "").ok());
  std::vector<std::string> seen;
  std::optional<std::string> after;
  for (;;) {
    auto page = s.list("", after ? std::optional<std::string_view>(*after) : std::nullopt, 64);
    REQUIRE(page.ok());
    for (const auto& item : *page) seen.push_back(item.key);
    if (page->size() < 64) break;
    after = page->back().key;
  }
  REQUIRE(seen.size() == 150);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(seen.front() == "k000");
  auto odd = s.list("odd", std::string_view("k100"), 10);
  REQUIRE(odd.ok());
  REQUIRE(odd->size() == 10);
  CHECK(odd->front().key == "k101");
}
