// The node's front door (issue 12) against a real edge-node over raw sockets: HTTP/1.1 as
// clients send it (bodiless POSTs, pipelining, HEAD, 100-continue), limits that hold while the
// node reads (a 64 MiB request line, 100k headers, 2,000 slow connections), a busy port, and an
// outbound fetch that ends at its request's deadline, also when the node is told to stop.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <doctest/doctest.h>

#include "security_util.hpp"

using namespace edge::test;
using namespace edge::test::node;
using namespace edge::test::security;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The status codes of every response in `raw`, in order.
std::vector<int> statuses(const std::string& raw) {
  std::vector<int> out;
  for (size_t at = raw.find("HTTP/1.1 "); at != std::string::npos; at = raw.find("HTTP/1.1 ", at + 1))
    out.push_back(std::atoi(raw.c_str() + at + 9));
  return out;
}

// Enough descriptors for thousands of connections (the hard limit is what a process may take).
void raise_open_files() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

}  // namespace

TEST_CASE("a POST, PUT or PATCH without a body is answered at once") {
  ServingNode n;
  for (std::string method : {"POST", "PUT", "PATCH", "DELETE"}) {
    CAPTURE(method);
    RawConnection c(n.node.port());
    REQUIRE(c.connected());
    // A node waiting for a body that never comes would answer nothing (or 408) within the read.
    REQUIRE(c.send(method + " " + n.hello_path() + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string response = c.read_response(20s);
    CHECK(status_of(response) == 200);
    CHECK(body_of(response) == "hello v1");
  }
  // The mCM API too: the handler runs and says what is wrong with the (missing) body.
  RawConnection c(n.node.port());
  REQUIRE(c.send("POST /mcm/v1/containers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\n\r\n"));
  std::string response = c.read_response(20s);
  CHECK(status_of(response) == 400);
  CHECK(body_of(response).find("not JSON") != std::string::npos);
}

TEST_CASE("pipelined requests are answered in order on one connection, HEAD and 100-continue") {
  ServingNode n;
  RawConnection c(n.node.port());
  REQUIRE(c.connected());
  // Three requests in one write: a service, a 404 and the health check, the last one closing.
  REQUIRE(c.send("GET " + n.hello_path() +
                 " HTTP/1.1\r\nHost: x\r\n\r\n"
                 "GET /test-client/nobody/v1/ HTTP/1.1\r\nHost: x\r\n\r\n"
                 "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string all = c.read_until_closed(10s);
  CHECK(statuses(all) == std::vector<int>{200, 404, 200});
  CHECK(all.find("hello v1") < all.find("nothing here"));
  CHECK(all.find("nothing here") < all.rfind("ok\n"));

  // HEAD: GET's headers, Content-Length included, and no body.
  RawConnection head(n.node.port());
  REQUIRE(head.send("HEAD " + n.hello_path() + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string h = head.read_until_closed(5s);
  CHECK(status_of(h) == 200);
  CHECK(h.find("Content-Length: 8\r\n") != std::string::npos);
  CHECK(body_of(h).empty());

  // Expect: 100-continue: the node says go on before the client sends its body.
  RawConnection cont(n.node.port());
  REQUIRE(cont.send("POST " + n.hello_path() +
                    " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  std::string interim = cont.read_response(5s);
  CHECK(status_of(interim) == 100);
  REQUIRE(cont.send("hello"));
  CHECK(status_of(cont.read_response(5s)) == 200);
}

TEST_CASE("a second node on a port in use exits 1 with one clear line") {
  ServingNode n;
  TempDir other;
  auto r = run({node_bin().string(), "--port", std::to_string(n.node.port()), "--data-dir", (other / "data").string(),
                "--no-auth"},
               {}, {}, 30);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot listen on 127.0.0.1:" + std::to_string(n.node.port())) != std::string::npos);
  CHECK(r.err.find("is another edge-node running?") != std::string::npos);
  CHECK(r.out.find("listening") == std::string::npos);
  CHECK(n.cli->Get(n.hello_path())->body == "hello v1");  // the first one is undisturbed
}

TEST_CASE("a 64 MiB request line and 100k headers are refused while read, the node's memory stays flat") {
  ServingNode n;
  const int port = n.node.port();
  const long rss_before = node_rss_kib(n.tmp / "data");
  REQUIRE(rss_before > 0);
  {
    RawConnection c(port);
    REQUIRE(c.connected());
    std::string chunk(1 << 20, 'a');
    c.send("GET /");
    for (int i = 0; i < 64 && c.send(chunk); ++i) {
    }
    c.send(" HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string response = c.read_response(10s);
    if (!response.empty()) CHECK(status_of(response) == 414);
  }
  {
    RawConnection c(port);
    REQUIRE(c.connected());
    std::string headers = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 100000; ++i) headers += "X-H" + std::to_string(i) + ": v\r\n";
    c.send(headers + "\r\n");
    std::string response = c.read_response(10s);
    if (!response.empty()) CHECK(status_of(response) == 431);
  }
  const long rss_after = node_rss_kib(n.tmp / "data");
  MESSAGE("node RSS " << rss_before / 1024 << " MiB before, " << rss_after / 1024 << " MiB after");
  CHECK(rss_after - rss_before < 64 * 1024);
  CHECK(n.cli->Get(n.hello_path())->body == "hello v1");
}

TEST_CASE("2,000 slow connections: a normal client is still served within a second") {
  raise_open_files();
  ServingNode n;
  const int port = n.node.port();
  constexpr int kSlow = 2000;
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port));
    REQUIRE(slow.back()->connected());
    slow.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // and the rest never comes
  }
  httplib::Client normal("127.0.0.1", port);
  // Liveness only: the slow connections never finish, so a blocked node would never serve these.
  normal.set_connection_timeout(20, 0);
  normal.set_read_timeout(20, 0);
  int served = 0;
  double worst = 0;
  for (int i = 0; i < 20; ++i) {
    const auto t0 = Clock::now();
    auto res = normal.Get(n.hello_path());
    worst = std::max(worst, seconds_since(t0));
    if (res && res->status == 200 && res->body == "hello v1") ++served;
  }
  MESSAGE("with " << kSlow << " slow connections open: " << served << "/20 served, slowest " << worst * 1000 << " ms");
  CHECK(served == 20);
}

TEST_CASE("a fetch to a silent upstream ends at the request's deadline: 504, and SIGTERM is not held up") {
  SilentUpstream upstream;
  ServingNode n;
  deploy(*n.cli, "px", "template_proxy", "px",
         {{"MCM.BASE_API_PATH", "/px/v1"}, {"MCM.MAX_EXECUTION_TIME_SEC", "2"}, {"PROXY_ALLOW", "http://127.0.0.1:"}});
  const std::string path = service_path(n.node, "/px/v1") + "/fetch?url=" + upstream.url();
  httplib::Client c("127.0.0.1", n.node.port());
  c.set_read_timeout(30, 0);

  SUBCASE("the request ends 504 at its 2 s limit, not at the fetch's own timeout") {
    const auto t0 = Clock::now();
    auto res = c.Get(path);
    const double took = seconds_since(t0);
    REQUIRE(res);
    MESSAGE("fetch to a silent upstream answered " << res->status << " after " << took * 1000 << " ms (limit 2000 ms)");
    CHECK(res->status == 504);
    CHECK(res->body.find("deadline") != std::string::npos);
    CHECK(took >= 1.95);  // not before the limit
    CHECK(took < 20.0);   // liveness: the limit, not the silent upstream, ended it
  }

  SUBCASE("SIGTERM during the fetch: the node exits within 5 s") {
    // A limit far away: only the stop can end this fetch in time.
    deploy(*n.cli, "px-slow", "template_proxy", "px-slow",
           {{"MCM.BASE_API_PATH", "/px-slow/v1"},
            {"MCM.MAX_EXECUTION_TIME_SEC", "60"},
            {"PROXY_ALLOW", "http://127.0.0.1:"}});
    std::thread caller([&] { c.Get(service_path(n.node, "/px-slow/v1") + "/fetch?url=" + upstream.url()); });
    std::this_thread::sleep_for(300ms);
    const auto t0 = Clock::now();
    const int code = n.node.stop(SIGTERM);
    const double took = seconds_since(t0);
    caller.join();
    MESSAGE("SIGTERM during a stuck fetch: exited " << code << " after " << took * 1000 << " ms");
    CHECK(code == 0);
    CHECK(took < 30.0);  // liveness: the stop ended the fetch, not its 60 s limit
  }
}

TEST_CASE("guests that fetch another service of the same node do not starve the workers") {
  // More concurrent proxy requests than the node has cores: each holds a worker while its fetch
  // waits for the hello service, which needs a worker too. Stand-ins keep them all going.
  ServingNode n;
  deploy(*n.cli, "px", "template_proxy", "px",
         {{"MCM.BASE_API_PATH", "/px/v1"}, {"MCM.MAX_EXECUTION_TIME_SEC", "5"}, {"PROXY_ALLOW", "http://127.0.0.1:"}});
  const std::string path =
      service_path(n.node, "/px/v1") + "/fetch?url=http://127.0.0.1:" + std::to_string(n.node.port()) + n.hello_path();
  constexpr int kCallers = 16;
  std::atomic<int> ok{0};
  std::vector<std::thread> callers;
  const auto t0 = Clock::now();
  for (int i = 0; i < kCallers; ++i)
    callers.emplace_back([&] {
      httplib::Client c("127.0.0.1", n.node.port());
      c.set_read_timeout(10, 0);
      for (int j = 0; j < 5; ++j)
        if (auto res = c.Get(path); res && res->status == 200 && res->body == "hello v1") ++ok;
    });
  for (auto& t : callers) t.join();
  MESSAGE((kCallers * 5) << " nested fetches through the proxy in " << seconds_since(t0) * 1000 << " ms");
  CHECK(ok == kCallers * 5);  // none waited for its deadline: that answers 504
}
