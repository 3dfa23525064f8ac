#pragma once
// Helpers for tests that drive the real binaries: no mocks, real processes and sockets.
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace edge::test {

std::filesystem::path bin_dir();     // build/bin
std::filesystem::path source_dir();  // the repository
std::filesystem::path edge_bin();    // build/bin/edge
std::filesystem::path node_bin();    // build/bin/edge-node

// A fresh folder under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& p) const { return path_ / p; }

 private:
  std::filesystem::path path_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs argv[0] with arguments, waits, and captures both streams. `env` adds to the environment.
RunResult run(const std::vector<std::string>& argv, const std::filesystem::path& cwd = {},
              const std::map<std::string, std::string>& env = {}, int timeout_seconds = 300);

// For a test case that cannot run on this machine (a tool it needs is missing): prints a marker
// that ctest reports as "Skipped" (SKIP_REGULAR_EXPRESSION, tests/CMakeLists.txt) with the reason.
// The case must then return; run directly, doctest counts it as passed and prints the reason.
void skip_test(const std::string& why);

// Whether this kernel has openat2 (Linux 5.6). The node's sandbox follows symlinks inside a
// preopened folder only through it; without it (old kernels, and qemu-user before 9.0, which
// scripts/cross.sh runs the ARM tests under) every symlink is refused.
bool have_openat2();

std::string read_file(const std::filesystem::path& p);
void write_file(const std::filesystem::path& p, const std::string& content);

// A loopback port that was free a moment ago.
int free_port();

// A real edge-node process on a loopback port with its own data dir. Stops it at scope exit.
class NodeProcess {
 public:
  struct Options {
    std::filesystem::path data_dir;    // required
    std::string token = "test-token";  // empty: --no-auth
    std::string client_id = "test-client";
    std::vector<std::string> extra_args;  // e.g. {"--engine", "interp"}
    int port = 0;                         // 0: pick a free one
    std::filesystem::path binary;         // empty: the build tree's edge-node (node_bin())
    // Both set: the node speaks HTTPS with them (--tls-cert, --tls-key), and the start checks
    // it against `tls_cert` (a self-signed one from `edge-node cert`).
    std::filesystem::path tls_cert, tls_key;
  };
  explicit NodeProcess(Options opts);
  ~NodeProcess();
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  bool start();                                 // spawns and waits until the mCM API answers (false on timeout)
  int exit_code() const { return exit_code_; }  // after a start() that failed because the node exited
  int stop(int signal = 15);  // SIGTERM by default; SIGKILL for crash tests. The exit code (-1: not running)
  bool running() const { return pid_ > 0; }
  int port() const { return opts_.port; }
  std::string url() const {
    return (opts_.tls_cert.empty() ? "http://127.0.0.1:" : "https://127.0.0.1:") + std::to_string(opts_.port);
  }
  const std::string& token() const { return opts_.token; }
  const std::string& client_id() const { return opts_.client_id; }
  std::string log() const;  // what the node printed so far
  // The port of the node's dashboard (an origin of its own), read from its start-up lines; 0 if not found.
  int dashboard_port() const;
  pid_t pid() const { return pid_; }

 private:
  Options opts_;
  int pid_ = -1;
  int exit_code_ = -1;
  std::filesystem::path log_path_;
};

// Builds a template into a project under `dir` with the real CLI (`edge new` + `edge build`)
// and returns the path of the .wasm; empty on failure (with the output in `why`).
std::filesystem::path build_template(const std::string& template_name, const std::string& service_name,
                                     const std::filesystem::path& dir, std::string* why = nullptr);

}  // namespace edge::test
