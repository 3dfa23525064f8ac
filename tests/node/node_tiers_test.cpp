// The compiled tiers on a real node (docs/node.md, "Tiers"): the quick tier (tcc, linked into the
// compile worker) serves compiled code from a service's first request, with no C compiler on the
// machine; the optimising tier (the C compiler) takes over in the background when there is one.
#include <chrono>
#include <thread>

#include <doctest/doctest.h>

#include "node_test_util.hpp"
#include "test_support.hpp"

using namespace edge::test;
using namespace edge::test::node;
using namespace std::chrono_literals;

namespace {

struct Service {
  const char* name;    // image and container
  const char* module;  // a stem of EDGE_TEST_WASM_DIR
  const char* path;    // what to GET under its base path
  int status;
  const char* body;  // a part of the answer
};

// hello (a few hundred bytes of WAT) and the engine tests' probe: 520 KB of C++ with nlohmann::json
// and libc++, the kind of module mimik's SDK makes.
constexpr Service kServices[] = {{"hello-v1", "node_hello_v1", "/", 200, "hello v1"},
                                 {"probe-v1", "engine_probe", "/hello", 201, "hello"}};

void deploy_and_call(NodeProcess& node, httplib::Client& cli, const Service& s, const char* expected_engine) {
  CAPTURE(s.name);
  auto up = upload(cli, image_tar(s.name, "1.0.0", test_module(s.module)));
  REQUIRE(up);
  REQUIRE_MESSAGE(up->status == 200, up->body);
  const std::string base = std::string("/") + s.name;
  auto started = start_container(cli, s.name, {{"MCM.BASE_API_PATH", base}});
  REQUIRE(started);
  REQUIRE_MESSAGE(started->status == 200, started->body);
  // The first request after the start is already served by compiled code.
  auto container = json_of(cli.Get("/mcm/v1/containers/" + node.client_id() + "-" + s.name));
  CHECK(container["engine"] == expected_engine);
  auto answer = cli.Get(service_path(node, base) + s.path);
  REQUIRE(answer);
  CHECK(answer->status == s.status);
  CHECK(answer->body.find(s.body) != std::string::npos);
}

}  // namespace

TEST_CASE("a node with no C compiler serves hello and a large module compiled from their first request") {
  TempDir tmp;
  auto options = node_options(tmp / "data");
  options.extra_args = {"--cc", "/nonexistent/cc"};  // as on a device without gcc
  NodeProcess node(options);
  REQUIRE(node.start());
  auto cli = client(node);
  for (const auto& s : kServices) deploy_and_call(node, *cli, s, "quick");
  const std::string log = node.log();
  INFO(log);
  CHECK(log.find("/nonexistent/cc was not found") != std::string::npos);  // said once, at start
  CHECK(log.find("stay on the quick compiled tier") != std::string::npos);
  CHECK(log.find("quick: ") != std::string::npos);  // "quick: <id> compiled in N ms (translate, tcc)"
}

TEST_CASE("with --engine aot a deploy answers at once on the quick tier, and the optimised code takes over") {
  TempDir tmp;
  NodeProcess node(node_options(tmp / "data", {"--engine", "aot"}));
  REQUIRE(node.start());
  auto cli = client(node);
  deploy_and_call(node, *cli, kServices[1], "quick");
  // The optimising compile goes on in the background; requests keep being answered meanwhile. The
  // wait is a liveness bound only: gcc takes seconds alone and minutes on a loaded small machine.
  const std::string probe = "/mcm/v1/containers/" + node.client_id() + "-probe-v1";
  const auto until = std::chrono::steady_clock::now() + 280s;
  int answered = 0;
  while (json_of(cli->Get(probe))["engine"] != "aot" && std::chrono::steady_clock::now() < until) {
    auto r = cli->Get(service_path(node, "/probe-v1") + "/hello");
    answered += r && r->status == 201;
    std::this_thread::sleep_for(50ms);
  }
  CHECK(json_of(cli->Get(probe))["engine"] == "aot");
  CHECK(answered > 0);
  auto r = cli->Get(service_path(node, "/probe-v1") + "/hello");
  REQUIRE(r);
  CHECK(r->status == 201);
  // The service's log says each move.
  auto log = cli->Get(probe + "/logs");
  REQUIRE(log);
  CHECK(log->body.find("now runs compiled (aot)") != std::string::npos);
}
