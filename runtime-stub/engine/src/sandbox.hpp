#pragma once
// Opening paths beneath a directory fd so that no `..`, absolute path or symlink escapes it.
#include <string>
#include <string_view>

namespace edge::node {

// openat() confined to `dirfd`: openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) on Linux 5.6+,
// otherwise a component walk with O_NOFOLLOW that refuses `..` above the root and every symlink.
// `follow_final` says whether a symlink as the last component may be followed (still beneath).
// Only regular files and directories open (O_PATH aside): anything else is -ENXIO, because a
// FIFO's open or read would block the guest's thread past its deadline and a device could be
// anything. Opens are non-blocking for that reason; the flag is cleared on what is kept.
// Returns an fd or -errno (-EXDEV / -EPERM for escapes).
int open_beneath(int dirfd, std::string_view path, int flags, unsigned mode, bool follow_final);

// For the calls that act on a path's last component itself (mkdir, rmdir, unlink, rename,
// symlink, readlink, link, times without following): opens the folder holding it beneath `dirfd`
// (O_PATH, confined as open_beneath) and gives the component in `leaf`, which has no '/' and
// is never "", "." or "..", so the *at() call on it cannot leave the preopen. An fd or -errno.
int open_parent_beneath(int dirfd, std::string_view path, std::string& leaf);

}  // namespace edge::node
