// Every template end to end on the reference node: `edge new` + `edge build` + `edge deploy`
// to a real edge-node on a loopback port, then real HTTP calls, including storage CRUD,
// a preopened directory, outbound HTTP, 404 and 405.
#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace edge::test;
using nlohmann::json;

namespace {

NodeProcess::Options node_options(fs::path data_dir) {
  NodeProcess::Options o;
  o.data_dir = std::move(data_dir);
  return o;
}

struct Deployed {
  TempDir dir;
  TempDir node_dir;
  NodeProcess node{node_options(node_dir.path() / "data")};
  std::string base;  // "/test-client/<name>/v1"

  // Builds the template and deploys it; extra deploy arguments (e.g. --env) may be given.
  bool deploy(const std::string& tmpl, const std::string& name, std::vector<std::string> extra = {}) {
    if (!node.start()) {
      FAIL_CHECK("edge-node did not start: " << node.log());
      return false;
    }
    std::string why;
    auto wasm = build_template(tmpl, name, dir.path(), &why);
    if (wasm.empty()) {
      FAIL_CHECK("build failed: " << why);
      return false;
    }
    std::vector<std::string> argv = {edge_bin().string(), "deploy", "--node", node.url(), "--token", node.token()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = run(argv, dir.path() / name);
    if (r.exit_code != 0) {
      FAIL_CHECK("deploy failed: " << r.out << r.err << "\nnode log:\n" << node.log());
      return false;
    }
    base = "/" + node.client_id() + "/" + name + "/v1";
    return true;
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", node.port());
    c.set_read_timeout(30, 0);
    return c;
  }
};

json body_json(const httplib::Result& r) {
  REQUIRE(r);
  INFO(r->body);
  auto j = json::parse(r->body, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

}  // namespace

TEST_CASE("e2e hello: GET / greets with the time, 404, 405 with Allow") {
  Deployed d;
  REQUIRE(d.deploy("hello", "hi"));
  auto c = d.client();
  auto r = c.Get(d.base + "/?name=Ann");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "application/json");
  auto j = body_json(r);
  CHECK(j["message"] == "Hello, Ann!");
  CHECK(j["time"].get<std::string>().size() == 24);
  r = c.Get(d.base + "/nowhere");
  REQUIRE(r);
  CHECK(r->status == 404);
  r = c.Post(d.base + "/", "x", "text/plain");
  REQUIRE(r);
  CHECK(r->status == 405);
  CHECK(r->get_header_value("Allow") == "GET, HEAD");
}

TEST_CASE("e2e rest-kv: PUT, GET, list, DELETE over the node's storage") {
  Deployed d;
  REQUIRE(d.deploy("rest-kv", "kv"));
  auto c = d.client();
  auto r = c.Put(d.base + "/items/1", R"({"title":"milk"})", "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(body_json(r) == json::parse(R"({"id":"1","value":{"title":"milk"}})"));
  REQUIRE(c.Put(d.base + "/items/2", "[1,2]", "application/json"));
  r = c.Put(d.base + "/items/3", "{not json", "application/json");
  REQUIRE(r);
  CHECK(r->status == 400);
  r = c.Get(d.base + "/items/1");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(body_json(r) == json::parse(R"({"title":"milk"})"));
  r = c.Get(d.base + "/items");
  CHECK(body_json(r) ==
        json::parse(R"({"items":[{"id":"1","value":{"title":"milk"}},{"id":"2","value":[1,2]}],"count":2})"));
  r = c.Delete(d.base + "/items/1");
  REQUIRE(r);
  CHECK(r->status == 204);
  r = c.Get(d.base + "/items/1");
  REQUIRE(r);
  CHECK(r->status == 404);
  r = c.Delete(d.base + "/items/1");
  REQUIRE(r);
  CHECK(r->status == 404);
  r = c.Patch(d.base + "/items/2", "x", "text/plain");
  REQUIRE(r);
  CHECK(r->status == 405);
  CHECK(r->get_header_value("Allow") == "DELETE, GET, HEAD, PUT");
  CHECK(body_json(c.Get(d.base + "/items"))["count"] == 1);
}

TEST_CASE("e2e file-reader: tails a host file through the /logs preopen, refuses escapes") {
  Deployed d;
  TempDir logs;
  std::string content;
  for (int i = 0; i < 1000; ++i) content += "line " + std::to_string(i) + "\n";
  write_file(logs / "app.log", content);
  REQUIRE(d.deploy("file-reader", "reader", {"--env", "EDGE_PREOPEN_DIRS=" + logs.path().string() + "::/logs"}));
  auto c = d.client();
  auto r = c.Get(d.base + "/lines?file=app.log&tail=2");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(body_json(r)["lines"] == json::parse(R"(["line 998","line 999"])"));
  CHECK(body_json(c.Get(d.base + "/files"))["files"] == json::parse(R"(["app.log"])"));
  r = c.Get(d.base + "/lines?file=..%2Fsecret");
  REQUIRE(r);
  CHECK(r->status == 400);
  r = c.Get(d.base + "/lines?file=missing.log");
  REQUIRE(r);
  CHECK(r->status == 404);
}

TEST_CASE("e2e proxy: fetches through the host's HTTP client") {
  Deployed d;
  REQUIRE(d.deploy("proxy", "px"));
  auto c = d.client();
  // The proxy calls the node itself: a 404 JSON from the node's Universal Web Server.
  std::string target = d.node.url() + "/" + d.node.client_id() + "/px/v1/nothing";
  auto r = c.Get(d.base + "/fetch?url=" + httplib::detail::encode_query_param(target));
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(r->get_header_value("x-proxied-url") == target);
  CHECK(r->body.find("no route for GET /nothing") != std::string::npos);
  r = c.Get(d.base + "/fetch?url=file%3A%2F%2F%2Fetc%2Fpasswd");
  REQUIRE(r);
  CHECK(r->status == 403);
}

TEST_CASE("e2e request_bep: the SDK asks the node's /jsonrpc/v1 for a code, then edge.request_bep, as mimik's SDK") {
  TempDir dir, node_dir;
  NodeProcess node(node_options(node_dir.path() / "data"));
  REQUIRE(node.start());
  REQUIRE(run({edge_bin().string(), "new", "bep", "--dir", (dir / "bep").string()}).exit_code == 0);
  write_file(dir / "bep" / "src" / "main.cpp", R"(#include <edge/bep.hpp>
#include <edge/edge.hpp>

EDGE_SERVICE(app) {
  app.get("/", [](edge::Request& req, edge::Response& res) {
    edge::edge_api::request_bep(req, "an-access-token", [&res](edge::Result<std::string> bep) {
      if (bep) res.send(*bep);
      else res.status(502).send(bep.error());
    });
  });
}
)");
  auto built = run({edge_bin().string(), "build"}, dir / "bep");
  REQUIRE_MESSAGE(built.exit_code == 0, built.out << built.err);
  auto deployed = run({edge_bin().string(), "deploy", "--node", node.url(), "--token", node.token()}, dir / "bep");
  REQUIRE_MESSAGE(deployed.exit_code == 0, deployed.out << deployed.err);
  httplib::Client c("127.0.0.1", node.port());
  auto r = c.Get("/" + node.client_id() + "/bep/v1/");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 200);
  CHECK(r->body == "http://localhost:" + std::to_string(node.port()));
}
