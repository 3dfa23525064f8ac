// edge::testing::ServiceHost: what a service author's C++ tests stand on. Routes registered the
// way EDGE_SERVICE does (on the first request), storage, fetch stubs, the clock and ids.
#include <doctest/doctest.h>

#include <edge/id.hpp>
#include <edge/testing/service_host.hpp>

#include <memory>

using edge::testing::FetchReply;
using edge::testing::ServiceHost;

namespace {
// What a test's EDGE_SERVICE would hold; set per test case below.
std::function<void(edge::Service&)> g_setup;
}  // namespace

EDGE_SERVICE(app) {
  if (g_setup) g_setup(app);
}

TEST_CASE("service host: EDGE_SERVICE runs on the first request of each host, with the test's env and clock") {
  int setups = 0;
  g_setup = [&](edge::Service& app) {
    ++setups;
    app.get("/", [](edge::Request& req, edge::Response& res) {
      res.json(
          edge::Json::object({{"env", req.env("K")}, {"now", edge::time::now_iso8601()}, {"id", edge::random_id()}}));
    });
  };
  {
    ServiceHost host;
    host.env["K"] = "v";
    host.now_ms = 0;
    auto r = host.get("/");
    CHECK(r.status == 200);
    CHECK(r.json()["env"].as_string() == "v");
    CHECK(r.json()["now"].as_string() == "1970-01-01T00:00:00.000Z");
    CHECK(r.json()["id"].as_string() == "0102030405060708090a0b0c0d0e0f10");  // the host's counting entropy
    host.get("/");
    CHECK(setups == 1);
  }
  ServiceHost fresh;  // a new host: a new service, set up again
  CHECK(fresh.get("/").status == 200);
  CHECK(setups == 2);
  CHECK(edge::abi::host_transport().clock_ms);
}

TEST_CASE("service host: storage walks in key order, stops when asked, and the test sees every write") {
  g_setup = [](edge::Service& app) {
    app.get("/first-two", [](edge::Request&, edge::Response& res) {
      auto keys = std::make_shared<std::string>();
      edge::storage::each(
          "t",
          [keys](const std::string& k, const std::string&) {
            *keys += k;
            return keys->size() < 2;
          },
          [&res, keys](edge::Status) { res.text(*keys); });
    });
    app.put("/:k", [](edge::Request& req, edge::Response& res) {
      edge::storage::set_with_tag(req.param("k"), req.body(), "t",
                                  [&res](edge::Result<std::string>) { res.status(204).send(); });
    });
  };
  ServiceHost host;
  host.storage["c"] = {"3", "t"};
  host.storage["a"] = {"1", "t"};
  host.storage["b"] = {"2", "t"};
  host.storage["x"] = {"0", "other"};
  CHECK(host.get("/first-two").body == "ab");
  CHECK(host.put("/d", "4").status == 204);
  CHECK(host.storage["d"].value == "4");
  CHECK(host.storage["d"].tag == "t");
}

TEST_CASE("service host: fetches answer from the longest matching stub after the handler, or fail by name") {
  g_setup = [](edge::Service& app) {
    app.get("/", [](edge::Request& req, edge::Response& res) {
      edge::http::fetch(req.query("url"), [&res](edge::Result<edge::http::FetchResponse> r) {
        if (!r) return res.error(502, r.error());
        res.status(r->status).send(r->body);
      });
    });
  };
  ServiceHost host;
  host.on_fetch("http://a.test/", FetchReply{200, "short"});
  host.on_fetch("http://a.test/deep/",
                [](const edge::http::FetchRequest& req) { return FetchReply{207, "deep " + req.url}; });
  CHECK(host.get("/?url=http://a.test/x").body == "short");
  auto deep = host.get("/?url=http://a.test/deep/y");
  CHECK(deep.status == 207);
  CHECK(deep.body == "deep http://a.test/deep/y");
  auto none = host.get("/?url=http://b.test/");
  CHECK(none.status == 502);
  CHECK(none.body.find("no stub for http://b.test/") != std::string::npos);
  CHECK(host.fetched.size() == 3);
}

TEST_CASE("service host: a route that never answers gives status 0 from the host, the SDK's 500 on the wire") {
  g_setup = [](edge::Service& app) { app.get("/", [](edge::Request&, edge::Response&) {}); };
  ServiceHost host;
  auto r = host.get("/");
  CHECK(r.status == 500);  // the SDK answers for a handler that returned without answering
}
