#pragma once
// What the WASI preview1 host functions share (wasi.cpp: process, clocks, poll, sockets;
// wasi_fd.cpp: descriptors; wasi_path.cpp: paths beneath the preopens): errno and rights
// numbers of the specification, the guard that turns a bad guest pointer into EFAULT, and the
// helpers that read and write the specification's structs in guest memory.
#include <sys/stat.h>
#include <time.h>

#include <cstdint>
#include <string>
#include <vector>

#include "edge/node/host.hpp"

namespace edge::node::wasi {

// errno, as preview1 numbers them (wasi-libc uses the same numbers as errno).
inline constexpr int32_t kSuccess = 0;
inline constexpr int32_t kAcces = 2;
inline constexpr int32_t kAgain = 6;
inline constexpr int32_t kBadf = 8;
inline constexpr int32_t kExist = 20;
inline constexpr int32_t kFault = 21;
inline constexpr int32_t kInval = 28;
inline constexpr int32_t kIo = 29;
inline constexpr int32_t kIsdir = 31;
inline constexpr int32_t kLoop = 32;
inline constexpr int32_t kMfile = 33;
inline constexpr int32_t kMlink = 34;
inline constexpr int32_t kNametoolong = 37;
inline constexpr int32_t kNfile = 41;
inline constexpr int32_t kNoent = 44;
inline constexpr int32_t kNospc = 51;
inline constexpr int32_t kNosys = 52;
inline constexpr int32_t kNotdir = 54;
inline constexpr int32_t kNotempty = 55;
inline constexpr int32_t kNotsock = 57;
inline constexpr int32_t kNotsup = 58;
inline constexpr int32_t kNxio = 60;
inline constexpr int32_t kPerm = 63;
inline constexpr int32_t kRofs = 69;
inline constexpr int32_t kSpipe = 70;
inline constexpr int32_t kXdev = 75;
inline constexpr int32_t kNotcapable = 76;

// The host errno as preview1's.
int32_t wasi_errno(int host_errno);

// Rights (the bit numbers of the specification's `rights` flags).
namespace right {
inline constexpr uint64_t kFdDatasync = 1ull << 0, kFdRead = 1ull << 1, kFdSeek = 1ull << 2,
                          kFdFdstatSetFlags = 1ull << 3, kFdSync = 1ull << 4, kFdTell = 1ull << 5, kFdWrite = 1ull << 6,
                          kFdAdvise = 1ull << 7, kFdAllocate = 1ull << 8, kPathCreateDirectory = 1ull << 9,
                          kPathCreateFile = 1ull << 10, kPathLinkSource = 1ull << 11, kPathLinkTarget = 1ull << 12,
                          kPathOpen = 1ull << 13, kFdReaddir = 1ull << 14, kPathReadlink = 1ull << 15,
                          kPathRenameSource = 1ull << 16, kPathRenameTarget = 1ull << 17, kPathFilestatGet = 1ull << 18,
                          kPathFilestatSetSize = 1ull << 19, kPathFilestatSetTimes = 1ull << 20,
                          kFdFilestatGet = 1ull << 21, kFdFilestatSetSize = 1ull << 22,
                          kFdFilestatSetTimes = 1ull << 23, kPathSymlink = 1ull << 24,
                          kPathRemoveDirectory = 1ull << 25, kPathUnlinkFile = 1ull << 26,
                          kPollFdReadwrite = 1ull << 27, kSockShutdown = 1ull << 28, kSockAccept = 1ull << 29;
// What a regular file can do, what a directory can do (as wasmtime grants them).
inline constexpr uint64_t kFile = kFdDatasync | kFdRead | kFdSeek | kFdFdstatSetFlags | kFdSync | kFdTell | kFdWrite |
                                  kFdAdvise | kFdAllocate | kFdFilestatGet | kFdFilestatSetSize | kFdFilestatSetTimes |
                                  kPollFdReadwrite;
inline constexpr uint64_t kDirectory = kFdFdstatSetFlags | kFdSync | kFdDatasync | kPathCreateDirectory |
                                       kPathCreateFile | kPathLinkSource | kPathLinkTarget | kPathOpen | kFdReaddir |
                                       kPathReadlink | kPathRenameSource | kPathRenameTarget | kPathFilestatGet |
                                       kPathFilestatSetSize | kPathFilestatSetTimes | kFdFilestatGet |
                                       kFdFilestatSetTimes | kPathSymlink | kPathRemoveDirectory | kPathUnlinkFile;
inline constexpr uint64_t kStdio = kFdRead | kFdWrite | kFdFdstatSetFlags | kFdFilestatGet | kPollFdReadwrite;
}  // namespace right

// Runs a host function's body; a bad guest pointer becomes EFAULT rather than a trap (proc_exit
// and the host's own aborts still end the guest).
template <class F>
int32_t guarded(HostContext& ctx, const char* name, F&& body) {
  ctx.count_host_call(name);
  try {
    return body();
  } catch (const HostTrap&) {
    if (ctx.abort_kind() || ctx.exit_code()) throw;
    return kFault;
  }
}

// The descriptor `fd` if it is open and has every right in `needed`; else the errno to answer
// (EBADF, ENOTCAPABLE) in `err`.
FdEntry* fd_with(HostContext& ctx, int32_t fd, uint64_t needed, int32_t& err);

uint8_t filetype_of(mode_t m);
uint64_t ns(const struct timespec& t);
void store_filestat(HostContext& ctx, int32_t out, const struct stat& st);
// utimensat's times from preview1's (atim, mtim, fst_flags); EINVAL for contradicting flags.
int32_t wasi_times(int64_t atim, int64_t mtim, int32_t fst_flags, struct timespec out[2]);

// The iovecs of fd_read / fd_write / fd_pread / fd_pwrite.
struct Iov {
  uint8_t* data;
  uint32_t len;
};
std::vector<Iov> iovecs(HostContext& ctx, int32_t iovs, int32_t count);

// Tells the service's log why an open was refused, once per request: a guest retrying in a loop
// would otherwise fill the log.
void note_refused_open(HostContext& ctx, const std::string& why);

}  // namespace edge::node::wasi
