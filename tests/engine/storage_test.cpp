// The SQLite service store on its own: CRUD, tags, order, isolation between services.
#include <doctest/doctest.h>

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
