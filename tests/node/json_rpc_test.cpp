// POST /jsonrpc/v1 on a real node (issue 14): getEdgeHmacCode, getMe, getEdgeIdToken, and
// edge.request_bep end to end as mimik's C++ SDK performs it (a code from /jsonrpc/v1 first),
// from a guest (the engine probe's /bep).
#include <doctest/doctest.h>

#include <ctime>

#include "node_test_util.hpp"

using namespace edge::test;
using namespace edge::test::node;

TEST_CASE("/jsonrpc/v1 answers getEdgeHmacCode, getMe and errors in JSON-RPC 2.0, and request_bep takes the code") {
  TempDir tmp;
  NodeProcess node(node_options(tmp / "data"));
  REQUIRE(node.start());
  httplib::Client anyone("127.0.0.1", node.port());  // no token: services call it from inside the node
  auto call = [&](const nlohmann::json& body) {
    auto res = anyone.Post("/jsonrpc/v1", body.dump(), "application/json");
    REQUIRE(res);
    CHECK(res->status == 200);
    return nlohmann::json::parse(res->body);
  };
  const std::string expiry = std::to_string(std::time(nullptr) + 600);
  auto code = call({{"id", 1},
                    {"jsonrpc", "2.0"},
                    {"method", "getEdgeHmacCode"},
                    {"params", {"token", expiry, "node", "jsapi://requestBep"}}});
  CHECK(code["id"] == 1);
  REQUIRE(code["result"]["edgeHmacCode"].is_string());
  CHECK(code["result"]["edgeHmacCode"].get<std::string>().size() == 64);
  auto me = call({{"id", 2}, {"jsonrpc", "2.0"}, {"method", "getMe"}, {"params", nlohmann::json::array()}});
  CHECK(me["result"]["nodeId"] == "test-client");
  CHECK(call({{"id", 3}, {"jsonrpc", "2.0"}, {"method", "getEdgeIdToken"}})["error"]["code"] == -32000);
  CHECK(call({{"id", 4}, {"jsonrpc", "2.0"}, {"method", "nope"}})["error"]["code"] == -32601);
  CHECK(call({{"id", 5},
              {"jsonrpc", "2.0"},
              {"method", "getEdgeHmacCode"},
              {"params", {"t", "1", "n", "u"}}})["error"]["code"] == -32602);  // an expiry in the past
  auto broken = anyone.Post("/jsonrpc/v1", "{not json", "application/json");
  CHECK(nlohmann::json::parse(broken->body)["error"]["code"] == -32700);

  // A guest does what mimik's SDK does for edge.request_bep.
  auto cli = client(node);
  REQUIRE(
      upload(*cli, image_tar("probe-v1", "1.0.0", read_file(std::string(EDGE_TEST_WASM_DIR) + "/engine_probe.wasm")))
          ->status == 200);
  REQUIRE(start_container(*cli, "probe-v1", {{"MCM.BASE_API_PATH", "/probe/v1"}})->status == 200);
  auto bep = cli->Get(service_path(node, "/probe/v1") + "/bep");
  REQUIRE(bep);
  INFO(bep->body);
  CHECK(bep->status == 200);
  auto reply = nlohmann::json::parse(bep->body);
  CHECK(reply["method"] == "oncallback.success");
  CHECK(reply["params"]["data"]["data"] == "http://localhost:" + std::to_string(node.port()));
  // A code the node never gave out is refused.
  auto forged = cli->Get(service_path(node, "/probe/v1") + "/bep?code=" + std::string(64, 'a'));
  REQUIRE(forged);
  CHECK(forged->body.find("oncallback.error") != std::string::npos);
  CHECK(forged->body.find("getEdgeHmacCode") != std::string::npos);
}
