// The routes of src/main.cpp, run in-process: `edge test` compiles this file with the service's
// sources for this machine, and ServiceHost plays the node. Its storage is a map the test can
// fill and read, so a test states what is stored before and after.
#include <doctest/doctest.h>

#include <edge/testing/service_host.hpp>

using edge::testing::ServiceHost;

TEST_CASE("PUT stores the JSON body under its id, with the tag GET /items lists") {
  ServiceHost host;
  auto put = host.put("/items/a1", R"({"n":1})");
  CHECK(put.status == 200);
  CHECK(put.json()["id"].as_string() == "a1");
  REQUIRE(host.storage.count("a1") == 1);
  CHECK(host.storage["a1"].value == R"({"n":1})");
  CHECK(host.storage["a1"].tag == "items");

  auto got = host.get("/items/a1");
  CHECK(got.status == 200);
  CHECK(got.json()["n"].as_int() == 1);
}

TEST_CASE("GET /items lists the stored items in key order") {
  ServiceHost host;
  host.storage["b"] = {"2", "items"};
  host.storage["a"] = {"1", "items"};
  host.storage["other"] = {"3", "not-an-item"};  // another tag: not listed
  auto list = host.get("/items").json();
  CHECK(list["count"].as_int() == 2);
  CHECK(list["items"][0]["id"].as_string() == "a");
  CHECK(list["items"][1]["value"].as_int() == 2);
}

TEST_CASE("DELETE removes an item; a missing item is 404; bad input is 400") {
  ServiceHost host;
  host.storage["gone"] = {"{}", "items"};
  CHECK(host.del("/items/gone").status == 204);
  CHECK(host.storage.count("gone") == 0);
  CHECK(host.del("/items/gone").status == 404);
  CHECK(host.get("/items/nothing").status == 404);
  CHECK(host.put("/items/x", "not json").status == 400);
  CHECK(host.get("/items/bad%20id").status == 400);
}
