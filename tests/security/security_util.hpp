#pragma once
// Shared by the security tests (issue 7): raw sockets for what an HTTP client would never send,
// a deploy helper, and the node's log of one container. The mCM helpers (upload, start_container,
// json_of...) and main() come from tests/node/node_test_util.
#include <chrono>
#include <map>
#include <string>

#include "node_test_util.hpp"

namespace edge::test::security {

// Uploads `module` (a stem of EDGE_TEST_WASM_DIR) as image `image` and starts container `name` from
// it with `env`. REQUIREs success.
void deploy(httplib::Client& cli, const std::string& image, const std::string& module, const std::string& name,
            std::map<std::string, std::string> env = {}, const std::string& version = "1.0.0");

// The service log of container `name` through the mCM API.
std::string service_log(httplib::Client& cli, const std::string& name);

// A node serving the "hello-v1" test service (tests/data/node/node_hello_v1.wat), answering
// "hello v1" at hello_path().
struct ServingNode {
  TempDir tmp;
  NodeProcess node{node::node_options(tmp / "data")};
  std::unique_ptr<httplib::Client> cli;
  ServingNode();
  std::string hello_path() const { return node::service_path(node, "/hello/v1") + "/"; }
};

// A TCP connection to 127.0.0.1:port, closed at scope exit. Every call is bounded in time.
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  bool connected() const { return fd_ >= 0; }
  bool send(std::string_view bytes);  // false when the peer is gone
  // Reads until the peer closes, `timeout` passes, or a whole response (headers + Content-Length
  // body) has arrived.
  std::string read_response(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Everything the peer sends until it closes the connection or `timeout` passes.
  std::string read_until_closed(std::chrono::milliseconds timeout);
  // True when the peer closed the connection (or reset it) within `timeout`.
  bool closed_by_peer(std::chrono::milliseconds timeout);

 private:
  // Reads until `enough` says so (never, if null), the peer closes, or `timeout` passes.
  std::string read_until(std::chrono::milliseconds timeout, bool (*enough)(const std::string&));
  int fd_ = -1;
};

// "HTTP/1.1 413 Payload Too Large\r\n..." -> 413; 0 when `response` has no status line.
int status_of(const std::string& raw_response);
// The body after the blank line of a raw response.
std::string body_of(const std::string& raw_response);

// Resident memory (KiB) of the edge-node process serving `data_dir`; 0 if not found. `field` is a
// line of /proc/PID/status: "VmRSS:" now, "VmHWM:" the peak so far.
long node_rss_kib(const std::filesystem::path& data_dir, std::string_view field = "VmRSS:");

// A TCP port on loopback that accepts connections (the kernel's backlog does, up to `backlog`)
// and never says a word: an upstream or collector that hangs.
class SilentUpstream {
 public:
  explicit SilentUpstream(int backlog = 64);
  ~SilentUpstream();
  SilentUpstream(const SilentUpstream&) = delete;
  SilentUpstream& operator=(const SilentUpstream&) = delete;
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/silent"; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// True when GET /healthz answers 200 within a few seconds: the node is alive and serving.
bool node_answers(int port);

}  // namespace edge::test::security
