// edge-node's Universal Web Server and container lifecycle: deploy, call, restart, redeploy,
// delete, failures, logs, and `edge-node run`, over real HTTP against a real node.
#include <atomic>
#include <thread>

#include <doctest/doctest.h>

#include "node_test_util.hpp"

using namespace edge::test;
using namespace edge::test::node;

namespace {

void deploy(httplib::Client& cli, const std::string& module, const std::string& version,
            std::map<std::string, std::string> env = {}) {
  auto up = upload(cli, image_tar("hello-v1", version, test_module(module)));
  REQUIRE(up);
  REQUIRE_MESSAGE(up->status == 200, up->body);
  auto started = start_container(cli, "hello-v1", std::move(env));
  REQUIRE(started);
  REQUIRE_MESSAGE(started->status == 200, started->body);
}

// A node serving hello v1 at `path`, for the redeploy cases.
struct HelloV1Node {
  TempDir tmp;
  NodeProcess node{node_options(tmp / "data")};
  std::unique_ptr<httplib::Client> cli;
  std::string path;
  HelloV1Node() {
    REQUIRE(node.start());
    cli = client(node);
    deploy(*cli, "node_hello_v1", "1.0.0");
    path = service_path(node, "/hello/v1") + "/";
  }
};

}  // namespace

TEST_CASE("a deployed service answers and survives a restart and is gone after delete") {
  TempDir tmp;
  NodeProcess node(node_options(tmp / "data"));
  REQUIRE(node.start());
  auto cli = client(node);
  REQUIRE(upload(*cli, image_tar("hello-v1", "1.0.0", test_module("node_hello_v1")))->status == 200);

  auto started = start_container(*cli, "hello-v1", {{"MCM.BASE_API_PATH", "/hello/v1"}, {"GREETING", "hi"}});
  REQUIRE(started);
  REQUIRE_MESSAGE(started->status == 200, started->body);
  auto c = json_of(started);
  CHECK(c["id"] == "test-client-hello-v1");
  CHECK(c["clientId"] == "test-client");
  CHECK(c["name"] == "hello-v1");
  CHECK(c["image"] == "hello-v1");
  CHECK(c["imageId"] == "test-client-hello-v1");
  CHECK(c["state"] == "started");
  CHECK(c["status"] == "up");
  CHECK(c["env"]["MCM.BASE_API_PATH"] == "/test-client/hello/v1");
  CHECK(c["env"]["MCM.RUNTIME"] == "wasm");
  CHECK(c["env"]["GREETING"] == "hi");
  CHECK(json_of(cli->Get("/mcm/v1/mims"))["data"].size() == 1);  // the newer name for containers

  const std::string path = service_path(node, "/hello/v1");
  httplib::Client anonymous("127.0.0.1", node.port());  // service APIs are public
  for (std::string sub : {"/", "/items/1?x=2", ""}) {
    auto r = anonymous.Get(path + sub);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "hello v1");
    CHECK(r->get_header_value("x-service-version") == "1");
    CHECK(r->get_header_value("Content-Type") == "text/plain");
  }
  CHECK(anonymous.Post(path + "/echo", "{\"a\":1}", "application/json")->body == "hello v1");
  auto unknown = anonymous.Get("/test-client/nothing/v1/");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  CHECK(json_of(unknown)["error"]["code"] == 404);

  node.stop();
  REQUIRE(node.start());
  auto again = anonymous.Get(path + "/");
  REQUIRE(again);
  CHECK(again->status == 200);
  CHECK(again->body == "hello v1");
  CHECK(json_of(cli->Get("/mcm/v1/containers"))["data"][0]["state"] == "started");

  auto del = cli->Delete("/mcm/v1/containers/test-client-hello-v1");
  REQUIRE(del);
  CHECK(del->status == 200);
  auto gone = anonymous.Get(path + "/");
  REQUIRE(gone);
  CHECK(gone->status == 404);
  CHECK(json_of(gone)["error"]["code"] == 404);
  CHECK(json_of(cli->Get("/mcm/v1/containers"))["data"].empty());
  node.stop();
  REQUIRE(node.start());  // and still gone after a restart
  CHECK(anonymous.Get(path + "/")->status == 404);
}

TEST_CASE("a failed redeploy keeps the old version serving and a good one replaces it") {
  HelloV1Node h;
  auto& [tmp, node, cli, path] = h;

  // A container start that cannot succeed: a preopen that does not exist, an unknown image.
  auto bad = start_container(*cli, "hello-v1", {{"EDGE_PREOPEN_DIRS", (tmp / "no-such-dir").string() + "::/data"}});
  REQUIRE(bad);
  CHECK(bad->status == 422);
  CHECK(json_of(bad)["error"]["message"].get<std::string>().find("previous version keeps serving") !=
        std::string::npos);
  CHECK(start_container(*cli, "hello-v1", {}, "missing-v1")->status == 400);
  auto still = cli->Get(path);
  REQUIRE(still);
  CHECK(still->body == "hello v1");

  // The redeploy that works: upload v2 under the same name, start again.
  deploy(*cli, "node_hello_v2", "2.0.0");
  CHECK(cli->Get(path)->body == "hello v2");
  CHECK(json_of(cli->Get("/mcm/v1/containers"))["data"].size() == 1);
  node.stop();
  REQUIRE(node.start());
  CHECK(cli->Get(path)->body == "hello v2");
}

TEST_CASE("an upload that replaces the image but never starts: after a node restart, what served serves") {
  HelloV1Node h;
  auto& [tmp, node, cli, path] = h;
  // The same name again, a module whose _initialize traps: the upload replaces the stored image,
  // its start is refused, v1 keeps serving.
  REQUIRE(upload(*cli, image_tar("hello-v1", "2.0.0", test_module("node_start_trap")))->status == 200);
  auto refused = start_container(*cli, "hello-v1");
  REQUIRE(refused);
  CHECK(refused->status == 422);
  CHECK(cli->Get(path)->body == "hello v1");
  // The node restarts from what served, not from the image that never started.
  node.stop();
  REQUIRE(node.start());
  auto after = cli->Get(path);
  REQUIRE(after);
  CHECK(after->status == 200);
  CHECK(after->body == "hello v1");
  // Only served modules are kept: one now; a good redeploy replaces it, a delete removes it.
  auto kept = [&] {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(tmp / "data" / "modules"))
      n += e.path().extension() == ".wasm";
    return n;
  };
  CHECK(kept() == 1);
  deploy(*cli, "node_hello_v2", "3.0.0");
  CHECK(cli->Get(path)->body == "hello v2");
  CHECK(kept() == 1);
  CHECK(cli->Delete("/mcm/v1/containers/hello-v1")->status == 200);
  CHECK(kept() == 0);
}

TEST_CASE("ten redeploys under load lose no request") {
  TempDir tmp;
  NodeProcess node(node_options(tmp / "data"));
  REQUIRE(node.start());
  auto cli = client(node);
  deploy(*cli, "node_hello_v1", "1.0.0");
  const std::string path = service_path(node, "/hello/v1") + "/";

  std::atomic<bool> done{false};
  std::atomic<int> sent{0}, failed{0};
  std::thread caller([&] {
    httplib::Client c("127.0.0.1", node.port());
    while (!done) {
      auto r = c.Get(path);
      ++sent;
      if (!r || r->status != 200 || (r->body != "hello v1" && r->body != "hello v2")) ++failed;
    }
  });
  for (int i = 0; i < 10; ++i) deploy(*cli, i % 2 ? "node_hello_v1" : "node_hello_v2", "1.0." + std::to_string(i));
  done = true;
  caller.join();
  MESSAGE("requests during 10 redeploys: " << sent.load() << ", failed: " << failed.load());
  CHECK(sent > 0);
  CHECK(failed == 0);
}

TEST_CASE("a trapping service fails its own request with a logged JSON 500 and the node serves on") {
  TempDir tmp;
  NodeProcess node(node_options(tmp / "data"));
  REQUIRE(node.start());
  auto cli = client(node);
  deploy(*cli, "node_hello_v1", "1.0.0");
  REQUIRE(upload(*cli, image_tar("trap-v1", "1.0.0", test_module("node_trap")))->status == 200);
  REQUIRE(start_container(*cli, "trap-v1")->status == 200);

  auto trapped = cli->Get(service_path(node, "/trap/v1") + "/");
  REQUIRE(trapped);
  CHECK(trapped->status == 500);
  auto err = json_of(trapped)["error"];
  CHECK(err["code"] == 500);
  CHECK(err["message"].get<std::string>().find("trap-v1") != std::string::npos);
  CHECK(cli->Get(service_path(node, "/hello/v1") + "/")->body == "hello v1");

  auto logs = cli->Get("/mcm/v1/containers/test-client-trap-v1/logs");
  REQUIRE(logs);
  CHECK(logs->status == 200);
  CHECK(logs->body.find("GET /test-client/trap/v1/ failed") != std::string::npos);
  CHECK(cli->Get("/mcm/v1/containers/test-client-trap-v1/logs?since=99999999999")->body.empty());
  CHECK(cli->Get("/mcm/v1/containers/nobody/logs")->status == 404);

  // follow=1 streams: what is there, then new lines as they come.
  std::string streamed;
  httplib::Client follower("127.0.0.1", node.port());
  follower.set_bearer_token_auth(node.token().c_str());
  std::thread trigger([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    httplib::Client c("127.0.0.1", node.port());
    c.Get(service_path(node, "/trap/v1") + "/second");
  });
  follower.Get("/mcm/v1/containers/test-client-trap-v1/logs?follow=1", [&](const char* data, size_t len) {
    streamed.append(data, len);
    return streamed.find("/second failed") == std::string::npos;  // stop once the new line arrived
  });
  trigger.join();
  CHECK(streamed.find("GET /test-client/trap/v1/ failed") != std::string::npos);
  CHECK(streamed.find("GET /test-client/trap/v1/second failed") != std::string::npos);

  auto stats = json_of(cli->Get("/mcm/v1/stats"));
  CHECK(stats["services"]["trap-v1"]["failures"].get<int>() >= 2);
}

TEST_CASE("bodies over the service's limit get 413") {
  TempDir tmp;
  NodeProcess node(node_options(tmp / "data"));
  REQUIRE(node.start());
  auto cli = client(node);
  deploy(*cli, "node_hello_v1", "1.0.0", {{"EDGE_MAX_BODY_BYTES", "100"}});
  const std::string path = service_path(node, "/hello/v1") + "/";
  CHECK(cli->Post(path, std::string(100, 'x'), "text/plain")->status == 200);
  auto big = cli->Post(path, std::string(101, 'x'), "text/plain");
  REQUIRE(big);
  CHECK(big->status == 413);
  CHECK(json_of(big)["error"]["code"] == 413);
}

TEST_CASE("edge-node run passes a command module's stdout and exit code through") {
  auto r = run({node_bin().string(), "run", std::string(EDGE_TEST_WASM_DIR) + "/node_command.wasm", "a", "b"});
  CHECK(r.exit_code == 3);
  CHECK(r.out == "hi from wasm\n");
  auto missing = run({node_bin().string(), "run", "/nonexistent.wasm"});
  CHECK(missing.exit_code == 125);
  CHECK(missing.err.find("cannot read") != std::string::npos);
}

TEST_CASE("services answer the same on every engine (interp and aot and auto)") {
  for (std::string engine : {"interp", "aot", "auto"}) {
    CAPTURE(engine);
    TempDir tmp;
    auto opts = node_options(tmp / "data");
    opts.extra_args = {"--engine", engine};
    NodeProcess node(opts);
    REQUIRE(node.start());
    auto cli = client(node);
    deploy(*cli, "node_hello_v1", "1.0.0");
    REQUIRE(upload(*cli, image_tar("trap-v1", "1.0.0", test_module("node_trap")))->status == 200);
    REQUIRE(start_container(*cli, "trap-v1")->status == 200);
    for (int i = 0; i < 3; ++i) {
      auto r = cli->Get(service_path(node, "/hello/v1") + "/");
      REQUIRE(r);
      CHECK(r->status == 200);
      CHECK(r->body == "hello v1");
      auto t = cli->Get(service_path(node, "/trap/v1") + "/");
      REQUIRE(t);
      CHECK(t->status == 500);
    }
    CHECK(json_of(cli->Get("/mcm/v1/stats"))["engine"].get<std::string>().size() > 0);
  }
}
