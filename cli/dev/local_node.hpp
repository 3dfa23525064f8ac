#pragma once
// The edge-node that `edge dev` starts for itself: a child process on a loopback port, with its
// data dir inside the project (build/.edge-dev/node) and a token of its own. Stopping it stops
// exactly that child and nothing else.
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>

#include "edge/core/result.hpp"

namespace edge::dev {

class LocalNode {
 public:
  // Starts build/bin/edge-node (next to `edge`, else in PATH) and waits until its mCM API
  // answers. `port` 0: a free loopback port. The node's output goes to `log_file`.
  static Result<std::unique_ptr<LocalNode>> start(const std::filesystem::path& data_dir,
                                                  const std::filesystem::path& log_file, int port);
  ~LocalNode();
  LocalNode(const LocalNode&) = delete;
  LocalNode& operator=(const LocalNode&) = delete;

  // SIGTERM, then SIGKILL if it has not exited after a few seconds. Idempotent.
  void stop();

  const std::string& url() const { return url_; }
  const std::string& token() const { return token_; }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& log_file() const { return log_file_; }

 private:
  LocalNode() = default;
  pid_t pid_ = -1;
  std::string url_;
  std::string token_;
  std::filesystem::path log_file_;
};

}  // namespace edge::dev
