// WASI preview1, the subset the node implements (docs/node.md); every other import of abi.def
// answers ENOSYS. Pointers are checked: a bad one gives EFAULT instead of touching host memory.
#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "edge/node/host.hpp"
#include "sandbox.hpp"

namespace edge::node {
namespace {

constexpr int32_t kSuccess = 0;
constexpr int32_t kAcces = 2;
constexpr int32_t kAgain = 6;
constexpr int32_t kBadf = 8;
constexpr int32_t kExist = 20;
constexpr int32_t kFault = 21;
constexpr int32_t kInval = 28;
constexpr int32_t kIo = 29;
constexpr int32_t kIsdir = 31;
constexpr int32_t kLoop = 32;
constexpr int32_t kMfile = 33;
constexpr int32_t kNametoolong = 37;
constexpr int32_t kNfile = 41;
constexpr int32_t kNoent = 44;
constexpr int32_t kNospc = 51;
constexpr int32_t kNosys = 52;
constexpr int32_t kNotdir = 54;
constexpr int32_t kNotempty = 55;
constexpr int32_t kNotsup = 58;
constexpr int32_t kNxio = 60;
constexpr int32_t kPerm = 63;
constexpr int32_t kSpipe = 70;
constexpr int32_t kNotcapable = 76;

int32_t wasi_errno(int e) {
  switch (e) {
    case 0: return kSuccess;
    case EACCES: return kAcces;
    case EAGAIN: return kAgain;
    case EBADF: return kBadf;
    case EEXIST: return kExist;
    case EFAULT: return kFault;
    case EINVAL: return kInval;
    case EISDIR: return kIsdir;
    case ELOOP: return kNotcapable;  // a symlink we refused to follow
    case EMFILE: return kMfile;
    case ENAMETOOLONG: return kNametoolong;
    case ENOENT: return kNoent;
    case ENOSPC: return kNospc;
    case ENOTDIR: return kNotdir;
    case ENOTEMPTY: return kNotempty;
    case ENXIO: return kNxio;
    case EOPNOTSUPP: return kNotsup;
    case EPERM: return kPerm;
    case ESPIPE: return kSpipe;
    case EXDEV: return kNotcapable;  // RESOLVE_BENEATH: the path would leave the preopen
    default: return kIo;
  }
}

// Runs a WASI body; a bad guest pointer becomes EFAULT rather than a trap.
template <class F>
int32_t guarded(HostContext& ctx, const char* name, F&& body) {
  ctx.count_host_call(name);
  try {
    return body();
  } catch (const HostTrap&) {
    if (ctx.abort_kind || ctx.exit_code) throw;
    return kFault;
  }
}

uint8_t filetype_of(mode_t m) {
  if (S_ISDIR(m)) return 3;
  if (S_ISREG(m)) return 4;
  if (S_ISLNK(m)) return 7;
  if (S_ISCHR(m)) return 2;
  if (S_ISBLK(m)) return 1;
  if (S_ISSOCK(m)) return 6;
  return 0;
}

uint64_t ns(const struct timespec& t) { return uint64_t(t.tv_sec) * 1'000'000'000ull + uint64_t(t.tv_nsec); }

void store_filestat(HostContext& ctx, int32_t out, const struct stat& st) {
  ctx.span(uint32_t(out), 64, "filestat");
  ctx.store_u64(uint32_t(out), st.st_dev);
  ctx.store_u64(uint32_t(out) + 8, st.st_ino);
  ctx.store_u64(uint32_t(out) + 16, 0);
  ctx.store_u8(uint32_t(out) + 16, filetype_of(st.st_mode));
  ctx.store_u64(uint32_t(out) + 24, st.st_nlink);
  ctx.store_u64(uint32_t(out) + 32, uint64_t(st.st_size));
  ctx.store_u64(uint32_t(out) + 40, ns(st.st_atim));
  ctx.store_u64(uint32_t(out) + 48, ns(st.st_mtim));
  ctx.store_u64(uint32_t(out) + 56, ns(st.st_ctim));
}

constexpr uint64_t kAllRights = 0x1FFFFFFFull;

// Strings for args_get / environ_get: "a\0b\0".
template <class List>
int32_t put_strings(HostContext& ctx, const List& items, int32_t ptrs, int32_t buf) {
  uint32_t p = uint32_t(ptrs), b = uint32_t(buf);
  for (const std::string& s : items) {
    ctx.store_u32(p, b);
    std::memcpy(ctx.span(b, s.size() + 1, "strings"), s.c_str(), s.size() + 1);
    p += 4;
    b += uint32_t(s.size() + 1);
  }
  return kSuccess;
}

std::vector<std::string> environ_strings(const HostContext& ctx) {
  std::vector<std::string> v;
  for (const auto& [k, val] : ctx.env) v.push_back(k + "=" + val);
  return v;
}

template <class List>
int32_t put_sizes(HostContext& ctx, const List& items, int32_t count_out, int32_t size_out) {
  uint32_t total = 0;
  for (const std::string& s : items) total += uint32_t(s.size() + 1);
  ctx.store_u32(uint32_t(count_out), uint32_t(items.size()));
  ctx.store_u32(uint32_t(size_out), total);
  return kSuccess;
}

// The iovecs of fd_read / fd_write.
struct Iov {
  uint8_t* data;
  uint32_t len;
};
std::vector<Iov> iovecs(HostContext& ctx, int32_t iovs, int32_t count) {
  if (count < 0 || count > 1024) throw HostTrap("bad iovec count");
  std::vector<Iov> v;
  for (int32_t i = 0; i < count; ++i) {
    uint32_t base = uint32_t(iovs) + uint32_t(i) * 8;
    uint32_t ptr = ctx.load_u32(base), len = ctx.load_u32(base + 4);
    v.push_back({ctx.span(ptr, len, "iovec"), len});
  }
  return v;
}

// Tells the service's log why an open was refused, once per request: a guest retrying in a loop
// would otherwise fill the log.
void note_refused_open(HostContext& ctx, const std::string& why) {
  if (ctx.file_refusal_logged) return;
  ctx.file_refusal_logged = true;
  ctx.log_line(ServiceLog::Stream::Node, why);
}

// A file or directory fd opened by the guest (not stdio, not a preopen unless allowed).
FdEntry* host_fd(HostContext& ctx, int32_t fd) {
  FdEntry* e = ctx.fd(fd);
  if (!e || e->host_fd < 0) return nullptr;
  return e;
}

}  // namespace

// Resolves "/guest/prefix/rest" through the longest matching preopen, then opens "rest" beneath it.
int open_guest_path(HostContext& ctx, std::string_view guest_path, int flags, unsigned mode) {
  const FdEntry* best = nullptr;
  std::string_view rest;
  for (const auto& [n, e] : ctx.fds) {
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

int32_t args_get(HostContext& ctx, int32_t argv, int32_t argv_buf) {
  return guarded(ctx, "args_get", [&] { return put_strings(ctx, ctx.args, argv, argv_buf); });
}
int32_t args_sizes_get(HostContext& ctx, int32_t argc_out, int32_t argv_buf_size_out) {
  return guarded(ctx, "args_sizes_get", [&] { return put_sizes(ctx, ctx.args, argc_out, argv_buf_size_out); });
}
int32_t environ_get(HostContext& ctx, int32_t environ, int32_t environ_buf) {
  return guarded(ctx, "environ_get", [&] { return put_strings(ctx, environ_strings(ctx), environ, environ_buf); });
}
int32_t environ_sizes_get(HostContext& ctx, int32_t count_out, int32_t buf_size_out) {
  return guarded(ctx, "environ_sizes_get",
                 [&] { return put_sizes(ctx, environ_strings(ctx), count_out, buf_size_out); });
}

static clockid_t host_clock(int32_t id) {
  switch (id) {
    case 0: return CLOCK_REALTIME;
    case 1: return CLOCK_MONOTONIC;
    case 2: return CLOCK_PROCESS_CPUTIME_ID;
    case 3: return CLOCK_THREAD_CPUTIME_ID;
    default: return clockid_t(-1);
  }
}
int32_t clock_res_get(HostContext& ctx, int32_t clock_id, int32_t resolution_out) {
  return guarded(ctx, "clock_res_get", [&] {
    clockid_t c = host_clock(clock_id);
    struct timespec ts {};
    if (c == clockid_t(-1) || ::clock_getres(c, &ts) != 0) return kInval;
    ctx.store_u64(uint32_t(resolution_out), ns(ts));
    return kSuccess;
  });
}
int32_t clock_time_get(HostContext& ctx, int32_t clock_id, int64_t, int32_t time_out) {
  return guarded(ctx, "clock_time_get", [&] {
    clockid_t c = host_clock(clock_id);
    struct timespec ts {};
    if (c == clockid_t(-1) || ::clock_gettime(c, &ts) != 0) return kInval;
    ctx.store_u64(uint32_t(time_out), ns(ts));
    return kSuccess;
  });
}

int32_t random_get(HostContext& ctx, int32_t buf, int32_t buf_len) {
  return guarded(ctx, "random_get", [&] {
    uint8_t* p = ctx.span(uint32_t(buf), uint32_t(buf_len), "random_get");
    size_t done = 0, len = uint32_t(buf_len);
    while (done < len) {
      ssize_t n = ::getrandom(p + done, len - done, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        return kIo;
      }
      done += size_t(n);
    }
    return kSuccess;
  });
}

void proc_exit(HostContext& ctx, int32_t code) {
  ctx.exit_code = code;
  throw HostTrap("proc_exit(" + std::to_string(code) + ")");
}

int32_t fd_write(HostContext& ctx, int32_t fd, int32_t iovs, int32_t iovs_len, int32_t nwritten_out) {
  return guarded(ctx, "fd_write", [&] {
    FdEntry* e = ctx.fd(fd);
    if (!e) return kBadf;
    auto v = iovecs(ctx, iovs, iovs_len);
    uint64_t total = 0;
    if (e->kind == FdEntry::Kind::Stdout || e->kind == FdEntry::Kind::Stderr) {
      std::string text;
      for (const auto& io : v) text.append(reinterpret_cast<const char*>(io.data), io.len);
      ctx.guest_output(e->kind == FdEntry::Kind::Stdout ? ServiceLog::Stream::Stdout : ServiceLog::Stream::Stderr, text);
      total = text.size();
    } else if (e->kind == FdEntry::Kind::File) {
      for (const auto& io : v) {
        ssize_t n = ::write(e->host_fd, io.data, io.len);
        if (n < 0) return wasi_errno(errno);
        total += uint64_t(n);
        if (uint32_t(n) < io.len) break;
      }
    } else {
      return kBadf;
    }
    ctx.store_u32(uint32_t(nwritten_out), uint32_t(total));
    return kSuccess;
  });
}

int32_t fd_read(HostContext& ctx, int32_t fd, int32_t iovs, int32_t iovs_len, int32_t nread_out) {
  return guarded(ctx, "fd_read", [&] {
    FdEntry* e = ctx.fd(fd);
    if (!e) return kBadf;
    auto v = iovecs(ctx, iovs, iovs_len);
    uint64_t total = 0;
    int host = e->kind == FdEntry::Kind::Stdin ? (ctx.mode == HostContext::Mode::Command ? 0 : -1)
               : e->kind == FdEntry::Kind::File ? e->host_fd
                                                : -2;
    if (host == -2) return e->kind == FdEntry::Kind::Directory ? kIsdir : kBadf;
    if (host >= 0) {
      for (const auto& io : v) {
        ssize_t n = ::read(host, io.data, io.len);
        if (n < 0) return wasi_errno(errno);
        total += uint64_t(n);
        if (uint32_t(n) < io.len) break;
      }
    }
    ctx.store_u32(uint32_t(nread_out), uint32_t(total));  // stdin of a request: end of file
    return kSuccess;
  });
}

int32_t fd_seek(HostContext& ctx, int32_t fd, int64_t offset, int32_t whence, int32_t newoffset_out) {
  return guarded(ctx, "fd_seek", [&] {
    FdEntry* e = ctx.fd(fd);
    if (!e) return kBadf;
    if (e->kind != FdEntry::Kind::File) return e->kind == FdEntry::Kind::Directory ? kBadf : kSpipe;
    int w = whence == 0 ? SEEK_SET : whence == 1 ? SEEK_CUR : whence == 2 ? SEEK_END : -1;
    if (w < 0) return kInval;
    off_t r = ::lseek(e->host_fd, offset, w);
    if (r < 0) return wasi_errno(errno);
    ctx.store_u64(uint32_t(newoffset_out), uint64_t(r));
    return kSuccess;
  });
}

int32_t fd_tell(HostContext& ctx, int32_t fd, int32_t offset_out) {
  return guarded(ctx, "fd_tell", [&] {
    FdEntry* e = ctx.fd(fd);
    if (!e) return kBadf;
    if (e->kind != FdEntry::Kind::File) return kSpipe;
    off_t r = ::lseek(e->host_fd, 0, SEEK_CUR);
    if (r < 0) return wasi_errno(errno);
    ctx.store_u64(uint32_t(offset_out), uint64_t(r));
    return kSuccess;
  });
}

int32_t fd_close(HostContext& ctx, int32_t fd) {
  return guarded(ctx, "fd_close", [&] {
    FdEntry* e = ctx.fd(fd);
    if (!e) return kBadf;
    if (!e->preopen_name.empty()) return kNotsup;  // preopens stay for the instance's life
    ctx.close_fd(fd);
    return kSuccess;
  });
}

int32_t fd_fdstat_get(HostContext& ctx, int32_t fd, int32_t stat_out) {
  return guarded(ctx, "fd_fdstat_get", [&] {
    FdEntry* e = ctx.fd(fd);
    if (!e) return kBadf;
    uint8_t type = e->kind == FdEntry::Kind::Directory ? 3 : e->kind == FdEntry::Kind::File ? 4 : 2;
    uint32_t o = uint32_t(stat_out);
    ctx.span(o, 24, "fd_fdstat_get");
    ctx.store_u64(o, 0);
    ctx.store_u8(o, type);
    ctx.store_u16(o + 2, e->append ? 1 : 0);
    ctx.store_u64(o + 8, kAllRights);
    ctx.store_u64(o + 16, kAllRights);
    return kSuccess;
  });
}

int32_t fd_filestat_get(HostContext& ctx, int32_t fd, int32_t stat_out) {
  return guarded(ctx, "fd_filestat_get", [&] {
    FdEntry* e = ctx.fd(fd);
    if (!e) return kBadf;
    struct stat st {};
    if (e->host_fd >= 0) {
      if (::fstat(e->host_fd, &st) != 0) return wasi_errno(errno);
    } else {
      st.st_mode = S_IFCHR;
    }
    store_filestat(ctx, stat_out, st);
    return kSuccess;
  });
}

int32_t fd_prestat_get(HostContext& ctx, int32_t fd, int32_t prestat_out) {
  return guarded(ctx, "fd_prestat_get", [&] {
    FdEntry* e = ctx.fd(fd);
    if (!e || e->preopen_name.empty()) return kBadf;
    ctx.span(uint32_t(prestat_out), 8, "fd_prestat_get");
    ctx.store_u32(uint32_t(prestat_out), 0);  // tag 0: a directory
    ctx.store_u32(uint32_t(prestat_out) + 4, uint32_t(e->preopen_name.size()));
    return kSuccess;
  });
}

int32_t fd_prestat_dir_name(HostContext& ctx, int32_t fd, int32_t path, int32_t path_len) {
  return guarded(ctx, "fd_prestat_dir_name", [&] {
    FdEntry* e = ctx.fd(fd);
    if (!e || e->preopen_name.empty()) return kBadf;
    if (uint32_t(path_len) < e->preopen_name.size()) return kNametoolong;
    std::memcpy(ctx.span(uint32_t(path), e->preopen_name.size(), "fd_prestat_dir_name"), e->preopen_name.data(),
                e->preopen_name.size());
    return kSuccess;
  });
}

int32_t fd_readdir(HostContext& ctx, int32_t fd, int32_t buf, int32_t buf_len, int64_t cookie, int32_t bufused_out) {
  return guarded(ctx, "fd_readdir", [&] {
    FdEntry* e = host_fd(ctx, fd);
    if (!e) return kBadf;
    if (e->kind != FdEntry::Kind::Directory) return kNotdir;
    int dfd = ::openat(e->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return wasi_errno(errno);
    DIR* dir = ::fdopendir(dfd);
    if (!dir) {
      ::close(dfd);
      return wasi_errno(errno);
    }
    struct Entry {
      std::string name;
      uint64_t ino;
      uint8_t type;
    };
    std::vector<Entry> entries;
    while (struct dirent* d = ::readdir(dir)) {
      uint8_t t = d->d_type == DT_DIR ? 3 : d->d_type == DT_REG ? 4 : d->d_type == DT_LNK ? 7 : 0;
      entries.push_back({d->d_name, d->d_ino, t});
    }
    ::closedir(dir);
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
    uint32_t out = uint32_t(buf), cap = uint32_t(buf_len), used = 0;
    ctx.span(out, cap, "fd_readdir");
    for (uint64_t i = uint64_t(cookie < 0 ? 0 : cookie); i < entries.size() && used < cap; ++i) {
      const Entry& en = entries[i];
      uint8_t header[24] = {};
      uint64_t next = i + 1;
      uint32_t namlen = uint32_t(en.name.size());
      std::memcpy(header, &next, 8);
      std::memcpy(header + 8, &en.ino, 8);
      std::memcpy(header + 16, &namlen, 4);
      header[20] = en.type;
      std::string record(reinterpret_cast<const char*>(header), 24);
      record += en.name;
      uint32_t n = std::min<uint32_t>(uint32_t(record.size()), cap - used);  // a cut record tells libc to grow
      std::memcpy(ctx.span(out + used, n, "fd_readdir"), record.data(), n);
      used += n;
    }
    ctx.store_u32(uint32_t(bufused_out), used);
    return kSuccess;
  });
}

int32_t path_open(HostContext& ctx, int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags,
                  int64_t fs_rights_base, int64_t, int32_t fdflags, int32_t fd_out) {
  return guarded(ctx, "path_open", [&] {
    FdEntry* dir = host_fd(ctx, fd);
    if (!dir) return kBadf;
    if (dir->kind != FdEntry::Kind::Directory) return kNotdir;
    std::string p = ctx.read_bytes(uint32_t(path), uint32_t(path_len), "path_open");
    if (p.find('\0') != std::string::npos) return kInval;
    // Rights bits: fd_write 6, fd_allocate 8, fd_filestat_set_size 22 ask for writing; creat/trunc too.
    bool want_write = (uint64_t(fs_rights_base) & ((1ull << 6) | (1ull << 8) | (1ull << 22))) != 0 ||
                      (oflags & (1 | 8)) != 0;
    bool want_read = (uint64_t(fs_rights_base) & ((1ull << 1) | (1ull << 14))) != 0;  // fd_read, fd_readdir
    int flags = want_write ? (want_read ? O_RDWR : O_WRONLY) : O_RDONLY;
    if (oflags & 1) flags |= O_CREAT;
    if (oflags & 2) flags |= O_DIRECTORY;
    if (oflags & 4) flags |= O_EXCL;
    if (oflags & 8) flags |= O_TRUNC;
    if (fdflags & 1) flags |= O_APPEND;
    switch (ctx.take_file_slot()) {
      case HostContext::FileSlot::Taken: break;
      case HostContext::FileSlot::RequestFull:
        note_refused_open(ctx, "this request holds " + std::to_string(ctx.limits.max_open_files) +
                               " open files (EDGE_MAX_OPEN_FILES); path_open answers EMFILE: close files it is done with");
        return kMfile;
      case HostContext::FileSlot::ServiceFull:
        note_refused_open(ctx, "the service's requests hold " + std::to_string(ctx.limits.max_service_open_files) +
                               " open files together (EDGE_MAX_SERVICE_OPEN_FILES); path_open answers ENFILE");
        return kNfile;
    }
    int host = open_beneath(dir->host_fd, p, flags, 0644, (dirflags & 1) != 0);
    if (host == -EISDIR && !(oflags & 2)) {  // a directory opened with write rights: open it read-only
      host = open_beneath(dir->host_fd, p, O_RDONLY | O_DIRECTORY, 0, (dirflags & 1) != 0);
    }
    if (host == -ENXIO)
      note_refused_open(ctx, "path_open " + p + ": not a regular file or directory (a FIFO, socket or device "
                                 "could block the request past its deadline); answered ENXIO");
    if (host < 0) {
      ctx.release_file_slot();
      return wasi_errno(-host);
    }
    struct stat st {};
    ::fstat(host, &st);
    FdEntry e;
    e.kind = S_ISDIR(st.st_mode) ? FdEntry::Kind::Directory : FdEntry::Kind::File;
    e.host_fd = host;
    e.append = (fdflags & 1) != 0;
    e.guest_opened = true;
    int32_t n = ctx.add_fd(std::move(e));
    ctx.store_u32(uint32_t(fd_out), uint32_t(n));
    return kSuccess;
  });
}

int32_t path_filestat_get(HostContext& ctx, int32_t fd, int32_t flags, int32_t path, int32_t path_len,
                          int32_t stat_out) {
  return guarded(ctx, "path_filestat_get", [&] {
    FdEntry* dir = host_fd(ctx, fd);
    if (!dir) return kBadf;
    std::string p = ctx.read_bytes(uint32_t(path), uint32_t(path_len), "path_filestat_get");
    if (p.find('\0') != std::string::npos) return kInval;
    int host = open_beneath(dir->host_fd, p, O_PATH, 0, (flags & 1) != 0);
    if (host < 0) return wasi_errno(-host);
    struct stat st {};
    int r = ::fstat(host, &st);
    int err = errno;
    ::close(host);
    if (r != 0) return wasi_errno(err);
    store_filestat(ctx, stat_out, st);
    return kSuccess;
  });
}

// Everything else: ENOSYS, counted like any host call.
#define EDGE_NOSYS(name, ...)                          \
  int32_t name(HostContext& ctx, __VA_ARGS__) {        \
    ctx.count_host_call(#name);                        \
    return kNosys;                                     \
  }
EDGE_NOSYS(fd_advise, int32_t, int64_t, int64_t, int32_t)
EDGE_NOSYS(fd_allocate, int32_t, int64_t, int64_t)
EDGE_NOSYS(fd_datasync, int32_t)
EDGE_NOSYS(fd_fdstat_set_flags, int32_t, int32_t)
EDGE_NOSYS(fd_fdstat_set_rights, int32_t, int64_t, int64_t)
EDGE_NOSYS(fd_filestat_set_size, int32_t, int64_t)
EDGE_NOSYS(fd_filestat_set_times, int32_t, int64_t, int64_t, int32_t)
EDGE_NOSYS(fd_pread, int32_t, int32_t, int32_t, int64_t, int32_t)
EDGE_NOSYS(fd_pwrite, int32_t, int32_t, int32_t, int64_t, int32_t)
EDGE_NOSYS(fd_renumber, int32_t, int32_t)
EDGE_NOSYS(fd_sync, int32_t)
EDGE_NOSYS(path_create_directory, int32_t, int32_t, int32_t)
EDGE_NOSYS(path_filestat_set_times, int32_t, int32_t, int32_t, int32_t, int64_t, int64_t, int32_t)
EDGE_NOSYS(path_link, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t)
EDGE_NOSYS(path_readlink, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t)
EDGE_NOSYS(path_remove_directory, int32_t, int32_t, int32_t)
EDGE_NOSYS(path_rename, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t)
EDGE_NOSYS(path_symlink, int32_t, int32_t, int32_t, int32_t, int32_t)
EDGE_NOSYS(path_unlink_file, int32_t, int32_t, int32_t)
EDGE_NOSYS(poll_oneoff, int32_t, int32_t, int32_t, int32_t)
EDGE_NOSYS(proc_raise, int32_t)
EDGE_NOSYS(sock_accept, int32_t, int32_t, int32_t)
EDGE_NOSYS(sock_recv, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t)
EDGE_NOSYS(sock_send, int32_t, int32_t, int32_t, int32_t, int32_t)
EDGE_NOSYS(sock_shutdown, int32_t, int32_t)
#undef EDGE_NOSYS
int32_t sched_yield(HostContext& ctx) {
  ctx.count_host_call("sched_yield");
  return kNosys;
}

}  // namespace host_wasi
}  // namespace edge::node
