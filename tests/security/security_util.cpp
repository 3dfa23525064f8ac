#include "security_util.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include <doctest/doctest.h>

namespace edge::test::security {

using Clock = std::chrono::steady_clock;

// The node may refuse a request and close while a client still writes its body (that is the
// point of answering 401/413 from the headers): the write must fail, not kill the test.
[[maybe_unused]] const bool sigpipe_ignored = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

void deploy(httplib::Client& cli, const std::string& image, const std::string& module, const std::string& name,
            std::map<std::string, std::string> env, const std::string& version) {
  auto up = node::upload(cli, node::image_tar(image, version, node::test_module(module)));
  REQUIRE(up);
  REQUIRE_MESSAGE(up->status == 200, up->body);
  auto started = node::start_container(cli, name, std::move(env), image);
  REQUIRE(started);
  REQUIRE_MESSAGE(started->status == 200, started->body);
}

std::string service_log(httplib::Client& cli, const std::string& name) {
  auto res = cli.Get("/mcm/v1/containers/test-client-" + name + "/logs");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return res->body;
}

SilentUpstream::SilentUpstream(int backlog) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd_, backlog) == 0);
  REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  port_ = ntohs(addr.sin_port);
}

SilentUpstream::~SilentUpstream() { ::close(fd_); }

ServingNode::ServingNode() {
  REQUIRE(node.start());
  cli = node::client(node);
  deploy(*cli, "hello-v1", "node_hello_v1", "hello-v1");
}

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

namespace {
// A whole response: the header block, and Content-Length bytes of body after it.
bool complete(const std::string& r) {
  auto end = r.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::string head = r.substr(0, end);
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto cl = head.find("content-length:");
  if (cl == std::string::npos) return true;
  size_t length = std::strtoul(head.c_str() + cl + 15, nullptr, 10);
  return r.size() >= end + 4 + length;
}
}  // namespace

std::string RawConnection::read_until(std::chrono::milliseconds timeout, bool (*enough)(const std::string&)) {
  std::string out;
  const auto deadline = Clock::now() + timeout;
  char buf[8192];
  while (fd_ >= 0 && !(enough && enough(out))) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string RawConnection::read_response(std::chrono::milliseconds timeout) { return read_until(timeout, complete); }

std::string RawConnection::read_until_closed(std::chrono::milliseconds timeout) { return read_until(timeout, nullptr); }

bool RawConnection::closed_by_peer(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  char buf[4096];
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::max<long>(left, 1)));
    if (r < 0) return true;
    if (r == 0) continue;
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return true;  // EOF or reset
  }
  return false;
}

int status_of(const std::string& raw) {
  if (!raw.starts_with("HTTP/1.") || raw.size() < 12) return 0;
  return std::atoi(raw.c_str() + 9);
}

std::string body_of(const std::string& raw) {
  auto end = raw.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : raw.substr(end + 4);
}

long node_rss_kib(const std::filesystem::path& data_dir, std::string_view field) {
  std::string needle = " ";  // (built step by step: g++ 12 warns falsely about " " + s + " ")
  needle += data_dir.string();
  needle += ' ';
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = read_file(e.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find("edge-node") == std::string::npos || cmdline.find(needle) == std::string::npos) continue;
    std::istringstream status(read_file(e.path() / "status"));
    for (std::string line; std::getline(status, line);)
      if (line.starts_with(field)) return std::strtol(line.c_str() + field.size(), nullptr, 10);
  }
  return 0;
}

bool node_answers(int port) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(2, 0);
  cli.set_read_timeout(5, 0);
  auto res = cli.Get("/healthz");
  return res && res->status == 200;
}

}  // namespace edge::test::security
