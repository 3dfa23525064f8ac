#pragma once
// One node per data dir. Two nodes on one dir would each sweep the other's in-flight temporary
// files at start, interleave record writes and fight over the port file (issue 23: seven nodes
// ran on one dir and uploads failed). The lock is flock(2) on <data-dir>/lock, which holds the
// holder's PID; the kernel drops it when the process ends, however it ends.
#include <filesystem>

#include "edge/core/result.hpp"

namespace edge::node {

class DataDirLock {
 public:
  // Takes the lock, or says who holds it.
  static Result<DataDirLock> take(const std::filesystem::path& data_dir);
  DataDirLock(DataDirLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  DataDirLock& operator=(DataDirLock&&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace edge::node
