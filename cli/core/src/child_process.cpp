#include "edge/core/child_process.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <thread>

namespace edge {

int exit_code_of(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
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
  int status = 0;
  waitpid(pid, &status, 0);
  return exit_code_of(status);
}

}  // namespace edge
