// WASI preview1: the shared helpers, the process (args, env, exit), clocks, randomness,
// poll_oneoff and the socket calls. Descriptors are in wasi_fd.cpp, paths in wasi_path.cpp.
// Pointers are checked: a bad one gives EFAULT instead of touching host memory.
#include <fcntl.h>
#include <poll.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "wasi_internal.hpp"

namespace edge::node {
namespace wasi {

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
    // Too many links (a loop), or O_NOFOLLOW on a link: POSIX's answer. (The walk used without
    // openat2 refuses every link itself, as an escape: ENOTCAPABLE there.)
    case ELOOP: return kLoop;
    case EMFILE: return kMfile;
    case EMLINK: return kMlink;
    case ENAMETOOLONG: return kNametoolong;
    case ENOENT: return kNoent;
    case ENOSPC: return kNospc;
    case ENOTDIR: return kNotdir;
    case ENOTEMPTY: return kNotempty;
    case ENXIO: return kNxio;
    case EOPNOTSUPP: return kNotsup;
    case EPERM: return kPerm;
    case EROFS: return kRofs;
    case ESPIPE: return kSpipe;
    case EXDEV: return kNotcapable;  // RESOLVE_BENEATH: the path would leave the preopen
    default: return kIo;
  }
}

FdEntry* fd_with(HostContext& ctx, int32_t fd, uint64_t needed, int32_t& err) {
  FdEntry* e = ctx.fd(fd);
  if (!e) {
    err = kBadf;
    return nullptr;
  }
  if ((e->rights_base & needed) != needed) {
    err = kNotcapable;
    return nullptr;
  }
  return e;
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

int32_t wasi_times(int64_t atim, int64_t mtim, int32_t fst_flags, struct timespec out[2]) {
  constexpr int32_t kAtim = 1, kAtimNow = 2, kMtim = 4, kMtimNow = 8;
  if (((fst_flags & kAtim) && (fst_flags & kAtimNow)) || ((fst_flags & kMtim) && (fst_flags & kMtimNow))) return kInval;
  auto one = [](int64_t t, bool set, bool now, struct timespec& ts) {
    if (now) ts = {0, UTIME_NOW};
    else if (set) ts = {time_t(uint64_t(t) / 1'000'000'000ull), long(uint64_t(t) % 1'000'000'000ull)};
    else ts = {0, UTIME_OMIT};
  };
  one(atim, fst_flags & kAtim, fst_flags & kAtimNow, out[0]);
  one(mtim, fst_flags & kMtim, fst_flags & kMtimNow, out[1]);
  return kSuccess;
}

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

void note_refused_open(HostContext& ctx, const std::string& why) {
  if (!ctx.first_file_refusal()) return;
  ctx.log_line(ServiceLog::Stream::Node, why);
}

namespace {

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
  v.reserve(ctx.env().size());
  for (const auto& [k, val] : ctx.env()) v.push_back(std::string(k).append("=").append(val));
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

clockid_t host_clock(int32_t id) {
  switch (id) {
    case 0: return CLOCK_REALTIME;
    case 1: return CLOCK_MONOTONIC;
    case 2: return CLOCK_PROCESS_CPUTIME_ID;
    case 3: return CLOCK_THREAD_CPUTIME_ID;
    default: return clockid_t(-1);
  }
}

// The answer to the socket calls: the node gives guests no sockets.
int32_t not_a_socket(HostContext& ctx, int32_t fd) { return ctx.fd(fd) ? kNotsock : kBadf; }

}  // namespace
}  // namespace wasi

namespace host_wasi {
using namespace wasi;

int32_t args_get(HostContext& ctx, int32_t argv, int32_t argv_buf) {
  return guarded(ctx, "args_get", [&] { return put_strings(ctx, ctx.args(), argv, argv_buf); });
}
int32_t args_sizes_get(HostContext& ctx, int32_t argc_out, int32_t argv_buf_size_out) {
  return guarded(ctx, "args_sizes_get", [&] { return put_sizes(ctx, ctx.args(), argc_out, argv_buf_size_out); });
}
int32_t environ_get(HostContext& ctx, int32_t environ, int32_t environ_buf) {
  return guarded(ctx, "environ_get", [&] { return put_strings(ctx, environ_strings(ctx), environ, environ_buf); });
}
int32_t environ_sizes_get(HostContext& ctx, int32_t count_out, int32_t buf_size_out) {
  return guarded(ctx, "environ_sizes_get",
                 [&] { return put_sizes(ctx, environ_strings(ctx), count_out, buf_size_out); });
}

int32_t clock_res_get(HostContext& ctx, int32_t clock_id, int32_t resolution_out) {
  return guarded(ctx, "clock_res_get", [&] {
    clockid_t c = host_clock(clock_id);
    struct timespec ts{};
    if (c == clockid_t(-1) || ::clock_getres(c, &ts) != 0) return kInval;
    ctx.store_u64(uint32_t(resolution_out), ns(ts));
    return kSuccess;
  });
}
int32_t clock_time_get(HostContext& ctx, int32_t clock_id, int64_t, int32_t time_out) {
  return guarded(ctx, "clock_time_get", [&] {
    clockid_t c = host_clock(clock_id);
    struct timespec ts{};
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
  ctx.exit(code);
  throw HostTrap("proc_exit(" + std::to_string(code) + ")");
}

// Signals are not delivered to guests (preview1 deprecates the call); wasmtime answers the same.
int32_t proc_raise(HostContext& ctx, int32_t) {
  ctx.count_host_call("proc_raise");
  return kNosys;
}

int32_t sched_yield(HostContext& ctx) {
  return guarded(ctx, "sched_yield", [&] {
    std::this_thread::yield();
    return kSuccess;
  });
}

// Clock subscriptions (relative or absolute) and fd readiness. Files and directories are always
// ready, as on every host; stdin of `edge-node run` is polled; a request has no stdin (end of
// file at once). The wait never passes the request's deadline: the request then times out.
int32_t poll_oneoff(HostContext& ctx, int32_t in, int32_t out, int32_t nsubscriptions, int32_t nevents_out) {
  return guarded(ctx, "poll_oneoff", [&] {
    if (nsubscriptions <= 0) return kInval;
    if (nsubscriptions > 4096) return kInval;
    const uint32_t n = uint32_t(nsubscriptions);
    ctx.span(uint32_t(in), uint64_t(n) * 48, "poll_oneoff");
    ctx.span(uint32_t(out), uint64_t(n) * 32, "poll_oneoff");
    struct Event {
      uint64_t userdata;
      uint16_t error;
      uint8_t type;
      uint64_t nbytes = 0;
    };
    std::vector<Event> ready;
    // The earliest clock: when, and which subscriptions fire then.
    std::optional<std::chrono::steady_clock::time_point> wake;
    std::vector<std::pair<std::chrono::steady_clock::time_point, uint64_t>> clocks;
    bool stdin_wanted = false;
    uint64_t stdin_userdata = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t s = uint32_t(in) + i * 48;
      const uint64_t userdata = uint64_t(ctx.load_u32(s)) | (uint64_t(ctx.load_u32(s + 4)) << 32);
      const uint8_t tag = ctx.span(s + 8, 1, "poll_oneoff")[0];
      if (tag == 0) {  // clock
        const uint32_t id = ctx.load_u32(s + 16);
        const uint64_t timeout = uint64_t(ctx.load_u32(s + 24)) | (uint64_t(ctx.load_u32(s + 28)) << 32);
        const uint16_t flags = uint16_t(ctx.load_u32(s + 40) & 0xffff);
        clockid_t c = host_clock(int32_t(id));
        if (c == clockid_t(-1)) {
          ready.push_back({userdata, uint16_t(kInval), 0});
          continue;
        }
        uint64_t delay = timeout;
        if (flags & 1) {  // absolute: against that clock's now
          struct timespec now{};
          ::clock_gettime(c, &now);
          delay = timeout > ns(now) ? timeout - ns(now) : 0;
        }
        auto at =
            std::chrono::steady_clock::now() + std::chrono::nanoseconds(std::min<uint64_t>(delay, uint64_t(1) << 62));
        clocks.push_back({at, userdata});
        if (!wake || at < *wake) wake = at;
      } else if (tag == 1 || tag == 2) {  // fd_read, fd_write
        const int32_t fd = int32_t(ctx.load_u32(s + 16));
        FdEntry* e = ctx.fd(fd);
        if (!e) {
          ready.push_back({userdata, uint16_t(kBadf), tag});
        } else if (e->kind == FdEntry::Kind::Stdin && tag == 1 && ctx.mode() == HostContext::Mode::Command) {
          stdin_wanted = true;
          stdin_userdata = userdata;
        } else {
          uint64_t nbytes = 0;
          if (tag == 1 && e->kind == FdEntry::Kind::File) {
            struct stat st{};
            off_t pos = ::lseek(e->host_fd, 0, SEEK_CUR);
            if (::fstat(e->host_fd, &st) == 0 && pos >= 0 && st.st_size > pos) nbytes = uint64_t(st.st_size - pos);
          }
          ready.push_back({userdata, 0, tag, nbytes});
        }
      } else {
        ready.push_back({userdata, uint16_t(kInval), tag});
      }
    }
    if (ready.empty()) {
      // Wait for the earliest clock (or stdin), but never past the request's deadline.
      auto until = wake.value_or(std::chrono::steady_clock::time_point::max());
      const bool deadline_first = ctx.deadline() && *ctx.deadline() < until;
      if (deadline_first) until = *ctx.deadline();
      if (stdin_wanted) {
        auto left = until - std::chrono::steady_clock::now();
        int ms = until == std::chrono::steady_clock::time_point::max()
                     ? -1
                     : int(std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(left).count()));
        struct pollfd p{0, POLLIN, 0};
        if (::poll(&p, 1, ms) > 0) ready.push_back({stdin_userdata, 0, 1, 0});
      } else if (until != std::chrono::steady_clock::time_point::max()) {
        std::this_thread::sleep_until(until);
      }
      if (ready.empty() && deadline_first)
        ctx.abort(ExecFailure::Kind::Timeout, "timeout: the request ran longer than " +
                                                  std::to_string(ctx.limits().wall_time.count()) +
                                                  " ms (MCM.MAX_EXECUTION_TIME_SEC) in poll_oneoff");
      const auto now = std::chrono::steady_clock::now();
      for (const auto& [at, userdata] : clocks)
        if (at <= now) ready.push_back({userdata, 0, 0});
    }
    uint32_t o = uint32_t(out);
    for (const auto& ev : ready) {
      ctx.store_u64(o, ev.userdata);
      ctx.store_u16(o + 8, ev.error);
      ctx.store_u8(o + 10, ev.type);
      ctx.store_u64(o + 16, ev.nbytes);
      ctx.store_u16(o + 24, 0);
      o += 32;
    }
    ctx.store_u32(uint32_t(nevents_out), uint32_t(ready.size()));
    return kSuccess;
  });
}

int32_t sock_accept(HostContext& ctx, int32_t fd, int32_t, int32_t) {
  return guarded(ctx, "sock_accept", [&] { return not_a_socket(ctx, fd); });
}
int32_t sock_recv(HostContext& ctx, int32_t fd, int32_t, int32_t, int32_t, int32_t, int32_t) {
  return guarded(ctx, "sock_recv", [&] { return not_a_socket(ctx, fd); });
}
int32_t sock_send(HostContext& ctx, int32_t fd, int32_t, int32_t, int32_t, int32_t) {
  return guarded(ctx, "sock_send", [&] { return not_a_socket(ctx, fd); });
}
int32_t sock_shutdown(HostContext& ctx, int32_t fd, int32_t) {
  return guarded(ctx, "sock_shutdown", [&] { return not_a_socket(ctx, fd); });
}

}  // namespace host_wasi
}  // namespace edge::node
