// WASI preview1 on paths, always relative to a directory descriptor and confined beneath it
// (sandbox.hpp): no `..`, absolute path, symlink or rename leads out of a preopen. Calls that act
// on a path's last component itself open its parent beneath the directory and use the *at()
// call on a name without '/'.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sandbox.hpp"
#include "wasi_internal.hpp"

namespace edge::node {
using namespace wasi;

namespace {

// A guest path argument: its bytes, refused (EINVAL) when they hold a NUL.
bool read_path(HostContext& ctx, int32_t ptr, int32_t len, const char* what, std::string& out) {
  out = ctx.read_bytes(uint32_t(ptr), uint32_t(len), what);
  return out.find('\0') == std::string::npos;
}

// The directory `fd` with the `needed` rights, or the errno to answer.
FdEntry* directory_with(HostContext& ctx, int32_t fd, uint64_t needed, int32_t& err) {
  FdEntry* e = fd_with(ctx, fd, needed, err);
  if (!e) return nullptr;
  if (e->kind != FdEntry::Kind::Directory) {
    err = kNotdir;
    return nullptr;
  }
  return e;
}

// An open parent folder (closed at scope exit) and the last component of a path beneath `dir`.
struct Parent {
  int fd = -1;
  std::string leaf;
  int32_t err = kSuccess;
  // A trailing '/': the path names a directory (POSIX). The *at() calls on the leaf never see it
  // (a leaf has no '/'), so each call checks what it means for it (the rules below).
  bool names_directory = false;
  Parent(const FdEntry& dir, std::string_view path) {
    names_directory = path.size() > 1 && path.back() == '/';
    fd = open_parent_beneath(dir.host_fd, path, leaf);
    if (fd < 0) err = wasi_errno(-fd);
  }
  // What the leaf is, without following it: 'd' a directory, 'l' a symlink, 'f' anything else,
  // 0 nothing (or it cannot be told).
  char leaf_kind() const {
    struct stat st{};
    if (::fstatat(fd, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return 0;
    return S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : 'f';
  }
  ~Parent() {
    if (fd >= 0) ::close(fd);
  }
  Parent(const Parent&) = delete;
  Parent& operator=(const Parent&) = delete;
};

// What a trailing '/' on a call's path means for it.
enum class Slash {
  Existing,  // the call acts on what is there: it must be a directory (ENOTDIR), or ENOENT
  NewName,   // the call makes a link there, which is never a directory: EEXIST when taken, else ENOENT
  Allowed,   // mkdir and a rename's new name: "d/" is "d" (a rename then checks what it moves)
};

// The error a trailing '/' makes of `parent`'s leaf under `rule`, or kSuccess.
int32_t slash_error(const Parent& parent, Slash rule) {
  if (!parent.names_directory || rule == Slash::Allowed) return kSuccess;
  const char kind = parent.leaf_kind();
  if (rule == Slash::NewName) return kind ? kExist : kNoent;
  if (!kind) return kNoent;
  return kind == 'f' ? kNotdir : kSuccess;  // (a link is for the call to resolve, or to refuse)
}

// A call on one path beneath directory `fd`: reads the path, checks the rights, opens the parent,
// and runs `op(parent_fd, leaf)`, which returns 0 or -1 with errno set.
template <class Op>
int32_t on_leaf(HostContext& ctx, int32_t fd, uint64_t needed, int32_t path, int32_t path_len, const char* what,
                Slash slash, Op&& op) {
  int32_t err = kSuccess;
  FdEntry* dir = directory_with(ctx, fd, needed, err);
  if (!dir) return err;
  std::string p;
  if (!read_path(ctx, path, path_len, what, p)) return kInval;
  Parent parent(*dir, p);
  if (parent.fd < 0) return parent.err;
  if (int32_t bad = slash_error(parent, slash)) return bad;
  return op(parent.fd, parent.leaf.c_str()) == 0 ? kSuccess : wasi_errno(errno);
}

}  // namespace

// Resolves "/guest/prefix/rest" through the longest matching preopen, then opens "rest" beneath it.
int open_guest_path(HostContext& ctx, std::string_view guest_path, int flags, unsigned mode) {
  const FdEntry* best = nullptr;
  std::string_view rest;
  for (const auto& [n, e] : ctx.fds()) {
    if (e.preopen_name.empty()) continue;
    std::string_view pre = e.preopen_name;
    while (pre.size() > 1 && pre.back() == '/') pre.remove_suffix(1);
    bool match = pre == "/" ? !guest_path.empty() && guest_path.front() == '/'
                            : guest_path.substr(0, pre.size()) == pre &&
                                  (guest_path.size() == pre.size() || guest_path[pre.size()] == '/');
    if (match && (!best || pre.size() > best->preopen_name.size())) {
      best = &e;
      rest = guest_path.substr(pre == "/" ? 1 : pre.size());
    }
  }
  if (!best) return -EXDEV;
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  return open_beneath(best->host_fd, rest, flags, mode, true);
}

namespace host_wasi {

int32_t path_open(HostContext& ctx, int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags,
                  int64_t fs_rights_base, int64_t fs_rights_inheriting, int32_t fdflags, int32_t fd_out) {
  return guarded(ctx, "path_open", [&] {
    constexpr int32_t kCreat = 1, kDirectory = 2, kExcl = 4, kTrunc = 8;
    int32_t err = kSuccess;
    // Creating and truncating are rights of the directory, as opening is.
    const uint64_t needed = right::kPathOpen | ((oflags & kCreat) ? right::kPathCreateFile : 0) |
                            ((oflags & kTrunc) ? right::kPathFilestatSetSize : 0);
    FdEntry* dir = directory_with(ctx, fd, needed, err);
    if (!dir) return err;
    std::string p;
    if (!read_path(ctx, path, path_len, "path_open", p)) return kInval;
    const uint64_t base = uint64_t(fs_rights_base), inheriting = uint64_t(fs_rights_inheriting);
    // What is asked must be what the directory may hand on (Rust's std asks for exactly the
    // rights fd_fdstat_get reported; wasi-libc for a subset of them).
    if ((base & ~dir->rights_inheriting) || (inheriting & ~dir->rights_inheriting)) return kNotcapable;
    const bool want_write = (base & (right::kFdWrite | right::kFdAllocate | right::kFdFilestatSetSize)) != 0 ||
                            (oflags & (kCreat | kTrunc)) != 0;
    const bool want_read = (base & (right::kFdRead | right::kFdReaddir)) != 0;
    // Asked for file rights only (writing among them): a directory there is EISDIR, as open(2)
    // of a directory for writing is. Asked for any right only a directory has as well (Rust's
    // std reopens a preopen with every right fd_fdstat_get reported), it is a directory open, and
    // the directory gets the directory rights among them.
    const bool file_open = (base & right::kFdWrite) != 0 && (base & (right::kDirectory & ~right::kFile)) == 0;
    int flags = want_write ? (want_read ? O_RDWR : O_WRONLY) : O_RDONLY;
    if (oflags & kDirectory) flags = O_RDONLY | O_DIRECTORY;  // a directory is never opened for writing
    if (oflags & kCreat) flags |= O_CREAT;
    if (oflags & kExcl) flags |= O_EXCL;
    if (oflags & kTrunc) flags |= O_TRUNC;
    if (fdflags & 1) flags |= O_APPEND;
    if (fdflags & 2) flags |= O_DSYNC;
    if (fdflags & 4) flags |= O_NONBLOCK;
    if (fdflags & 8) flags |= O_RSYNC;
    if (fdflags & 16) flags |= O_SYNC;
    switch (ctx.take_file_slot()) {
      case HostContext::FileSlot::Taken: break;
      case HostContext::FileSlot::RequestFull:
        note_refused_open(
            ctx, "this request holds " + std::to_string(ctx.limits().max_open_files) +
                     " open files (EDGE_MAX_OPEN_FILES); path_open answers EMFILE: close files it is done with");
        return kMfile;
      case HostContext::FileSlot::ServiceFull:
        note_refused_open(ctx, "the service's requests hold " + std::to_string(ctx.limits().max_service_open_files) +
                                   " open files together (EDGE_MAX_SERVICE_OPEN_FILES); path_open answers ENFILE");
        return kNfile;
    }
    const bool follow = (dirflags & 1) != 0;
    int host = open_beneath(dir->host_fd, p, flags, 0666, follow);
    if (host == -EISDIR && !file_open && !(oflags & (kCreat | kTrunc)))  // a directory open: read-only
      host = open_beneath(dir->host_fd, p, O_RDONLY | O_DIRECTORY, 0, follow);
    if (host == -ENXIO)
      note_refused_open(ctx, "path_open " + p +
                                 ": not a regular file or directory (a FIFO, socket or device "
                                 "could block the request past its deadline); answered ENXIO");
    if (host < 0) {
      ctx.release_file_slot();
      return wasi_errno(-host);
    }
    struct stat st{};
    ::fstat(host, &st);
    if (S_ISDIR(st.st_mode) && file_open) {
      ::close(host);
      ctx.release_file_slot();
      return kIsdir;
    }
    FdEntry e;
    e.kind = S_ISDIR(st.st_mode) ? FdEntry::Kind::Directory : FdEntry::Kind::File;
    e.host_fd = host;
    e.append = (fdflags & 1) != 0;
    e.guest_opened = true;
    e.rights_base = base & (e.kind == FdEntry::Kind::Directory ? right::kDirectory : right::kFile);
    e.rights_inheriting = inheriting;
    int32_t n = ctx.add_fd(std::move(e));
    ctx.store_u32(uint32_t(fd_out), uint32_t(n));
    return kSuccess;
  });
}

int32_t path_filestat_get(HostContext& ctx, int32_t fd, int32_t flags, int32_t path, int32_t path_len,
                          int32_t stat_out) {
  return guarded(ctx, "path_filestat_get", [&] {
    int32_t err = kSuccess;
    FdEntry* dir = directory_with(ctx, fd, right::kPathFilestatGet, err);
    if (!dir) return err;
    std::string p;
    if (!read_path(ctx, path, path_len, "path_filestat_get", p)) return kInval;
    int host = open_beneath(dir->host_fd, p, O_PATH, 0, (flags & 1) != 0);
    if (host < 0) return wasi_errno(-host);
    struct stat st{};
    int r = ::fstat(host, &st);
    int e = errno;
    ::close(host);
    if (r != 0) return wasi_errno(e);
    store_filestat(ctx, stat_out, st);
    return kSuccess;
  });
}

int32_t path_filestat_set_times(HostContext& ctx, int32_t fd, int32_t flags, int32_t path, int32_t path_len,
                                int64_t atim, int64_t mtim, int32_t fst_flags) {
  return guarded(ctx, "path_filestat_set_times", [&] {
    struct timespec times[2];
    if (int32_t bad = wasi_times(atim, mtim, fst_flags, times)) return bad;
    if (!(flags & 1))
      return on_leaf(
          ctx, fd, right::kPathFilestatSetTimes, path, path_len, "path_filestat_set_times", Slash::Existing,
          [&](int parent, const char* leaf) { return ::utimensat(parent, leaf, times, AT_SYMLINK_NOFOLLOW); });
    // Following a symlink: resolve it beneath the directory first, then set the times of what it names.
    int32_t err = kSuccess;
    FdEntry* dir = directory_with(ctx, fd, right::kPathFilestatSetTimes, err);
    if (!dir) return err;
    std::string p;
    if (!read_path(ctx, path, path_len, "path_filestat_set_times", p)) return kInval;
    int host = open_beneath(dir->host_fd, p, O_RDONLY, 0, true);
    if (host < 0) return wasi_errno(-host);
    int r = ::futimens(host, times);
    int e = errno;
    ::close(host);
    return r == 0 ? kSuccess : wasi_errno(e);
  });
}

int32_t path_create_directory(HostContext& ctx, int32_t fd, int32_t path, int32_t path_len) {
  return guarded(ctx, "path_create_directory", [&] {
    return on_leaf(ctx, fd, right::kPathCreateDirectory, path, path_len, "path_create_directory", Slash::Allowed,
                   [](int parent, const char* leaf) { return ::mkdirat(parent, leaf, 0777); });
  });
}

int32_t path_remove_directory(HostContext& ctx, int32_t fd, int32_t path, int32_t path_len) {
  return guarded(ctx, "path_remove_directory", [&] {
    return on_leaf(ctx, fd, right::kPathRemoveDirectory, path, path_len, "path_remove_directory", Slash::Existing,
                   [](int parent, const char* leaf) { return ::unlinkat(parent, leaf, AT_REMOVEDIR); });
  });
}

int32_t path_unlink_file(HostContext& ctx, int32_t fd, int32_t path, int32_t path_len) {
  return guarded(ctx, "path_unlink_file", [&] {
    // "x/" names a directory, which unlink never removes: a directory there is EISDIR (as
    // without the '/'), anything else is not a directory.
    return on_leaf(ctx, fd, right::kPathUnlinkFile, path, path_len, "path_unlink_file", Slash::Existing,
                   [](int parent, const char* leaf) { return ::unlinkat(parent, leaf, 0); });
  });
}

int32_t path_readlink(HostContext& ctx, int32_t fd, int32_t path, int32_t path_len, int32_t buf, int32_t buf_len,
                      int32_t bufused_out) {
  return guarded(ctx, "path_readlink", [&] {
    uint8_t* out = ctx.span(uint32_t(buf), uint32_t(buf_len), "path_readlink");
    ssize_t n = 0;
    int32_t r = on_leaf(ctx, fd, right::kPathReadlink, path, path_len, "path_readlink", Slash::Existing,
                        [&](int parent, const char* leaf) {
                          n = ::readlinkat(parent, leaf, reinterpret_cast<char*>(out), size_t(uint32_t(buf_len)));
                          return n < 0 ? -1 : 0;
                        });
    if (r == kSuccess) ctx.store_u32(uint32_t(bufused_out), uint32_t(n));  // cut at buf_len, as readlink(2)
    return r;
  });
}

// The link's text is stored as given; resolving it later stays beneath the preopen (an absolute
// or escaping target then fails with ENOTCAPABLE), so only an absolute target is refused now.
int32_t path_symlink(HostContext& ctx, int32_t old_path, int32_t old_path_len, int32_t fd, int32_t new_path,
                     int32_t new_path_len) {
  return guarded(ctx, "path_symlink", [&] {
    std::string target;
    if (!read_path(ctx, old_path, old_path_len, "path_symlink", target)) return kInval;
    if (!target.empty() && target.front() == '/') return kNotcapable;
    return on_leaf(ctx, fd, right::kPathSymlink, new_path, new_path_len, "path_symlink", Slash::NewName,
                   [&](int parent, const char* leaf) { return ::symlinkat(target.c_str(), parent, leaf); });
  });
}

// Two paths, each beneath its own directory descriptor.
template <class Op>
int32_t on_two_leaves(HostContext& ctx, int32_t fd1, uint64_t right1, int32_t path1, int32_t len1, int32_t fd2,
                      uint64_t right2, int32_t path2, int32_t len2, const char* what, Slash to_slash, Op&& op) {
  int32_t err = kSuccess;
  FdEntry* dir1 = directory_with(ctx, fd1, right1, err);
  if (!dir1) return err;
  FdEntry* dir2 = directory_with(ctx, fd2, right2, err);
  if (!dir2) return err;
  std::string p1, p2;
  if (!read_path(ctx, path1, len1, what, p1) || !read_path(ctx, path2, len2, what, p2)) return kInval;
  Parent from(*dir1, p1);
  if (from.fd < 0) return from.err;
  Parent to(*dir2, p2);
  if (to.fd < 0) return to.err;
  if (int32_t bad = slash_error(from, Slash::Existing)) return bad;
  if (int32_t bad = slash_error(to, to_slash)) return bad;
  if (to.names_directory && from.leaf_kind() == 'f') return kNotdir;  // onto "x/" only a directory moves
  return op(from, to) == 0 ? kSuccess : wasi_errno(errno);
}

int32_t path_rename(HostContext& ctx, int32_t fd, int32_t old_path, int32_t old_path_len, int32_t new_fd,
                    int32_t new_path, int32_t new_path_len) {
  return guarded(ctx, "path_rename", [&] {
    return on_two_leaves(ctx, fd, right::kPathRenameSource, old_path, old_path_len, new_fd, right::kPathRenameTarget,
                         new_path, new_path_len, "path_rename", Slash::Allowed, [](const Parent& a, const Parent& b) {
                           return ::renameat(a.fd, a.leaf.c_str(), b.fd, b.leaf.c_str());
                         });
  });
}

// A source that is a symlink is linked itself, or with SYMLINK_FOLLOW what it names, resolved
// beneath the preopen first: linkat's own following would resolve the link's text anywhere, and
// could link a file from outside the preopen into it. The resolved file is linked through its
// /proc/self/fd name (AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH).
int32_t path_link(HostContext& ctx, int32_t old_fd, int32_t old_flags, int32_t old_path, int32_t old_path_len,
                  int32_t new_fd, int32_t new_path, int32_t new_path_len) {
  return guarded(ctx, "path_link", [&] {
    const bool follow = (old_flags & 1) != 0;
    return on_two_leaves(ctx, old_fd, right::kPathLinkSource, old_path, old_path_len, new_fd, right::kPathLinkTarget,
                         new_path, new_path_len, "path_link", Slash::NewName, [&](const Parent& a, const Parent& b) {
                           if (!follow || a.leaf_kind() != 'l')
                             return ::linkat(a.fd, a.leaf.c_str(), b.fd, b.leaf.c_str(), 0);
                           const int target = open_beneath(a.fd, a.leaf, O_PATH, 0, true);
                           if (target < 0) return errno = -target, -1;
                           const std::string self = "/proc/self/fd/" + std::to_string(target);
                           const int r = ::linkat(AT_FDCWD, self.c_str(), b.fd, b.leaf.c_str(), AT_SYMLINK_FOLLOW);
                           const int e = errno;
                           ::close(target);
                           errno = e;
                           return r;
                         });
  });
}

}  // namespace host_wasi
}  // namespace edge::node
