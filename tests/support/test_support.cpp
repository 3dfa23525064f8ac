#include "test_support.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <httplib.h>

#include "edge/core/subprocess.hpp"
#include "edge/core/loopback_port.hpp"

namespace edge::test {
namespace fs = std::filesystem;

fs::path bin_dir() { return EDGE_BIN_DIR; }
fs::path source_dir() { return EDGE_SOURCE_DIR; }
fs::path edge_bin() { return bin_dir() / "edge"; }
fs::path node_bin() { return bin_dir() / "edge-node"; }

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "edge-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}
TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& content) {
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
}

namespace {
[[noreturn]] void exec_child(const std::vector<std::string>& argv, const fs::path& cwd,
                             const std::map<std::string, std::string>& env) {
  if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
  for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}
}  // namespace

RunResult run(const std::vector<std::string>& argv, const fs::path& cwd, const std::map<std::string, std::string>& env,
              int timeout_seconds) {
  TempDir io;
  auto out_path = io / "out", err_path = io / "err";
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out, 1);
    dup2(err, 2);
    exec_child(argv, cwd, env);
  }
  RunResult r;
  if (auto code = wait_for_exit(pid, std::chrono::seconds(timeout_seconds))) {
    r.exit_code = *code;
  } else {
    r.exit_code = stop_child(pid, SIGKILL);
    r.err = "timed out after " + std::to_string(timeout_seconds) + "s\n";
  }
  r.out = read_file(out_path);
  r.err += read_file(err_path);
  return r;
}

int free_port() { return free_loopback_port(); }

NodeProcess::NodeProcess(Options opts) : opts_(std::move(opts)) {
  if (opts_.port == 0) opts_.port = free_port();
  log_path_ = opts_.data_dir.parent_path() / (opts_.data_dir.filename().string() + ".node.log");
}

NodeProcess::~NodeProcess() { stop(); }

bool NodeProcess::start() {
  std::vector<std::string> argv = {(opts_.binary.empty() ? node_bin() : opts_.binary).string(),
                                   "--port",
                                   std::to_string(opts_.port),
                                   "--data-dir",
                                   opts_.data_dir.string(),
                                   "--client-id",
                                   opts_.client_id};
  if (opts_.token.empty()) argv.push_back("--no-auth");
  else argv.insert(argv.end(), {"--token", opts_.token});
  if (!opts_.tls_cert.empty())
    argv.insert(argv.end(), {"--tls-cert", opts_.tls_cert.string(), "--tls-key", opts_.tls_key.string()});
  argv.insert(argv.end(), opts_.extra_args.begin(), opts_.extra_args.end());
  pid_ = fork();
  if (pid_ == 0) {
    int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(log, 1);
    dup2(log, 2);
    exec_child(argv, {}, {});
  }
  httplib::Client cli(url());
  if (!opts_.tls_cert.empty()) cli.set_ca_cert_path(opts_.tls_cert.string());
  cli.set_connection_timeout(0, 200000);
  httplib::Headers headers;
  if (!opts_.token.empty()) headers.emplace("Authorization", "Bearer " + opts_.token);
  for (int i = 0; i < 300; ++i) {
    if (auto res = cli.Get("/mcm/v1/images", headers); res && res->status == 200) return true;
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int NodeProcess::stop(int signal) {
  if (pid_ <= 0) return -1;
  int code = stop_child(pid_, signal);
  pid_ = -1;
  return code;
}

std::string NodeProcess::log() const { return read_file(log_path_); }

int NodeProcess::dashboard_port() const {
  const std::string text = log();
  static const std::string marker = "dashboard at http";
  auto at = text.find(marker);
  if (at == std::string::npos) return 0;
  auto colon = text.find(':', text.find("://", at) + 3);
  return colon == std::string::npos ? 0 : std::atoi(text.c_str() + colon + 1);
}

fs::path build_template(const std::string& template_name, const std::string& service_name, const fs::path& dir,
                        std::string* why) {
  auto made = run(
      {edge_bin().string(), "new", service_name, "--template", template_name, "--dir", (dir / service_name).string()});
  if (made.exit_code != 0) {
    if (why) *why = made.out + made.err;
    return {};
  }
  auto built = run({edge_bin().string(), "build"}, dir / service_name);
  if (built.exit_code != 0) {
    if (why) *why = built.out + built.err;
    return {};
  }
  return dir / service_name / "build" / (service_name + ".wasm");
}

void skip_test(const std::string& why) {
  std::printf("EDGE-TEST-SKIPPED: %s\n", why.c_str());
  std::fflush(stdout);
}

bool have_openat2() {
  open_how how{};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  const long fd = ::syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how);
  if (fd >= 0) ::close(int(fd));
  return fd >= 0 || errno != ENOSYS;
}

}  // namespace edge::test
