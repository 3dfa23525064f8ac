#include "edge/core/subprocess.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

extern char** environ;

namespace edge {
namespace fs = std::filesystem;
namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  return args;
}

Error cannot_start(const std::string& program, int err) {
  return make_error(ErrorKind::Unavailable, "cannot run " + program + ": " + std::strerror(err),
                    "check that it is installed (`edge doctor` checks the toolchain)");
}

// posix_spawn cannot ask for a parent-death signal: fork, then only async-signal-safe calls.
Result<pid_t> spawn_tied_to_parent(const std::vector<std::string>& argv, const SpawnOptions& o) {
  auto args = c_argv(argv);  // made before fork
  const auto program = find_program(argv[0]);
  if (!program) return cannot_start(argv[0], ENOENT);
  const std::string path = program->string();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return cannot_start(argv[0], errno);
  if (pid == 0) {
    if (o.own_group) setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(0);  // the parent died before prctl
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0) dup2(in, 0);
    if (!o.output_file.empty()) {
      int out = open(o.output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (out >= 0) {
        dup2(out, 1);
        dup2(out, 2);
      }
    }
    close_range(3, ~0U, 0);
    execv(path.c_str(), args.data());
    _exit(127);
  }
  return pid;
}

// With the output into `out_fd` (a pipe's end) when it is not -1.
Result<pid_t> spawn_with(const std::vector<std::string>& argv, const SpawnOptions& o, int out_fd) {
  if (argv.empty()) return make_error(ErrorKind::Internal, "internal: an empty command line");
  if (o.die_with_parent) return spawn_tied_to_parent(argv, o);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (out_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, out_fd, 2);
  } else if (!o.output_file.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, o.output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  }
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (o.own_group) {
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  }
  auto args = c_argv(argv);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return cannot_start(argv[0], rc);
  return pid;
}

}  // namespace

Result<pid_t> spawn(const std::vector<std::string>& argv, const SpawnOptions& options) {
  return spawn_with(argv, options, -1);
}

Result<CapturedRun> run_captured(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return make_error(ErrorKind::Unavailable, std::string("cannot create a pipe: ") + std::strerror(errno));
  auto pid = spawn_with(argv, {}, fds[1]);
  close(fds[1]);
  if (!pid) {
    close(fds[0]);
    return pid.error();
  }
  CapturedRun result;
  char buf[16384];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) result.output.append(buf, static_cast<size_t>(n));
    else if (n == 0 || errno != EINTR) break;
  }
  close(fds[0]);
  result.exit_code = wait_for_child(*pid);
  return result;
}

Result<int> run_logged(const std::vector<std::string>& argv, const fs::path& log) {
  auto pid = spawn(argv, {.output_file = log});
  if (!pid) return pid.error();
  return wait_for_child(*pid);
}

std::optional<fs::path> find_program(std::string_view name) {
  std::error_code ec;
  auto executable = [&](const fs::path& p) { return fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0; };
  if (name.find('/') != std::string_view::npos) {
    if (executable(fs::path(name))) return fs::path(name);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!rest.empty()) {
    auto colon = rest.find(':');
    auto dir = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    if (dir.empty()) continue;
    auto candidate = fs::path(dir) / name;
    if (executable(candidate)) return candidate;
  }
  return std::nullopt;
}

int exit_code_of(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

int wait_for_child(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return exit_code_of(status);
}

std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds limit) {
  // Polling rather than a blocking waitpid: there is no portable waitpid with a timeout, and
  // the callers only wait seconds at most.
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return exit_code_of(status);
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int stop_child(pid_t pid, int signal, std::chrono::milliseconds grace) {
  kill(pid, signal);
  if (auto code = wait_for_exit(pid, grace)) return *code;
  kill(pid, SIGKILL);
  return wait_for_child(pid);
}

}  // namespace edge
