#include "sandbox.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <vector>

#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define EDGE_HAVE_OPENAT2 1
#endif

namespace edge::node {
namespace {

std::atomic<bool> g_openat2_missing{false};

// The portable fallback: walk the components ourselves, never following a symlink.
int open_by_walk(int dirfd, std::string_view path, int flags, unsigned mode) {
  if (!path.empty() && path.front() == '/') return -EXDEV;
  // "x/" names a directory (the split below drops the '/'): what open(2) does with it.
  if (path.size() > 1 && path.back() == '/') {
    if (flags & O_CREAT) return -EISDIR;
    flags |= O_DIRECTORY;
  }
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    std::string part(path.substr(pos, slash == std::string_view::npos ? path.npos : slash - pos));
    if (part == "..") {
      if (parts.empty()) return -EXDEV;
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  if (parts.empty()) return ::openat(dirfd, ".", flags | O_CLOEXEC, mode);
  int cur = ::dup(dirfd);
  if (cur < 0) return -errno;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    int next = ::openat(cur, parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;
    ::close(cur);
    if (next < 0) return err == ELOOP ? -EXDEV : -err;
    cur = next;
  }
  int fd = ::openat(cur, parts.back().c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
  int err = errno;
  ::close(cur);
  if (fd < 0) return err == ELOOP ? -EXDEV : -err;
  return fd;
}

// openat2 when the kernel has it, else the walk; any file type.
int open_any_type_beneath(int dirfd, const std::string& p, int flags, unsigned mode, bool follow_final) {
#ifdef EDGE_HAVE_OPENAT2
  // EDGE_SANDBOX_NO_OPENAT2=1 forces the fallback walk (tests exercise it on new kernels too).
  const bool forced_walk = std::getenv("EDGE_SANDBOX_NO_OPENAT2") != nullptr;
  if (!forced_walk && !g_openat2_missing.load(std::memory_order_relaxed)) {
    struct open_how how{};
    how.flags = uint64_t(flags | O_CLOEXEC | (follow_final ? 0 : O_NOFOLLOW));
    // O_TMPFILE shares bits with O_DIRECTORY: test it whole, or directories get a mode (EINVAL).
    how.mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    long fd = ::syscall(SYS_openat2, dirfd, p.c_str(), &how, sizeof how);
    if (fd >= 0) return int(fd);
    if (errno != ENOSYS) return -errno;
    g_openat2_missing.store(true, std::memory_order_relaxed);
  }
#endif
  (void)follow_final;  // the walk never follows symlinks
  return open_by_walk(dirfd, p, flags, mode);
}

}  // namespace

int open_beneath(int dirfd, std::string_view path, int flags, unsigned mode, bool follow_final) {
  std::string p(path.empty() ? std::string_view(".") : path);
  if (flags & O_PATH) return open_any_type_beneath(dirfd, p, flags, mode, follow_final);
  int fd = open_any_type_beneath(dirfd, p, flags | O_NONBLOCK, mode, follow_final);
  if (fd < 0) return fd == -ENXIO || fd == -ENODEV ? -ENXIO : fd;  // a FIFO without a reader, a device
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
    ::close(fd);
    return -ENXIO;
  }
  if (!(flags & O_NONBLOCK)) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

int open_parent_beneath(int dirfd, std::string_view path, std::string& leaf) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return -ENOENT;
  const size_t slash = path.rfind('/');
  leaf = std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
  if (leaf.empty() || leaf == "." || leaf == "..") return -EINVAL;
  std::string_view parent = slash == std::string_view::npos ? std::string_view(".")
                            : slash == 0                    ? std::string_view("/")
                                                            : path.substr(0, slash);
  return open_any_type_beneath(dirfd, std::string(parent), O_PATH | O_DIRECTORY, 0, true);
}

}  // namespace edge::node
