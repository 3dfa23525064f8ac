// The routes of src/main.cpp, run in-process: `edge test` compiles this file with the service's
// sources for this machine, and ServiceHost plays the node (env, storage, fetches, the clock).
// tests/smoke.yaml then checks the same service on a real node over HTTP.
#include <doctest/doctest.h>

#include <edge/testing/service_host.hpp>

TEST_CASE("greets by name with the greeting from the env, at the test's time") {
  edge::testing::ServiceHost host;
  host.env["GREETING"] = "Hi";
  auto res = host.get("/?name=Ann");
  CHECK(res.status == 200);
  CHECK(res.header("content-type") == "application/json");
  auto body = res.json();
  CHECK(body["message"].as_string() == "Hi, Ann!");
  CHECK(body["service"].as_string() == "{{name}}");
  CHECK(body["time"].as_string() == "2026-01-01T00:00:00.000Z");  // host.now_ms
}

TEST_CASE("without a name or a GREETING it greets the world") {
  edge::testing::ServiceHost host;
  CHECK(host.get("/").json()["message"].as_string() == "Hello, world!");
}

TEST_CASE("unknown paths are 404 and other methods 405") {
  edge::testing::ServiceHost host;
  CHECK(host.get("/nothing-here").status == 404);
  CHECK(host.post("/", "{}").status == 405);
}
