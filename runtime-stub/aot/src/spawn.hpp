#pragma once
// Starting the compiled tier's processes (the compile worker, the C compiler): stdin from
// /dev/null, stdout and stderr into a log file, and none of the node's descriptors (an inherited
// listening socket would outlive a killed node and keep its port busy while a compiler runs).
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace edge::node::aot {

// Starts argv[0] (searched on PATH) with `argv`. `own_group`: in a process group of its own, so
// that it and everything it starts can be killed at once (kill(-pid, ...)). The pid, or -1.
pid_t spawn_logged(const std::vector<std::string>& argv, const std::filesystem::path& log, bool own_group);

// Waits for `pid` (retrying on EINTR); its wait status.
int wait_for(pid_t pid);

// Runs argv to its end: the exit code, or -1 when it could not start or a signal ended it.
int run_logged(const std::vector<std::string>& argv, const std::filesystem::path& log);

}  // namespace edge::node::aot
