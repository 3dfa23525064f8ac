// WASI preview1 on descriptors: stdio (into the service log), files and directories opened
// beneath the preopens. Rights are kept per descriptor and checked; what a host descriptor
// cannot do (writing one opened read-only) fails as the host says.
#include <dirent.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "wasi_internal.hpp"

namespace edge::node::host_wasi {
using namespace wasi;

namespace {

// A file's host fd with `needed` rights, for the calls that only make sense on files.
int file_fd(HostContext& ctx, int32_t fd, uint64_t needed, int32_t& err) {
  FdEntry* e = fd_with(ctx, fd, needed, err);
  if (!e) return -1;
  if (e->kind == FdEntry::Kind::Directory) {
    err = kIsdir;
    return -1;
  }
  if (e->kind != FdEntry::Kind::File) {
    err = kSpipe;  // stdio: no offsets, sizes or advice
    return -1;
  }
  return e->host_fd;
}

std::vector<struct iovec> host_iovecs(const std::vector<Iov>& v) {
  std::vector<struct iovec> out;
  out.reserve(v.size());
  for (const auto& io : v) out.push_back({io.data, io.len});
  return out;
}

}  // namespace

int32_t fd_write(HostContext& ctx, int32_t fd, int32_t iovs, int32_t iovs_len, int32_t nwritten_out) {
  return guarded(ctx, "fd_write", [&] {
    int32_t err = kSuccess;
    FdEntry* e = fd_with(ctx, fd, right::kFdWrite, err);
    if (!e) return err;
    auto v = iovecs(ctx, iovs, iovs_len);
    uint64_t total = 0;
    if (e->kind == FdEntry::Kind::Stdout || e->kind == FdEntry::Kind::Stderr) {
      std::string text;
      for (const auto& io : v) text.append(reinterpret_cast<const char*>(io.data), io.len);
      ctx.guest_output(e->kind == FdEntry::Kind::Stdout ? ServiceLog::Stream::Stdout : ServiceLog::Stream::Stderr,
                       text);
      total = text.size();
    } else if (e->kind == FdEntry::Kind::File) {
      auto host = host_iovecs(v);
      ssize_t n = ::writev(e->host_fd, host.data(), int(host.size()));
      if (n < 0) return wasi_errno(errno);
      total = uint64_t(n);
    } else {
      return e->kind == FdEntry::Kind::Directory ? kIsdir : kBadf;
    }
    ctx.store_u32(uint32_t(nwritten_out), uint32_t(total));
    return kSuccess;
  });
}

int32_t fd_read(HostContext& ctx, int32_t fd, int32_t iovs, int32_t iovs_len, int32_t nread_out) {
  return guarded(ctx, "fd_read", [&] {
    int32_t err = kSuccess;
    FdEntry* e = fd_with(ctx, fd, right::kFdRead, err);
    if (!e) return err;
    auto v = iovecs(ctx, iovs, iovs_len);
    int host = e->kind == FdEntry::Kind::Stdin  ? (ctx.mode() == HostContext::Mode::Command ? 0 : -1)
               : e->kind == FdEntry::Kind::File ? e->host_fd
                                                : -2;
    if (host == -2) return e->kind == FdEntry::Kind::Directory ? kIsdir : kBadf;
    uint64_t total = 0;  // stdin of a request: end of file
    if (host >= 0) {
      auto hv = host_iovecs(v);
      ssize_t n = ::readv(host, hv.data(), int(hv.size()));
      if (n < 0) return wasi_errno(errno);
      total = uint64_t(n);
    }
    ctx.store_u32(uint32_t(nread_out), uint32_t(total));
    return kSuccess;
  });
}

int32_t fd_pread(HostContext& ctx, int32_t fd, int32_t iovs, int32_t iovs_len, int64_t offset, int32_t nread_out) {
  return guarded(ctx, "fd_pread", [&] {
    int32_t err = kSuccess;
    int host = file_fd(ctx, fd, right::kFdRead | right::kFdSeek, err);
    if (host < 0) return err;
    if (offset < 0) return kInval;
    auto hv = host_iovecs(iovecs(ctx, iovs, iovs_len));
    ssize_t n = ::preadv(host, hv.data(), int(hv.size()), offset);
    if (n < 0) return wasi_errno(errno);
    ctx.store_u32(uint32_t(nread_out), uint32_t(n));
    return kSuccess;
  });
}

int32_t fd_pwrite(HostContext& ctx, int32_t fd, int32_t iovs, int32_t iovs_len, int64_t offset, int32_t nwritten_out) {
  return guarded(ctx, "fd_pwrite", [&] {
    int32_t err = kSuccess;
    int host = file_fd(ctx, fd, right::kFdWrite | right::kFdSeek, err);
    if (host < 0) return err;
    if (offset < 0) return kInval;
    auto hv = host_iovecs(iovecs(ctx, iovs, iovs_len));
    ssize_t n = ::pwritev(host, hv.data(), int(hv.size()), offset);
    if (n < 0) return wasi_errno(errno);
    ctx.store_u32(uint32_t(nwritten_out), uint32_t(n));
    return kSuccess;
  });
}

int32_t fd_seek(HostContext& ctx, int32_t fd, int64_t offset, int32_t whence, int32_t newoffset_out) {
  return guarded(ctx, "fd_seek", [&] {
    // fd_tell's right is enough for a seek that only asks where it is (wasi-libc's ftell).
    const uint64_t needed = (whence == 1 && offset == 0) ? right::kFdTell : right::kFdSeek;
    int32_t err = kSuccess;
    FdEntry* e = fd_with(ctx, fd, needed, err);
    if (!e) return err;
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
    int32_t err = kSuccess;
    FdEntry* e = fd_with(ctx, fd, right::kFdTell, err);
    if (!e) return err;
    if (e->kind != FdEntry::Kind::File) return e->kind == FdEntry::Kind::Directory ? kBadf : kSpipe;
    off_t r = ::lseek(e->host_fd, 0, SEEK_CUR);
    if (r < 0) return wasi_errno(errno);
    ctx.store_u64(uint32_t(offset_out), uint64_t(r));
    return kSuccess;
  });
}

int32_t fd_close(HostContext& ctx, int32_t fd) {
  return guarded(ctx, "fd_close", [&] {
    if (!ctx.fd(fd)) return kBadf;
    ctx.close_fd(fd);  // a preopen too: the guest gives up its access, as on other runtimes
    return kSuccess;
  });
}

int32_t fd_renumber(HostContext& ctx, int32_t fd, int32_t to) {
  return guarded(ctx, "fd_renumber", [&] {
    if (!ctx.fd(fd) || !ctx.fd(to)) return kBadf;
    if (fd == to) return kSuccess;
    ctx.renumber_fd(fd, to);
    return kSuccess;
  });
}

int32_t fd_datasync(HostContext& ctx, int32_t fd) {
  return guarded(ctx, "fd_datasync", [&] {
    int32_t err = kSuccess;
    int host = file_fd(ctx, fd, right::kFdDatasync, err);
    if (host < 0) return err == kIsdir ? kSuccess : err == kSpipe ? kInval : err;
    return ::fdatasync(host) == 0 ? kSuccess : wasi_errno(errno);
  });
}

int32_t fd_sync(HostContext& ctx, int32_t fd) {
  return guarded(ctx, "fd_sync", [&] {
    int32_t err = kSuccess;
    FdEntry* e = fd_with(ctx, fd, right::kFdSync, err);
    if (!e) return err;
    if (e->host_fd < 0) return kInval;
    return ::fsync(e->host_fd) == 0 ? kSuccess : wasi_errno(errno);
  });
}

int32_t fd_advise(HostContext& ctx, int32_t fd, int64_t offset, int64_t len, int32_t advice) {
  return guarded(ctx, "fd_advise", [&] {
    int32_t err = kSuccess;
    int host = file_fd(ctx, fd, right::kFdAdvise, err);
    if (host < 0) return err;
    static constexpr int kAdvice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                      POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
    if (advice < 0 || advice > 5 || offset < 0 || len < 0) return kInval;
    return wasi_errno(::posix_fadvise(host, offset, len, kAdvice[advice]));
  });
}

int32_t fd_allocate(HostContext& ctx, int32_t fd, int64_t offset, int64_t len) {
  return guarded(ctx, "fd_allocate", [&] {
    int32_t err = kSuccess;
    int host = file_fd(ctx, fd, right::kFdAllocate, err);
    if (host < 0) return err == kIsdir ? kBadf : err;
    if (offset < 0 || len <= 0) return kInval;
    return wasi_errno(::posix_fallocate(host, offset, len));
  });
}

int32_t fd_fdstat_get(HostContext& ctx, int32_t fd, int32_t stat_out) {
  return guarded(ctx, "fd_fdstat_get", [&] {
    FdEntry* e = ctx.fd(fd);
    if (!e) return kBadf;
    uint8_t type = e->kind == FdEntry::Kind::Directory ? 3 : e->kind == FdEntry::Kind::File ? 4 : 2;
    uint16_t flags = e->append ? 1 : 0;
    if (e->host_fd >= 0) {
      int host_flags = ::fcntl(e->host_fd, F_GETFL);
      if (host_flags >= 0 && (host_flags & O_NONBLOCK)) flags |= 4;
      if (host_flags >= 0 && (host_flags & O_SYNC) == O_SYNC) flags |= 16;
      else if (host_flags >= 0 && (host_flags & O_DSYNC)) flags |= 2;
    }
    uint32_t o = uint32_t(stat_out);
    ctx.span(o, 24, "fd_fdstat_get");
    ctx.store_u64(o, 0);
    ctx.store_u8(o, type);
    ctx.store_u16(o + 2, flags);
    ctx.store_u64(o + 8, e->rights_base);
    ctx.store_u64(o + 16, e->rights_inheriting);
    return kSuccess;
  });
}

int32_t fd_fdstat_set_flags(HostContext& ctx, int32_t fd, int32_t flags) {
  return guarded(ctx, "fd_fdstat_set_flags", [&] {
    int32_t err = kSuccess;
    FdEntry* e = fd_with(ctx, fd, right::kFdFdstatSetFlags, err);
    if (!e) return err;
    if (flags & ~(1 | 4)) return kNotsup;  // APPEND and NONBLOCK can change after open; the sync flags cannot
    if (e->host_fd < 0) return kSuccess;   // stdio: nothing to change
    int host_flags = ::fcntl(e->host_fd, F_GETFL);
    if (host_flags < 0) return wasi_errno(errno);
    host_flags =
        (host_flags & ~(O_APPEND | O_NONBLOCK)) | ((flags & 1) ? O_APPEND : 0) | ((flags & 4) ? O_NONBLOCK : 0);
    if (::fcntl(e->host_fd, F_SETFL, host_flags) != 0) return wasi_errno(errno);
    e->append = (flags & 1) != 0;
    return kSuccess;
  });
}

int32_t fd_fdstat_set_rights(HostContext& ctx, int32_t fd, int64_t rights_base, int64_t rights_inheriting) {
  return guarded(ctx, "fd_fdstat_set_rights", [&] {
    FdEntry* e = ctx.fd(fd);
    if (!e) return kBadf;
    const uint64_t base = uint64_t(rights_base), inheriting = uint64_t(rights_inheriting);
    // Rights only shrink.
    if ((base & ~e->rights_base) || (inheriting & ~e->rights_inheriting)) return kNotcapable;
    e->rights_base = base;
    e->rights_inheriting = inheriting;
    return kSuccess;
  });
}

int32_t fd_filestat_get(HostContext& ctx, int32_t fd, int32_t stat_out) {
  return guarded(ctx, "fd_filestat_get", [&] {
    int32_t err = kSuccess;
    FdEntry* e = fd_with(ctx, fd, right::kFdFilestatGet, err);
    if (!e) return err;
    struct stat st{};
    if (e->host_fd >= 0) {
      if (::fstat(e->host_fd, &st) != 0) return wasi_errno(errno);
    } else {
      st.st_mode = S_IFCHR;
    }
    store_filestat(ctx, stat_out, st);
    return kSuccess;
  });
}

int32_t fd_filestat_set_size(HostContext& ctx, int32_t fd, int64_t size) {
  return guarded(ctx, "fd_filestat_set_size", [&] {
    int32_t err = kSuccess;
    int host = file_fd(ctx, fd, right::kFdFilestatSetSize, err);
    if (host < 0) return err == kIsdir || err == kSpipe ? kBadf : err;
    if (size < 0) return kInval;
    return ::ftruncate(host, size) == 0 ? kSuccess : wasi_errno(errno);
  });
}

int32_t fd_filestat_set_times(HostContext& ctx, int32_t fd, int64_t atim, int64_t mtim, int32_t fst_flags) {
  return guarded(ctx, "fd_filestat_set_times", [&] {
    int32_t err = kSuccess;
    FdEntry* e = fd_with(ctx, fd, right::kFdFilestatSetTimes, err);
    if (!e) return err;
    if (e->host_fd < 0) return kBadf;
    struct timespec times[2];
    if (int32_t bad = wasi_times(atim, mtim, fst_flags, times)) return bad;
    return ::futimens(e->host_fd, times) == 0 ? kSuccess : wasi_errno(errno);
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

// Entries in name order; the cookie is the index of the next one, so a guest that reads the
// directory in several calls (a buffer too small) resumes where it stopped.
int32_t fd_readdir(HostContext& ctx, int32_t fd, int32_t buf, int32_t buf_len, int64_t cookie, int32_t bufused_out) {
  return guarded(ctx, "fd_readdir", [&] {
    int32_t err = kSuccess;
    FdEntry* e = fd_with(ctx, fd, right::kFdReaddir, err);
    if (!e) return err;
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
      uint8_t t = d->d_type == DT_DIR    ? 3
                  : d->d_type == DT_REG  ? 4
                  : d->d_type == DT_LNK  ? 7
                  : d->d_type == DT_CHR  ? 2
                  : d->d_type == DT_BLK  ? 1
                  : d->d_type == DT_SOCK ? 6
                                         : 0;
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

}  // namespace edge::node::host_wasi
