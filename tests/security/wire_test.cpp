// Issue 23, "Response and request splitting" and "Smuggling", against a real edge-node: what a
// guest hands the node for the wire, and what a client sends it, is never read as more (or fewer)
// messages than it is. Each refusal names the problem.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <thread>

#include <doctest/doctest.h>

#include "security_util.hpp"

using namespace edge::test;
using namespace edge::test::node;
using namespace edge::test::security;
using namespace std::chrono_literals;

namespace {

// A loopback upstream that answers every connection once and counts the request lines it was sent
// (a split request shows as two).
class CountingUpstream {
 public:
  CountingUpstream() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~CountingUpstream() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/x"; }
  int requests() const { return requests_; }

 private:
  void serve() {
    for (;;) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      timeval tv{0, 300000};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::string got;
      char buf[4096];
      for (ssize_t n; (n = ::recv(c, buf, sizeof buf, 0)) > 0;) got.append(buf, size_t(n));
      for (size_t at = got.find(" HTTP/1.1\r\n"); at != std::string::npos; at = got.find(" HTTP/1.1\r\n", at + 1))
        ++requests_;
      const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      (void)::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// The responses in `raw`: one per status line ("HTTP/1.1 NNN "; a body need not end in a newline).
int responses_in(const std::string& raw) {
  int n = 0;
  for (size_t at = raw.find("HTTP/1.1 "); at != std::string::npos; at = raw.find("HTTP/1.1 ", at + 1)) {
    const bool status = at + 12 < raw.size() && std::isdigit(static_cast<unsigned char>(raw[at + 9])) &&
                        std::isdigit(static_cast<unsigned char>(raw[at + 10])) &&
                        std::isdigit(static_cast<unsigned char>(raw[at + 11])) && raw[at + 12] == ' ';
    n += status;
  }
  return n;
}

}  // namespace

TEST_CASE("a guest's header that would split the response is refused: 502, logged, one answer per request") {
  ServingNode n;
  deploy(*n.cli, "probe-v1", "engine_probe", "probe-v1");
  const std::string probe = service_path(n.node, "/probe/v1");
  struct Case {
    const char* what;
    std::string query;
    const char* logged;
  };
  const std::vector<Case> cases = {
      {"CR LF in a value", "status=200&name=x-a&value=1%0d%0aSet-Cookie:%20stolen=1", "CR, LF or NUL"},
      {"a whole second response in a value", "status=200&name=x-a&value=1%0d%0a%0d%0aHTTP/1.1%20200%20OK", "CR, LF"},
      {"NUL in a value", "status=200&name=x-a&value=1%00", "CR, LF or NUL"},
      {"a space in a name", "status=200&name=x%20a&value=1", "does not allow"},
      {"an empty name", "status=200&name=&value=1", "empty name"},
      {"an interim status", "status=101&name=x-a&value=1", "interim status"},
  };
  for (const auto& c : cases) {
    CAPTURE(std::string(c.what));
    // Two requests on one connection: exactly two answers come back, the first a 502.
    RawConnection conn(n.node.port());
    REQUIRE(conn.connected());
    const std::string get = "GET " + probe + "/answer?" + c.query + " HTTP/1.1\r\nHost: x\r\n\r\n";
    REQUIRE(conn.send(get + "GET " + probe + "/hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    const std::string raw = conn.read_until_closed(20s);
    CHECK(status_of(raw) == 502);
    CHECK(responses_in(raw) == 2);
    CHECK(raw.find("stolen") == std::string::npos);
    CHECK(raw.find("Set-Cookie") == std::string::npos);
    CHECK(service_log(*n.cli, "probe-v1").find(c.logged) != std::string::npos);
  }
  // A 204 carries no Content-Length (RFC 9110 8.6), and a good header goes through as it is.
  RawConnection conn(n.node.port());
  REQUIRE(conn.send("GET " + probe +
                    "/answer?status=204&name=x-a&value=b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  const std::string raw = conn.read_until_closed(20s);
  CHECK(status_of(raw) == 204);
  CHECK(raw.find("x-a: b\r\n") != std::string::npos);
  CHECK(raw.find("Content-Length") == std::string::npos);
}

TEST_CASE(
    "a fetch whose URL or header would split the request is refused to the guest, and the upstream sees it once or "
    "never") {
  CountingUpstream upstream;
  ServingNode n;
  deploy(*n.cli, "probe-v1", "engine_probe", "probe-v1");
  const std::string probe = service_path(n.node, "/probe/v1");
  auto fetch = [&](const std::string& query) {
    auto res = n.cli->Get(probe + "/fetch-with?" + query);
    REQUIRE(res);
    return res->body;
  };
  // A clean fetch reaches the upstream once: the counter counts.
  CHECK(fetch("url=" + upstream.url() + "&name=x-a&value=1").find("\"ok\"") != std::string::npos);
  CHECK(upstream.requests() == 1);
  // CR LF in the URL: a second request (DELETE) would follow the first on the wire.
  const std::string split_url = upstream.url() + "%20HTTP/1.1%0d%0aHost:%20x%0d%0a%0d%0aDELETE%20/x";
  std::string answer = fetch("url=" + split_url + "&name=x-a&value=1");
  CHECK(answer.find("control character") != std::string::npos);
  // CR LF in a header value, and a bad header name.
  answer = fetch("url=" + upstream.url() + "&name=x-a&value=1%0d%0aX-Injected:%201");
  CHECK(answer.find("CR, LF or NUL") != std::string::npos);
  answer = fetch("url=" + upstream.url() + "&name=x%0d%0aa&value=1");
  CHECK(answer.find("does not allow") != std::string::npos);
  std::this_thread::sleep_for(500ms);  // (a split request would have arrived by now)
  CHECK(upstream.requests() == 1);
}

TEST_CASE(
    "smuggling: a Transfer-Encoding other than chunked, or an ambiguous framing, is refused and the connection "
    "closed") {
  ServingNode n;
  const std::string body = "5\r\nhello\r\n0\r\n\r\n";
  const std::string next = "GET " + n.hello_path() + " HTTP/1.1\r\nHost: x\r\n\r\n";
  struct Case {
    const char* what;
    std::string headers;
    int status;
  };
  const std::vector<Case> cases = {
      {"xchunked", "Host: x\r\nTransfer-Encoding: xchunked\r\n", 501},
      {"gzip", "Host: x\r\nTransfer-Encoding: gzip\r\n", 501},
      {"chunked, identity", "Host: x\r\nTransfer-Encoding: chunked, identity\r\n", 501},
      {"Transfer-Encoding twice", "Host: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 400},
      {"Transfer-Encoding and Content-Length", "Host: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400},
      {"no Host", "", 400},
      {"two Hosts", "Host: x\r\nHost: y\r\n", 400},
  };
  for (const auto& c : cases) {
    CAPTURE(std::string(c.what));
    RawConnection conn(n.node.port());
    REQUIRE(conn.connected());
    conn.send("POST " + n.hello_path() + " HTTP/1.1\r\n" + c.headers + "\r\n" + body + next);
    const std::string raw = conn.read_until_closed(20s);
    CHECK(status_of(raw) == c.status);
    CHECK(responses_in(raw) == 1);  // the bytes after it were not read as another request
    CHECK(conn.closed_by_peer(5s));
  }
  // Exactly "chunked" (any case) is HTTP: the body is read as a body, then the next request.
  RawConnection conn(n.node.port());
  conn.send("POST " + n.hello_path() + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n" + body + "GET " +
            n.hello_path() + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string raw = conn.read_until_closed(20s);
  INFO(raw);
  CHECK(responses_in(raw) == 2);
  CHECK(status_of(raw) == 200);
  CHECK(node_answers(n.node.port()));
}

TEST_CASE("/jsonrpc/v1 takes small bodies only, and answers a deep one in words") {
  ServingNode n;
  auto big = n.cli->Post("/jsonrpc/v1", std::string(1u << 20, '['), "application/json");
  REQUIRE(big);
  CHECK(big->status == 413);
  CHECK(big->body.find("JSON-RPC") != std::string::npos);
  auto deep = n.cli->Post("/jsonrpc/v1", std::string(60000, '['), "application/json");
  REQUIRE(deep);
  CHECK(deep->status == 200);
  CHECK(deep->body.find("deeper than 32") != std::string::npos);
  auto me = n.cli->Post("/jsonrpc/v1", R"({"jsonrpc":"2.0","id":1,"method":"getMe","params":[]})", "application/json");
  REQUIRE(me);
  CHECK(me->body.find("nodeId") != std::string::npos);
}
