#include "data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include <fmt/core.h>

namespace edge::node {
namespace fs = std::filesystem;

Result<DataDirLock> DataDirLock::take(const fs::path& data_dir) {
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  const fs::path path = data_dir / "lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)),
                      "check the data dir's permissions, or choose another --data-dir");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    const ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    ::close(fd);
    const std::string holder = n > 0 ? std::string(pid, size_t(n)) : std::string("another process");
    return make_error(fmt::format("the data dir {} is in use by another edge-node (PID {})", data_dir.string(),
                                  holder.substr(0, holder.find_first_of("\r\n"))),
                      "stop that node first, or give this one its own --data-dir");
  }
  const std::string mine = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, mine.data(), mine.size(), 0) != ssize_t(mine.size())) {
    // The lock holds without the PID in it; only a second node's message is poorer.
  }
  return DataDirLock(fd);
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace edge::node
