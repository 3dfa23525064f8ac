#pragma once
// Starting, waiting for and stopping the programs the tools run: the compiler and wasm-opt
// (`edge build`), edge-node (`edge dev`, `edge test`, the tests), the compile worker and the C
// compiler (the node's compiled tier). One module, as ninja has one Subprocess: every child gets
// stdin from /dev/null and none of the caller's other descriptors (an inherited listening socket
// would outlive a killed node and keep its port busy), and no caller waits forever on a child
// that ignores a signal, nor leaves a zombie behind.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edge/core/result.hpp"

namespace edge {

struct SpawnOptions {
  // Where stdout and stderr go: the caller's own (empty), or a file (truncated).
  std::filesystem::path output_file;
  // In a process group of its own, so that it and all it starts can be stopped at once
  // (kill(-pid, ...)), and Ctrl-C in the caller's terminal does not reach it.
  bool own_group = false;
  // SIGTERM when the caller dies (even by SIGKILL): a node started by `edge dev` goes with it.
  bool die_with_parent = false;
};

// Starts argv[0] (a path, or a name looked up in PATH). The pid, or an Error when it could not start.
Result<pid_t> spawn(const std::vector<std::string>& argv, const SpawnOptions& options = {});

struct CapturedRun {
  int exit_code = -1;  // see exit_code_of
  std::string output;  // stdout and stderr, interleaved as the program wrote them
};

// Runs argv to its end, capturing its output. An Error only when it could not start.
Result<CapturedRun> run_captured(const std::vector<std::string>& argv);

// Runs argv to its end with its output in `log`: its exit code (see exit_code_of), or an Error
// when it could not start.
Result<int> run_logged(const std::vector<std::string>& argv, const std::filesystem::path& log);

// The first executable `name` in PATH (or `name` itself when it holds a slash and exists).
std::optional<std::filesystem::path> find_program(std::string_view name);

// The exit code a shell reports: the program's own for a normal exit, 128+N when signal N killed it.
int exit_code_of(int wait_status);

// Waits (retrying on EINTR) until the child `pid` exits; its exit code (see exit_code_of).
int wait_for_child(pid_t pid);

// Polls until the child `pid` exits (and is reaped) or `limit` passes. Its exit code (see
// exit_code_of), or nothing when it is still running.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds limit);

// Sends `signal` to the child `pid` and gives it `grace` to exit; SIGKILL if it has not by then.
// Returns only once the child is reaped, with its exit code (see exit_code_of).
int stop_child(pid_t pid, int signal, std::chrono::milliseconds grace = std::chrono::seconds(5));

}  // namespace edge
