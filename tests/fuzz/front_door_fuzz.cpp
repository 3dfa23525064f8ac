// The node's front door: raw request bytes through the real HTTP layer (Beast on Asio) and the
// real routes, on a real node listening on loopback with a service deployed. The first byte picks
// the door (node or dashboard port) and whether the mCM token is sent; the rest goes on the wire
// as it is. After every input the node must still answer /healthz, and must not have failed
// inside (its count of internal errors, each one an exception caught at a connection or a job,
// stays 0): a request may be refused, never crash or break the node.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "access_log.hpp"
#include "edge/core/image.hpp"
#include "edge/node/interp_engine.hpp"
#include "execution_pool.hpp"
#include "http_server.hpp"
#include "node.hpp"
#include "routes.hpp"

namespace {

constexpr const char* kToken = "fuzz-token";

// One blocking exchange: connect, send `bytes`, half-close, read until the node closes or
// `timeout_ms` passes without a byte. Returns what came back.
std::string round_trip(int port, std::string_view bytes, int timeout_ms = 2000, std::string* why = nullptr) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = -1;
  // Thousands of connections a second: a port still held by an earlier one (EADDRNOTAVAIL) is the
  // harness's limit, not the node's; wait a moment for one.
  for (int attempt = 0; attempt < 200 && fd < 0; ++attempt) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) std::abort();
    // Closed with a reset, so that neither side keeps the port pair in TIME_WAIT.
    const linger abort_on_close{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) break;
    const int err = errno;  // (EINTR too: the connection then completes on its own; a new one is as good)
    ::close(fd);
    fd = -1;
    if (why) *why = std::string("connect: ") + std::strerror(err);
    if (err != EADDRNOTAVAIL && err != EAGAIN && err != EINTR) return {};
    ::usleep(10000);
  }
  if (fd < 0) return {};
  for (size_t sent = 0; sent < bytes.size();) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the node closed early (a refusal): what it said is still readable
    sent += size_t(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[16384];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    // libFuzzer's timer (SIGALRM, for -timeout) interrupts poll and recv now and then: EINTR is
    // not the node's silence. (Before this, the harness took it for a node that stopped answering.)
    const int ready = ::poll(&p, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      if (why) *why = "no byte for " + std::to_string(timeout_ms) + " ms";
      break;
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && why) *why = std::string("recv: ") + std::strerror(errno);
    if (n <= 0) break;
    if (out.size() < (1u << 20)) out.append(buf, size_t(n));
  }
  ::close(fd);
  return out;
}

// A node with both doors open and hello deployed, for the whole run; its data dir goes with it.
struct FuzzNode {
  std::filesystem::path dir;
  // On, as by default: traceparent and /metrics are fuzzed too. Before the node: its services'
  // series are removed from it when the node goes (at exit), so it must go after.
  std::unique_ptr<edge::node::NodeMetrics> metrics;
  std::unique_ptr<edge::node::Node> node;
  std::unique_ptr<edge::node::ExecutionPool> pool;
  std::unique_ptr<edge::node::AccessLog> access_log;
  std::unique_ptr<edge::node::NodeRoutes> node_routes, dashboard_routes;
  std::unique_ptr<edge::node::HttpServer> http;
  int node_port = 0, dashboard_port = 0;

  FuzzNode() {
    // The access log's line per input would fill the fuzzer's log: libFuzzer reports on stderr.
    if (int devnull = ::open("/dev/null", O_WRONLY); devnull >= 0) ::dup2(devnull, 1), ::close(devnull);
    char tmpl[] = "/tmp/edge-fuzz-front-door-XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    dir = tmpl;
    metrics = std::make_unique<edge::node::NodeMetrics>();
    edge::node::NodeOptions options{
        dir, {"fuzz-client", kToken, {}, false, std::nullopt, std::nullopt, {}, false}, 0, metrics.get()};
    node = std::make_unique<edge::node::Node>(options, edge::node::make_interp_engine());
    if (!node->open().ok()) std::abort();
    deploy_hello();
    pool = std::make_unique<edge::node::ExecutionPool>(2, 16, 64);
    access_log = std::make_unique<edge::node::AccessLog>();
    http = std::make_unique<edge::node::HttpServer>();
    using edge::node::Door;
    node_routes = std::make_unique<edge::node::NodeRoutes>(
        *node, *pool, *access_log, edge::node::RouteOptions{Door::Node, kToken, {}, metrics.get(), {}});
    dashboard_routes = std::make_unique<edge::node::NodeRoutes>(
        *node, *pool, *access_log, edge::node::RouteOptions{Door::Dashboard, kToken, {}, metrics.get(), {}});
    auto a = http->listen("127.0.0.1", 0, *node_routes);
    auto b = http->listen("127.0.0.1", 0, *dashboard_routes);
    if (!a || !b) std::abort();
    node_port = *a;
    dashboard_port = *b;
    node_routes->set_ports(node_port, dashboard_port);
    dashboard_routes->set_ports(node_port, dashboard_port);
    http->on_failure([this](const std::string& what) { node->report_internal_error(what); });
    http->start();
  }

  void deploy_hello() {
    std::ifstream in(EDGE_FUZZ_HELLO_WASM, std::ios::binary);
    std::vector<uint8_t> wasm((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (wasm.empty()) std::abort();
    auto tar = edge::write_image({"hello-v1", "1.0.0", wasm});
    if (!node->upload_image("fuzz-client", tar)) std::abort();
    nlohmann::json start = {{"name", "hello-v1"}, {"image", "hello-v1"}, {"env", {{"MCM.BASE_API_PATH", "/hello/v1"}}}};
    if (!node->start_container("fuzz-client", start)) std::abort();
  }

  ~FuzzNode() {
    http->stop();
    pool->stop();
    pool->wait_idle(std::chrono::milliseconds(2000));
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  uint64_t internal_errors() const { return node->stats_json()["internalErrors"].get<uint64_t>(); }
};

FuzzNode& fuzz_node() {
  static FuzzNode instance;
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  FuzzNode& n = fuzz_node();
  const bool dashboard = data[0] & 1;
  const bool with_token = data[0] & 2;
  std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  if (with_token) {
    // After the request line, so that the mCM routes behind the token are reached too.
    const auto eol = bytes.find("\r\n");
    if (eol != std::string::npos) bytes.insert(eol + 2, std::string("Authorization: Bearer ") + kToken + "\r\n");
  }
  round_trip(dashboard ? n.dashboard_port : n.node_port, bytes);

  // A liveness bound, not a latency one (ASan, a loaded 2-core machine): a node that is gone or
  // wedged never answers.
  std::string why;
  const std::string health =
      round_trip(n.node_port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 20000, &why);
  if (!health.starts_with("HTTP/1.1 200") || health.find("\r\n\r\nok\n") == std::string::npos) {
    std::fprintf(stderr, "front door: /healthz did not answer 200 ok after this input (%s): '%s'\n", why.c_str(),
                 health.c_str());
    std::abort();
  }
  if (n.internal_errors() != 0) {
    std::fprintf(stderr, "front door: this input made the node fail inside (an exception, answered 500)\n");
    std::abort();
  }
  return 0;
}
