// Zero-downtime redeploy under load (issue 7): client threads on several connections keep calling
// a service while it is redeployed ten times, alternating two versions whose answers differ.
// Every request must succeed, and both versions must have answered.
#include <atomic>
#include <thread>

#include <doctest/doctest.h>

#include "security_util.hpp"

using namespace edge::test;
using namespace edge::test::node;
using namespace edge::test::security;
using namespace std::chrono_literals;

TEST_CASE("ten redeploys under load on several connections: no request fails, both versions answer") {
  TempDir tmp;
  NodeProcess node(node_options(tmp / "data"));
  REQUIRE(node.start());
  auto cli = client(node);
  deploy(*cli, "hello-v1", "node_hello_v1", "hello-v1");
  const std::string path = service_path(node, "/hello/v1") + "/";

  constexpr int kClients = 4;  // two on keep-alive connections, two on a new connection per request
  std::atomic<bool> done{false};
  std::atomic<long> sent{0}, failed{0}, seen_v1{0}, seen_v2{0};
  std::atomic<int> last_version{1};
  std::vector<std::thread> callers;
  for (int i = 0; i < kClients; ++i)
    callers.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", node.port());
      c.set_keep_alive(i % 2 == 0);
      c.set_read_timeout(10, 0);
      while (!done) {
        auto r = c.Get(path);
        ++sent;
        if (!r || r->status != 200) {
          ++failed;
          continue;
        }
        if (r->body == "hello v1") ++seen_v1, last_version = 1;
        else if (r->body == "hello v2") ++seen_v2, last_version = 2;
        else ++failed;
      }
    });
  for (int round = 0; round < 10; ++round) {
    const int version = round % 2 == 0 ? 2 : 1;
    const std::string module = version == 2 ? "node_hello_v2" : "node_hello_v1";
    auto up = upload(
        *cli, image_tar("hello-v1", std::to_string(version) + ".0." + std::to_string(round), test_module(module)));
    REQUIRE(up);
    REQUIRE_MESSAGE(up->status == 200, up->body);
    auto started = start_container(*cli, "hello-v1");
    REQUIRE(started);
    REQUIRE_MESSAGE(started->status == 200, started->body);
    // Let the callers see the new version before the next redeploy (bounded).
    for (int i = 0; i < 500 && last_version != version; ++i) std::this_thread::sleep_for(10ms);
    std::this_thread::sleep_for(50ms);
  }
  done = true;
  for (auto& t : callers) t.join();
  MESSAGE("redeploys: 10, requests sent: " << sent.load() << ", failed: " << failed.load()
                                           << ", answered by v1: " << seen_v1.load() << ", by v2: " << seen_v2.load());
  CHECK(sent > 100);
  CHECK(failed == 0);
  CHECK(seen_v1 > 0);
  CHECK(seen_v2 > 0);
  CHECK(json_of(cli->Get("/mcm/v1/containers"))["data"].size() == 1);
}
