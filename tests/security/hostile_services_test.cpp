// Hostile services on a real node over HTTP (issue 7): traps, stack and memory exhaustion,
// endless loops, host-call floods, huge responses, endless stdout and preopen escapes. Each
// fails its own request with a JSON error naming the cause, is logged, and the node serves
// the other services meanwhile. Guests: the engine probe (tests/data/engine/probe.cpp) and
// tests/security/wat/*.wat.
#include <atomic>
#include <thread>

#include <doctest/doctest.h>

#include "security_util.hpp"

using namespace edge::test;
using namespace edge::test::node;
using namespace edge::test::security;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Failure {
  int status = 0;
  std::string message;
};

// The JSON error of a failed request; REQUIREs the {"error": {"code", "message"}} shape.
Failure failure_of(const httplib::Result& res) {
  REQUIRE(res);
  auto err = json_of(res)["error"];
  REQUIRE_MESSAGE(err.is_object(), res->status << " " << res->body.substr(0, 300));
  CHECK(err["code"] == res->status);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  return {res->status, err["message"].get<std::string>()};
}

void check_hello(httplib::Client& cli, const NodeProcess& node) {
  auto r = cli.Get(service_path(node, "/hello/v1") + "/");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "hello v1");
}

// A node with the healthy "hello" service and the probe under `probe_name` with `env`.
struct HostileNode {
  TempDir tmp;
  NodeProcess node{node_options(tmp / "data")};
  std::unique_ptr<httplib::Client> cli;

  HostileNode() {
    REQUIRE(node.start());
    cli = client(node);
    deploy(*cli, "hello-v1", "node_hello_v1", "hello-v1");
  }
  httplib::Result get(const std::string& base, const std::string& sub) {
    return cli->Get(service_path(node, base) + sub);
  }
};

}  // namespace

TEST_CASE("traps and stack exhaustion fail their own request with a logged JSON 500 naming the trap") {
  HostileNode n;
  deploy(*n.cli, "probe-v1", "engine_probe", "probe-v1", {{"MCM.MAX_EXECUTION_TIME_SEC", "1"}});
  struct Case {
    const char* url;
    const char* cause;
  };
  for (Case c : {Case{"/trap/unreachable", "unreachable"}, Case{"/trap/div0", "divide by zero"},
                 Case{"/trap/oob", "out of bounds"}, Case{"/trap/badptr", "out of bounds memory access in host call"},
                 Case{"/recurse", "trap"}, Case{"/noresponse", "response"}, Case{"/exit", "proc_exit(3)"}}) {
    CAPTURE(c.url);
    auto f = failure_of(n.get("/probe/v1", c.url));
    CHECK(f.status == 500);
    CHECK_MESSAGE(f.message.find("probe-v1") != std::string::npos, f.message);
    CHECK_MESSAGE(f.message.find(c.cause) != std::string::npos, f.message);
    CHECK(service_log(*n.cli, "probe-v1").find(std::string("GET /test-client/probe/v1") + c.url) != std::string::npos);
    check_hello(*n.cli, n.node);
  }
  // A fresh instance per request: the module that trapped answers the next request.
  auto ok = n.get("/probe/v1", "/hello");
  REQUIRE(ok);
  CHECK(ok->status == 201);
  auto stats = json_of(n.cli->Get("/mcm/v1/stats"))["services"];
  CHECK(stats["probe-v1"]["failures"] == 7);
  CHECK(stats["hello-v1"]["failures"] == 0);
}

TEST_CASE("an endless loop ends with a logged 504 at MCM.MAX_EXECUTION_TIME_SEC while other services answer") {
  HostileNode n;
  deploy(*n.cli, "probe-v1", "engine_probe", "probe-v1", {{"MCM.MAX_EXECUTION_TIME_SEC", "1"}});

  std::atomic<bool> loop_done{false};
  std::optional<httplib::Result> looped;
  std::thread looper([&] {
    auto c = client(n.node);
    looped.emplace(c->Get(service_path(n.node, "/probe/v1") + "/loop"));
    loop_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  bool hello_answered_during_loop = false;
  for (int i = 0; i < 5; ++i) {
    check_hello(*n.cli, n.node);
    hello_answered_during_loop = !loop_done;
  }
  looper.join();
  CHECK_MESSAGE(hello_answered_during_loop, "the healthy service only answered after the loop ended");
  REQUIRE(looped);
  auto f = failure_of(*looped);
  CHECK(f.status == 504);
  CHECK_MESSAGE(f.message.find("timeout") != std::string::npos, f.message);
  CHECK(f.message.find("MCM.MAX_EXECUTION_TIME_SEC") != std::string::npos);
  CHECK(service_log(*n.cli, "probe-v1").find("GET /test-client/probe/v1/loop failed: timeout") != std::string::npos);

  // More loops than worker threads: every one ends at its limit, and the healthy service still
  // answers (later, once workers free up: the pool bounds concurrency, the time limit bounds the wait).
  constexpr int kLoops = 8;
  std::atomic<int> timeouts{0};
  std::vector<std::thread> loops;
  for (int i = 0; i < kLoops; ++i)
    loops.emplace_back([&] {
      auto c = client(n.node);
      auto r = c->Get(service_path(n.node, "/probe/v1") + "/loop");
      if (r && r->status == 504) ++timeouts;
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto started = Clock::now();
  check_hello(*n.cli, n.node);
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  for (auto& t : loops) t.join();
  CHECK(timeouts == kLoops);
  MESSAGE("healthy request behind " << kLoops << " endless loops answered after " << waited << " ms");
}

TEST_CASE("memory exhaustion fails with a logged 500 naming the memory limit") {
  HostileNode n;
  deploy(*n.cli, "probe-v1", "engine_probe", "oom-v1",
         {{"EDGE_MAX_MEMORY_MB", "8"}, {"MCM.MAX_EXECUTION_TIME_SEC", "60"}});
  auto f = failure_of(n.get("/oom/v1", "/oom"));
  CHECK(f.status == 500);
  CHECK_MESSAGE(f.message.find("out of memory") != std::string::npos, f.message);
  CHECK(f.message.find("EDGE_MAX_MEMORY_MB") != std::string::npos);
  CHECK(service_log(*n.cli, "oom-v1").find("out of memory") != std::string::npos);
  check_hello(*n.cli, n.node);
  auto ok = n.get("/oom/v1", "/hello");  // the next request gets fresh memory
  REQUIRE(ok);
  CHECK(ok->status == 201);
  // Four exhausted requests at once: the node's own memory stays bounded by the limits.
  std::vector<std::thread> hogs;
  for (int i = 0; i < 4; ++i)
    hogs.emplace_back([&] {
      auto c = client(n.node);
      c->Get(service_path(n.node, "/oom/v1") + "/oom");
    });
  for (auto& t : hogs) t.join();
  const long rss = node_rss_kib(n.tmp / "data");
  MESSAGE("node RSS after 5 out-of-memory requests (8 MiB limit): " << rss << " KiB");
  CHECK(rss > 0);
  CHECK(rss < 512 * 1024);
}

TEST_CASE("a flood of host calls is cut at the per-request limit with a logged 500") {
  HostileNode n;
  deploy(*n.cli, "flood-v1", "security_host_call_flood", "flood-v1", {{"MCM.MAX_EXECUTION_TIME_SEC", "60"}});
  auto f = failure_of(n.get("/flood/v1", "/"));
  CHECK(f.status == 500);
  CHECK_MESSAGE(f.message.find("host call limit") != std::string::npos, f.message);
  const std::string log = service_log(*n.cli, "flood-v1");
  CHECK(log.find("host call limit") != std::string::npos);
  CHECK(log.find("dropped") != std::string::npos);  // what it published was capped too
  // 1 MiB of published text per request, but each short message becomes a timestamped line, so
  // the file grows by more; rotation at 4 MiB (one old file kept) bounds the disk per service.
  CHECK(log.size() <= (8u << 20) + (64u << 10));
  MESSAGE("service log after one host-call flood: " << log.size() << " bytes");
  check_hello(*n.cli, n.node);
}

TEST_CASE("a response over the node's limit becomes a logged 500, not a 17 MiB answer") {
  HostileNode n;
  deploy(*n.cli, "huge-v1", "security_huge_response", "huge-v1");
  for (int i = 0; i < 2; ++i) {
    auto res = n.get("/huge/v1", "/");
    auto f = failure_of(res);
    CHECK(f.status == 500);
    CHECK_MESSAGE(f.message.find("exceeds the limit of 16777216") != std::string::npos, f.message);
    CHECK(res->body.size() < 4096);
    check_hello(*n.cli, n.node);
  }
  CHECK(service_log(*n.cli, "huge-v1").find("exceeds the limit") != std::string::npos);
}

TEST_CASE("stdout in an endless loop is capped in the log and the request is stopped") {
  HostileNode n;
  deploy(*n.cli, "chatty-v1", "security_stdout_loop", "chatty-v1", {{"MCM.MAX_EXECUTION_TIME_SEC", "5"}});
  auto f = failure_of(n.get("/chatty/v1", "/"));
  CHECK((f.status == 500 || f.status == 504));
  CHECK_MESSAGE(
      (f.message.find("host call limit") != std::string::npos || f.message.find("timeout") != std::string::npos),
      f.message);
  std::string log = service_log(*n.cli, "chatty-v1");
  CHECK(log.find("yyyyyyyy") != std::string::npos);
  CHECK(log.find("bytes in this request dropped") != std::string::npos);
  const size_t first = log.size();
  CHECK(first < (3u << 20) / 2);  // 1 MiB of output plus line prefixes and node lines
  check_hello(*n.cli, n.node);
  REQUIRE(n.get("/chatty/v1", "/"));
  log = service_log(*n.cli, "chatty-v1");
  CHECK(log.size() - first < (3u << 20) / 2);  // bounded again, per request
  MESSAGE("log after two endless-stdout requests: " << log.size() << " bytes");
}

TEST_CASE("preopen escapes through the node: `..`, absolute paths and symlinks pointing out are refused") {
  TempDir tmp;
  const fs::path root = tmp / "root";
  fs::create_directories(root / "sub");
  write_file(root / "inside.txt", "inside");
  write_file(tmp / "secret.txt", "the secret outside");
  fs::create_symlink("../secret.txt", root / "link-out");
  fs::create_symlink((tmp / "secret.txt").string(), root / "link-abs");
  fs::create_symlink("/etc/passwd", root / "link-passwd");
  fs::create_directory_symlink(tmp.path(), root / "sub" / "dir-out");

  HostileNode n;
  deploy(*n.cli, "probe-v1", "engine_probe", "probe-v1",
         {{"MCM.MAX_EXECUTION_TIME_SEC", "5"}, {"EDGE_PREOPEN_DIRS", root.string() + "::/data"}});
  auto inside = n.get("/probe/v1", "/read?path=/data/inside.txt");
  REQUIRE(inside);
  CHECK(inside->status == 200);
  CHECK(inside->body == "inside");

  int refused = 0;
  for (const std::string& url : std::vector<std::string>{
           "/read?path=/data/../secret.txt", "/read?path=/data/sub/../../secret.txt", "/read?path=/data/link-out",
           "/read?path=/data/link-abs", "/read?path=/data/link-passwd", "/read?path=/data/sub/dir-out/secret.txt",
           "/read?path=/etc/passwd", "/read?path=" + (tmp / "secret.txt").string(), "/openat?path=../secret.txt",
           "/openat?path=" + (tmp / "secret.txt").string(), "/openat?path=link-out", "/openat?path=link-abs",
           "/openat?path=sub/dir-out/secret.txt", "/openat?path=sub/../../secret.txt"}) {
    CAPTURE(url);
    auto r = n.get("/probe/v1", url);
    REQUIRE(r);
    CHECK_MESSAGE(r->status == 403, r->body);  // the probe answers 403 with the errno WASI gave it
    CHECK(r->body.find("secret") == std::string::npos);
    CHECK(r->body.find("root:") == std::string::npos);
    refused += r->status == 403;
  }
  MESSAGE("preopen escapes tried through HTTP: 14, refused: " << refused);
  check_hello(*n.cli, n.node);
  CHECK(read_file(tmp / "secret.txt") == "the secret outside");
}

TEST_CASE("a storage quota: the guest gets the error past its keys or bytes, and a long each_item walks in pages") {
  ServingNode n;
  deploy(*n.cli, "kv-v1", "template_rest-kv", "kv-v1",
         {{"MCM.BASE_API_PATH", "/kv/v1"}, {"EDGE_STORAGE_MAX_KEYS", "150"}, {"EDGE_STORAGE_MAX_MB", "1"}});
  const std::string base = service_path(n.node, "/kv/v1") + "/items/";
  httplib::Client c("127.0.0.1", n.node.port());
  for (int i = 0; i < 150; ++i) {
    auto put = c.Put(base + "item" + std::to_string(1000 + i), "{\"n\":" + std::to_string(i) + "}", "application/json");
    REQUIRE(put);
    REQUIRE_MESSAGE(put->status < 300, put->body);
  }
  // The 151st key: the node refuses the write, the guest hears why and says it in its 500.
  auto over = c.Put(base + "one-more", "{}", "application/json");
  REQUIRE(over);
  CHECK(over->status == 500);
  CHECK_MESSAGE(over->body.find("EDGE_STORAGE_MAX_KEYS") != std::string::npos, over->body);
  // Replacing a key is no new key; a value past the bytes is refused the same way.
  CHECK(c.Put(base + "item1000", "{\"n\":\"again\"}", "application/json")->status < 300);
  auto big = c.Put(base + "item1001", "\"" + std::string(1100000, 'x') + "\"", "application/json");
  REQUIRE(big);
  CHECK(big->status == 500);
  CHECK_MESSAGE(big->body.find("EDGE_STORAGE_MAX_MB") != std::string::npos, big->body.substr(0, 300));
  // each_item over 150 items (three pages of 64): every item once, in key order.
  auto list = c.Get(base.substr(0, base.size() - 1));
  REQUIRE(list);
  REQUIRE(list->status == 200);
  auto j = nlohmann::json::parse(list->body);
  REQUIRE(j["count"] == 150);
  CHECK(j["items"][0]["id"] == "item1000");
  CHECK(j["items"][149]["id"] == "item1149");
  CHECK(j["items"][0]["value"]["n"] == "again");
}
