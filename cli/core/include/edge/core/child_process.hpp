#pragma once
// Waiting for and stopping a child process we started (`edge dev`'s local node, the tests'
// nodes and CLI runs). One place for "ask it to exit, wait a bounded time, then kill it", so no
// caller waits forever on a child that ignores the signal, and none leaves a zombie behind.
#include <sys/types.h>

#include <chrono>
#include <optional>

namespace edge {

// The exit code a shell reports: the program's own for a normal exit, 128+N when signal N killed it.
int exit_code_of(int wait_status);

// Polls until the child `pid` exits (and is reaped) or `limit` passes. Its exit code (see
// exit_code_of), or nothing when it is still running.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds limit);

// Sends `signal` to the child `pid` and gives it `grace` to exit; SIGKILL if it has not by then.
// Returns only once the child is reaped, with its exit code (see exit_code_of).
int stop_child(pid_t pid, int signal, std::chrono::milliseconds grace = std::chrono::seconds(5));

}  // namespace edge
