// Bad HTTP against a real node over raw sockets (issue 7): malformed requests, oversized headers
// and bodies, slow clients and many idle connections. Each is bounded (answered with a 4xx or
// closed), and the node keeps serving everyone else. Every wait here has a bound.
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

// Sends `request` on a fresh connection: the node must answer 4xx (or, with `may_answer`, any
// non-5xx status: e.g. a header line without a colon is skipped) or close, within 10 s.
void check_refused_or_closed(int port, const std::string& what, const std::string& request, bool may_answer = false) {
  CAPTURE(what);
  RawConnection c(port);
  REQUIRE(c.connected());
  c.send(request);  // the node may close before reading everything: that is fine
  std::string response = c.read_response(10s);
  if (response.empty()) {
    CHECK_MESSAGE(c.closed_by_peer(5s), "no answer and the connection is still open");
  } else {
    int status = status_of(response);
    const bool acceptable = (status >= 400 && status < 500) || (may_answer && status > 0 && status < 500);
    CHECK_MESSAGE(acceptable, response.substr(0, 200));
  }
  CHECK(node_answers(port));
}

std::string authorised_post(const std::string& path, const std::string& extra_headers) {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\n" + extra_headers + "\r\n";
}

}  // namespace

TEST_CASE("malformed requests get a 4xx or a closed connection, never a crash") {
  ServingNode n;
  const int port = n.node.port();
  std::string junk;
  for (int i = 0; i < 2048; ++i) junk += static_cast<char>((i * 37 + 11) % 256);
  struct Case {
    const char* what;
    std::string request;
    bool may_answer = false;
  };
  std::vector<Case> cases = {
      {"garbage request line", "GARBAGE\r\n\r\n"},
      {"method only", "GET\r\n\r\n"},
      {"no version", "GET /healthz\r\n\r\n"},
      {"extra token", "GET /healthz HTTP/1.1 extra\r\nHost: x\r\n\r\n"},
      {"unknown version", "GET /healthz HTTP/7.3\r\nHost: x\r\n\r\n"},
      {"binary junk", junk + "\r\n\r\n"},
      {"NUL in the request line", std::string("GET /he\0llo HTTP/1.1\r\nHost: x\r\n\r\n", 36)},
      {"header without colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", true},
      {"URI over 8 KiB", "GET /" + std::string(100 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"Content-Length not a number", authorised_post("/mcm/v1/containers", "Content-Length: abc\r\n")},
      {"negative Content-Length", authorised_post("/mcm/v1/containers", "Content-Length: -5\r\n")},
      {"Content-Length overflowing 64 bits",
       authorised_post("/mcm/v1/containers", "Content-Length: 99999999999999999999999\r\n")},
      {"bad chunk size",
       authorised_post("/mcm/v1/containers", "Transfer-Encoding: chunked\r\n") + "ZZZ\r\nabc\r\n0\r\n\r\n"},
      {"chunk longer than announced",
       authorised_post("/mcm/v1/containers", "Transfer-Encoding: chunked\r\n") + "2\r\nabcdefgh\r\n0\r\n\r\n"},
      {"bad JSON to the mCM API", authorised_post("/mcm/v1/containers", "Content-Length: 5\r\n") + "{nope"},
  };
  for (const auto& c : cases) check_refused_or_closed(port, c.what, c.request, c.may_answer);
  MESSAGE("malformed requests tried: " << cases.size());
  CHECK(n.cli->Get(n.hello_path())->body == "hello v1");
  CHECK(json_of(n.cli->Get("/mcm/v1/containers"))["data"].size() == 1);  // nothing changed
}

TEST_CASE("oversized headers are refused and the node goes on") {
  ServingNode n;
  const int port = n.node.port();
  check_refused_or_closed(port, "one 64 KiB header",
                          "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'h') + "\r\n\r\n");
  check_refused_or_closed(
      port, "a 64 KiB header to a service",
      "GET " + n.hello_path() + " HTTP/1.1\r\nHost: x\r\nCookie: " + std::string(64 * 1024, 'c') + "\r\n\r\n");
  check_refused_or_closed(
      port, "a 1 MiB Authorization header",
      "GET /mcm/v1/images HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(1 << 20, 't') + "\r\n\r\n");

  // Many small headers (2 MiB in all): answered or refused, but bounded and the node survives.
  std::string many = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 100000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  many += "Connection: close\r\n\r\n";
  RawConnection c(port);
  REQUIRE(c.connected());
  c.send(many);
  const int status = status_of(c.read_response(30s));
  MESSAGE("2 MiB of small headers answered with status " << status << " (0: connection closed)");
  CHECK(status != 500);
  CHECK(node_answers(port));
  CHECK(n.cli->Get(n.hello_path())->body == "hello v1");
}

TEST_CASE("bodies over the limit get 413, service bodies before they are read, unauthorised ones 401") {
  ServingNode n;
  const int port = n.node.port();
  auto ask = [&](const std::string& request) {
    RawConnection c(port);
    REQUIRE(c.connected());
    REQUIRE(c.send(request));
    return c.read_response(10s);  // no body is sent: the answer must not wait for it
  };
  // Services are public: their bodies are judged by Content-Length, nothing is read or buffered.
  auto service = ask("POST " + n.hello_path() + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
  CHECK(status_of(service) == 413);
  CHECK(body_of(service).find("over this service's limit of 8388608 bytes") != std::string::npos);
  auto just_over = ask("POST " + n.hello_path() + " HTTP/1.1\r\nHost: x\r\nContent-Length: 8388609\r\n\r\n");
  CHECK(status_of(just_over) == 413);
  CHECK(body_of(just_over).find("EDGE_MAX_BODY_BYTES") != std::string::npos);
  auto nobody = ask("POST /test-client/nothing/v1/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
  CHECK(status_of(nobody) == 413);

  auto anonymous = ask(
      "POST /mcm/v1/images HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-tar\r\nContent-Length: 50000000\r\n\r\n");
  CHECK(status_of(anonymous) == 401);
  CHECK(body_of(anonymous).find("\"code\":401") != std::string::npos);

  // An authorised upload over the node's 80 MiB: read and discarded (never stored), then 413.
  {
    RawConnection c(port);
    REQUIRE(c.connected());
    REQUIRE(
        c.send(authorised_post("/mcm/v1/images", "Content-Type: application/x-tar\r\nContent-Length: 100000000\r\n")));
    const std::string chunk(1 << 20, 'u');
    size_t sent = 0;
    while (sent + chunk.size() <= 100000000 && c.send(chunk)) sent += chunk.size();
    if (sent < 100000000) c.send(std::string(100000000 - sent, 'u'));
    auto upload = c.read_response(30s);
    CHECK(status_of(upload) == 413);
    CHECK(body_of(upload).find("\"code\":413") != std::string::npos);
  }
  CHECK(json_of(n.cli->Get("/mcm/v1/images"))["data"].size() == 1);
  CHECK(n.cli->Post(n.hello_path(), std::string(1000, 'b'), "text/plain")->body == "hello v1");
}

TEST_CASE("slow clients (a byte per 100 ms) do not stop the node from serving others") {
  ServingNode n;
  const int port = n.node.port();
  constexpr int kSlowClients = 8;  // more than the node has worker threads on this machine
  const std::string request = "GET " + n.hello_path() + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::atomic<int> slow_done{0}, slow_ok{0};
  std::vector<std::thread> slow;
  for (int i = 0; i < kSlowClients; ++i)
    slow.emplace_back([&] {
      RawConnection c(port);
      bool sent = c.connected();
      for (char ch : request) {
        if (!sent) break;
        sent = c.send(std::string_view(&ch, 1));
        std::this_thread::sleep_for(100ms);
      }
      if (sent && status_of(c.read_response(10s)) == 200) ++slow_ok;
      ++slow_done;
    });
  std::this_thread::sleep_for(500ms);  // every slow client is connected and dribbling
  int served_while_slow = 0;
  for (int i = 0; i < 20; ++i) {
    auto c = client(n.node);
    c->set_read_timeout(3, 0);
    auto r = c->Get(n.hello_path());
    if (r && r->status == 200 && slow_done == 0) ++served_while_slow;
  }
  for (auto& t : slow) t.join();
  MESSAGE("requests served while " << kSlowClients << " slow clients dribbled: " << served_while_slow << "/20");
  CHECK(served_while_slow == 20);
  CHECK(slow_ok == kSlowClients);  // the slow ones are answered too, in the end
}

TEST_CASE("200 idle connections held open do not block normal requests") {
  ServingNode n;
  const int port = n.node.port();
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 200; ++i) {
    idle.push_back(std::make_unique<RawConnection>(port));
    REQUIRE(idle.back()->connected());
  }
  std::this_thread::sleep_for(200ms);
  const auto started = Clock::now();
  int ok = 0;
  for (int i = 0; i < 20; ++i) {
    auto c = client(n.node);
    c->set_connection_timeout(3, 0);
    c->set_read_timeout(3, 0);
    auto r = c->Get(n.hello_path());
    ok += r && r->status == 200 && r->body == "hello v1";
    if (auto a = c->Get("/mcm/v1/images"); a && a->status == 200) ++ok;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  MESSAGE("with 200 idle connections: " << ok << "/40 requests answered in " << ms << " ms");
  CHECK(ok == 40);
  // The node closes idle connections itself after its keep-alive timeout (bounded, not forever).
  int closed = 0;
  for (auto& c : idle) closed += c->closed_by_peer(closed == 0 ? 15s : 100ms);
  CHECK(closed == 200);
  CHECK(node_answers(port));
}

// Issue 23's critical finding: text from outside that is not valid UTF-8, echoed into a JSON
// answer, made nlohmann's dump() throw and ended the process. Each of these killed the node.
TEST_CASE("invalid UTF-8 anywhere in a request is answered, and the node lives on") {
  ServingNode n;
  const std::string token = "Authorization: Bearer " + n.node.token() + "\r\n";
  std::string rpc_body = R"({"jsonrpc":"2.0","id":1,"method":")" + std::string(99, 'a') + "\xc3\xa9\"}";
  struct Case {
    const char* what;
    int port;
    std::string request;
    int status;
  };
  const std::vector<Case> cases = {
      {"a path that decodes to 0xFF", n.node.port(), "GET /%ff HTTP/1.1\r\nHost: x\r\n\r\n", 404},
      {"the same on the dashboard port", n.node.dashboard_port(), "GET /%ff HTTP/1.1\r\nHost: x\r\n\r\n", 404},
      {"a JSON-RPC method cut inside a character", n.node.port(),
       "POST /jsonrpc/v1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(rpc_body.size()) + "\r\n\r\n" + rpc_body,
       200},
      {"x-client-id: 0xFF", n.node.port(),
       "GET /mcm/v1/images HTTP/1.1\r\nHost: x\r\n" + token + "x-client-id: \xff\r\n\r\n", 400},
      {"an image name that decodes to 0xFF", n.node.port(),
       "GET /mcm/v1/images/%ff HTTP/1.1\r\nHost: x\r\n" + token + "\r\n", 404},
      {"a service path with 0xFF", n.node.port(), "GET " + n.hello_path() + "%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n", 200},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    RawConnection conn(c.port);
    REQUIRE(conn.connected());
    REQUIRE(conn.send(c.request));
    const std::string response = conn.read_response(20s);
    CHECK(status_of(response) == c.status);
    // The answer is JSON every reader takes: what was invalid became U+FFFD.
    const std::string body = body_of(response);
    if (body.starts_with("{")) CHECK_MESSAGE(!nlohmann::json::parse(body, nullptr, false).is_discarded(), body);
    REQUIRE(node_answers(n.node.port()));
  }
  CHECK(json_of(n.cli->Get("/mcm/v1/stats"))["internalErrors"] == 0);  // refused in words, not by a caught crash
}

// Issue 23's slow bodies: uploads that never finish pin memory, and bodies that trickle in hold
// their connection. Both are bounded now.
TEST_CASE("unfinished uploads are held within the node's body budget, and a trickling body is cut") {
  TempDir tmp;
  NodeProcess node(node_options(tmp / "data", {"--body-budget-mb", "32"}));
  REQUIRE(node.start());
  auto cli = client(node);
  deploy(*cli, "hello-v1", "node_hello_v1", "hello-v1");
  const std::string path = service_path(node, "/hello/v1") + "/";
  const long rss_before = node_rss_kib(tmp / "data");
  // Eight uploads announcing 7 MiB each and sending 6: the first four fit the 32 MiB budget, the
  // rest are refused at their headers.
  std::vector<std::unique_ptr<RawConnection>> uploads;
  int refused = 0;
  for (int i = 0; i < 8; ++i) {
    auto c = std::make_unique<RawConnection>(node.port());
    REQUIRE(c->connected());
    c->send("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(7u << 20) + "\r\n\r\n");
    const std::string answer = c->read_response(3s);  // a refusal comes at once; an admitted upload waits
    if (status_of(answer) == 503) {
      ++refused;
      CHECK(body_of(answer).find("request bodies") != std::string::npos);
      continue;
    }
    c->send(std::string(6u << 20, 'x'));
    uploads.push_back(std::move(c));
  }
  const long rss_held = node_rss_kib(tmp / "data");
  MESSAGE("unfinished 7 MiB uploads: " << uploads.size() << " held, " << refused << " refused; node RSS "
                                       << rss_before / 1024 << " -> " << rss_held / 1024 << " MiB");
  CHECK(uploads.size() == 4);
  CHECK(refused == 4);
  CHECK(rss_held - rss_before < 64 * 1024);  // the budget and some, not 8 x 7 MiB
  CHECK(node_answers(node.port()));          // others are served meanwhile
  uploads.clear();                           // the budget comes back with the connections
  std::this_thread::sleep_for(500ms);
  RawConnection again(node.port());
  again.send("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(status_of(again.read_response(20s)) == 200);

  // A body that trickles in, a byte at a time, is cut after the grace period (10 s) with 408: it
  // never reaches 1 KiB a second.
  RawConnection slow(node.port());
  slow.send("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
  std::string answer;
  const auto until = std::chrono::steady_clock::now() + 60s;  // liveness; the cut comes after ~10-12 s
  while (answer.empty() && std::chrono::steady_clock::now() < until) {
    if (!slow.send("x")) break;
    answer = slow.read_response(std::chrono::milliseconds(1000));
  }
  if (answer.empty()) answer = slow.read_response(5s);
  CHECK(status_of(answer) == 408);
  CHECK(body_of(answer).find("slower than") != std::string::npos);
}
