// Governance (issue 13) against a real edge-node: a version that cannot run never replaces one
// that does, and one service cannot take every worker from the others.
#include <atomic>
#include <thread>

#include <doctest/doctest.h>

#include "security_util.hpp"

using namespace edge::test;
using namespace edge::test::node;
using namespace edge::test::security;
using namespace std::chrono_literals;

TEST_CASE("a version that cannot start is refused with 422 while the old one keeps answering 200") {
  ServingNode n;
  // A client calls the running version throughout; not one of its requests may fail.
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, failed{0};
  std::thread client_thread([&] {
    httplib::Client c("127.0.0.1", n.node.port());
    while (!stop) {
      auto res = c.Get(n.hello_path());
      if (res && res->status == 200 && res->body == "hello v1") ++answered;
      else ++failed;
    }
  });

  struct Case {
    const char* module;
    std::map<std::string, std::string> env;
    const char* reason;  // in the 422's message
  };
  const Case cases[] = {
      {"node_start_trap", {}, "unreachable"},
      {"node_start_big_memory", {{"EDGE_MAX_MEMORY_MB", "1"}}, "memory"},
      {"node_start_bad_segment", {}, "cannot instantiate"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.module);
    const std::string image = std::string(c.module) + "-img";
    auto up = upload(*n.cli, image_tar(image, "2.0.0", test_module(c.module)));
    REQUIRE(up);
    REQUIRE_MESSAGE(up->status == 200, up->body);
    auto env = c.env;
    env["MCM.BASE_API_PATH"] = "/hello/v1";
    auto started = start_container(*n.cli, "hello-v1", env, image);
    REQUIRE(started);
    INFO(started->body);
    CHECK(started->status == 422);
    CHECK(started->body.find("does not start") != std::string::npos);
    CHECK(started->body.find(c.reason) != std::string::npos);
    CHECK(started->body.find("the previous version keeps serving") != std::string::npos);
    // The record still names the version that serves.
    auto container = json_of(n.cli->Get("/mcm/v1/containers/test-client-hello-v1"));
    CHECK(container["image"] == "hello-v1");
  }
  std::this_thread::sleep_for(200ms);
  stop = true;
  client_thread.join();
  MESSAGE("the old version answered " << answered.load() << " requests during three refused deploys, " << failed.load()
                                      << " failed");
  CHECK(answered > 0);
  CHECK(failed == 0);
  CHECK(service_log(*n.cli, "hello-v1").find("the previous version keeps serving") != std::string::npos);
}

TEST_CASE("one service looping on every worker it may have does not make another wait") {
  ServingNode n;
  deploy(*n.cli, "probe-v1", "engine_probe", "probe-v1", {{"MCM.MAX_EXECUTION_TIME_SEC", "1"}});
  // Endless loops at once: more than the node has workers. The probe runs at most one per core
  // (MCM.MAX_CONCURRENCY's default); the rest wait their turn and end at their limit too.
  constexpr int kLoops = 12;
  std::vector<std::thread> loopers;
  std::atomic<int> timed_out{0};
  for (int i = 0; i < kLoops; ++i)
    loopers.emplace_back([&] {
      httplib::Client c("127.0.0.1", n.node.port());
      c.set_read_timeout(60, 0);
      auto res = c.Get(service_path(n.node, "/probe/v1") + "/loop");
      if (res && res->status == 504) ++timed_out;
    });
  std::this_thread::sleep_for(300ms);  // the loops hold what they can
  httplib::Client c("127.0.0.1", n.node.port());
  double worst_ms = 0;
  int ok = 0;
  for (int i = 0; i < 10; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto res = c.Get(n.hello_path());
    worst_ms = std::max(worst_ms, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (res && res->status == 200) ++ok;
    std::this_thread::sleep_for(20ms);
  }
  MESSAGE("hello during " << kLoops << " loops: " << ok << "/10 answered, slowest " << worst_ms << " ms");
  CHECK(ok == 10);
  CHECK(worst_ms < 200);
  for (auto& t : loopers) t.join();
  CHECK(timed_out == kLoops);  // every loop ended at its limit, none was dropped
}
