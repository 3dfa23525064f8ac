#include "dev/local_node.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include "edge/core/loopback_port.hpp"
#include "edge/core/subprocess.hpp"
#include "mcm_client.hpp"
#include "paths.hpp"

namespace edge::dev {
namespace fs = std::filesystem;

namespace {

std::string random_token() {
  std::random_device rd;
  std::string out;
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) out += hex[rd() % 16];
  return out;
}

std::optional<fs::path> find_node_binary() {
  auto beside = paths::executable_dir() / "edge-node";
  if (access(beside.c_str(), X_OK) == 0) return beside;
  return find_program("edge-node");
}

std::string tail_of(const fs::path& file, size_t max_bytes = 1500) {
  std::ifstream in(file, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > max_bytes ? all.substr(all.size() - max_bytes) : all;
}

}  // namespace

Result<std::unique_ptr<LocalNode>> LocalNode::start(const fs::path& data_dir, const fs::path& log_file, int port) {
  auto binary = find_node_binary();
  if (!binary)
    return make_error("cannot find edge-node next to edge or in PATH",
                      "build it (`cmake --build build --target edge-node`), or pass --node URL of a running node");
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec)
    return make_error("cannot create " + data_dir.string() + ": " + ec.message(), "check the project's permissions");
  if (port == 0) port = free_loopback_port();
  if (port == 0) return make_error("no free loopback port", "pass --port P");

  std::unique_ptr<LocalNode> node(new LocalNode());
  node->token_ = random_token();
  node->url_ = "http://127.0.0.1:" + std::to_string(port);
  node->log_file_ = log_file;
  // The token goes in the data dir's token file (0600), where the node reads it and where `edge
  // ls/logs/rm` inside the project find it; never on the command line, which other local users
  // can read in the process list.
  {
    const fs::path token_file = data_dir / "token";
    const int fd = ::open(token_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return make_error("cannot write " + token_file.string(), "check the project's permissions");
    const std::string line = node->token_ + "\n";
    const bool written = ::write(fd, line.data(), line.size()) == ssize_t(line.size());
    ::fchmod(fd, 0600);
    ::close(fd);
    if (!written) return make_error("cannot write " + token_file.string(), "check the free disk space");
    // Where the node answers, beside its data dir: `edge ls/logs/rm --node URL` pick its token for it.
    std::ofstream(data_dir.parent_path() / "node.url") << node->url_ << "\n";
  }
  const std::vector<std::string> argv = {binary->string(),     "--host",     "127.0.0.1",      "--port",
                                         std::to_string(port), "--data-dir", data_dir.string()};
  // Its own process group: Ctrl-C reaches `edge dev`, which then stops the node itself; and if
  // `edge dev` dies without cleaning up (SIGKILL), the node goes with it.
  auto spawned = spawn(argv, {.output_file = log_file, .own_group = true, .die_with_parent = true});
  if (!spawned) return make_error("cannot start edge-node: " + spawned.error().message, spawned.error().hint);
  const pid_t pid = *spawned;
  node->pid_ = pid;

  mcm::Client client(node->url_, node->token_, mcm::Timeouts{1, 2});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (client.list_images()) return node;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      node->pid_ = -1;
      return make_error("edge-node exited at start:\n" + tail_of(log_file),
                        "another process may hold port " + std::to_string(port) + "; try another --port");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  node->stop();
  return make_error("edge-node did not answer on " + node->url_ + " within 20 s:\n" + tail_of(log_file),
                    "see " + log_file.string());
}

void LocalNode::stop() {
  if (pid_ <= 0) return;
  stop_child(pid_, SIGTERM);
  pid_ = -1;
}

LocalNode::~LocalNode() { stop(); }

}  // namespace edge::dev
