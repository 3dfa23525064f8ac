/* The corners of paths that the published WASI conformance suites check and that a runtime
 * easily gets wrong (issue 27): symlink loops (ELOOP, followed or not), a trailing '/' on the
 * path a call creates or removes, a directory opened with file rights, and truncation without
 * the right to it. Each case with its neighbours on the other path calls. */
#include <stdlib.h>

#include "check.h"

static int getenv_openat2_ok(void) { return getenv("EDGE_TEST_NO_OPENAT2") == NULL; }

static int make_file(__wasi_fd_t dir, const char* path) {
  __wasi_fd_t f;
  if (__wasi_path_open(dir, 0, path, __WASI_OFLAGS_CREAT, kFileRights, 0, 0, &f) != 0) return 0;
  return __wasi_fd_close(f) == 0;
}

static int is_one_of(__wasi_errno_t e, __wasi_errno_t a, __wasi_errno_t b, __wasi_errno_t c) {
  return e == a || e == b || e == c;
}

int main(void) {
  __wasi_fd_t dir = sandbox();
  __wasi_fd_t f = 0;
  __wasi_filestat_t st;
  const __wasi_lookupflags_t follow = __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW;

  /* Symlink loops: ELOOP, never ENOTCAPABLE (nothing left the preopen). The node needs openat2
   * to follow links at all; without it every link is refused, as wasi_path.c says. */
  EXPECT("path_symlink", __wasi_path_symlink("loop2", dir, "loop1") == 0);
  EXPECT("path_symlink", __wasi_path_symlink("loop1", dir, "loop2") == 0);
  EXPECT("path_symlink", __wasi_path_symlink("self", dir, "self") == 0);
  EXPECT("path_symlink", make_file(dir, "plain") && __wasi_path_symlink("plain", dir, "to-plain") == 0);
  if (getenv_openat2_ok()) {
    EXPECT("path_open",
           __wasi_path_open(dir, follow, "loop1", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f) == __WASI_ERRNO_LOOP);
    EXPECT("path_open", __wasi_path_open(dir, 0, "loop1", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f) == __WASI_ERRNO_LOOP);
    EXPECT("path_open", __wasi_path_open(dir, follow, "self", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f) == __WASI_ERRNO_LOOP);
    EXPECT("path_open", __wasi_path_open(dir, 0, "loop1/x", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f) == __WASI_ERRNO_LOOP);
    EXPECT("path_open",
           __wasi_path_open(dir, follow, "loop1", __WASI_OFLAGS_CREAT, kFileRights, 0, 0, &f) == __WASI_ERRNO_LOOP);
    /* O_NOFOLLOW on a link that is not a loop: ELOOP as well (POSIX open(2)). */
    EXPECT("path_open", __wasi_path_open(dir, 0, "to-plain", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f) == __WASI_ERRNO_LOOP);
    EXPECT("path_filestat_get", __wasi_path_filestat_get(dir, follow, "loop1", &st) == __WASI_ERRNO_LOOP);
    EXPECT("path_filestat_get",
           __wasi_path_filestat_get(dir, 0, "loop1", &st) == 0 && st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK);
    EXPECT("path_filestat_set_times",
           __wasi_path_filestat_set_times(dir, follow, "loop1", 0, 0, __WASI_FSTFLAGS_MTIM_NOW) == __WASI_ERRNO_LOOP);
    EXPECT("path_create_directory", __wasi_path_create_directory(dir, "loop1/sub") == __WASI_ERRNO_LOOP);
    EXPECT("path_unlink_file", __wasi_path_unlink_file(dir, "loop1/x") == __WASI_ERRNO_LOOP);
    EXPECT("path_rename", __wasi_path_rename(dir, "loop1/x", dir, "y") == __WASI_ERRNO_LOOP);
    EXPECT("path_link", __wasi_path_link(dir, follow, "loop1", dir, "hard") != 0);
  }
  /* The links themselves are ordinary names: readlink and unlink work on them. */
  __wasi_size_t n = 0;
  char buf[16];
  EXPECT("path_readlink", __wasi_path_readlink(dir, "loop1", (uint8_t*)buf, sizeof buf, &n) == 0 && n == 5 &&
                              memcmp(buf, "loop2", 5) == 0);
  EXPECT("path_unlink_file", __wasi_path_unlink_file(dir, "loop1") == 0 && __wasi_path_unlink_file(dir, "loop2") == 0 &&
                                 __wasi_path_unlink_file(dir, "self") == 0 &&
                                 __wasi_path_unlink_file(dir, "to-plain") == 0);

  /* A trailing '/' on a new link's name: it names a directory, which a link cannot be. */
  EXPECT("path_symlink", __wasi_path_symlink("source", dir, "target/") == __WASI_ERRNO_NOENT);
  EXPECT("path_symlink",
         __wasi_path_symlink("source", dir, "target") == 0 && __wasi_path_unlink_file(dir, "target") == 0);
  EXPECT("path_create_directory", __wasi_path_create_directory(dir, "target") == 0);
  EXPECT("path_symlink", __wasi_path_symlink("source", dir, "target/") == __WASI_ERRNO_EXIST);
  EXPECT("path_symlink", __wasi_path_symlink("source", dir, "target") == __WASI_ERRNO_EXIST);
  EXPECT("path_remove_directory", __wasi_path_remove_directory(dir, "target/") == 0);
  EXPECT("path_open", make_file(dir, "target"));
  EXPECT("path_symlink", is_one_of(__wasi_path_symlink("source", dir, "target/"), __WASI_ERRNO_EXIST,
                                   __WASI_ERRNO_NOTDIR, __WASI_ERRNO_NOTDIR));
  EXPECT("path_unlink_file", __wasi_path_unlink_file(dir, "target") == 0);

  EXPECT("path_open", make_file(dir, "source"));
  EXPECT("path_link", __wasi_path_link(dir, 0, "source", dir, "target/") == __WASI_ERRNO_NOENT);
  EXPECT("path_link", __wasi_path_link(dir, 0, "source/", dir, "target") == __WASI_ERRNO_NOTDIR);
  EXPECT("path_link", __wasi_path_filestat_get(dir, 0, "target", &st) == __WASI_ERRNO_NOENT);
  EXPECT("path_link", __wasi_path_link(dir, 0, "source", dir, "target") == 0);
  EXPECT("path_link", __wasi_path_link(dir, 0, "source", dir, "target/") == __WASI_ERRNO_EXIST);
  EXPECT("path_unlink_file", __wasi_path_unlink_file(dir, "target") == 0);
  /* ... and on the other calls: a file named with a trailing '/' is not a directory. */
  EXPECT("path_rename", __wasi_path_rename(dir, "source/", dir, "renamed") == __WASI_ERRNO_NOTDIR);
  EXPECT("path_rename", __wasi_path_rename(dir, "source", dir, "renamed/") == __WASI_ERRNO_NOTDIR);
  EXPECT("path_rename", __wasi_path_filestat_get(dir, 0, "source", &st) == 0);
  EXPECT("path_filestat_get", __wasi_path_filestat_get(dir, 0, "source/", &st) == __WASI_ERRNO_NOTDIR);
  EXPECT("path_open", __wasi_path_open(dir, 0, "source/", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f) == __WASI_ERRNO_NOTDIR);
  EXPECT("path_open", __wasi_path_open(dir, 0, "new/", __WASI_OFLAGS_CREAT, kFileRights, 0, 0, &f) != 0);
  EXPECT("path_remove_directory", __wasi_path_remove_directory(dir, "source/") == __WASI_ERRNO_NOTDIR);
  EXPECT("path_filestat_set_times",
         __wasi_path_filestat_set_times(dir, 0, "source/", 0, 0, __WASI_FSTFLAGS_MTIM_NOW) == __WASI_ERRNO_NOTDIR);

  /* Unlinking with a trailing '/': a directory is refused as a directory, a file is not one. */
  EXPECT("path_create_directory", __wasi_path_create_directory(dir, "d") == 0);
  EXPECT("path_unlink_file",
         is_one_of(__wasi_path_unlink_file(dir, "d"), __WASI_ERRNO_ISDIR, __WASI_ERRNO_PERM, __WASI_ERRNO_ACCES));
  EXPECT("path_unlink_file",
         is_one_of(__wasi_path_unlink_file(dir, "d/"), __WASI_ERRNO_ISDIR, __WASI_ERRNO_PERM, __WASI_ERRNO_ACCES));
  EXPECT("path_unlink_file", __wasi_path_unlink_file(dir, "source/") == __WASI_ERRNO_NOTDIR);
  EXPECT("path_unlink_file", __wasi_path_unlink_file(dir, "nothing/") == __WASI_ERRNO_NOENT);
  EXPECT("path_unlink_file", __wasi_path_unlink_file(dir, "source") == 0);

  /* A directory opened with file rights (read and write): EISDIR, with O_DIRECTORY or without. A
   * directory open asking for directory rights as well keeps working (it gets them only). */
  const __wasi_rights_t rw = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE;
  EXPECT("path_open", __wasi_path_open(dir, 0, "d", __WASI_OFLAGS_DIRECTORY, rw, 0, 0, &f) == __WASI_ERRNO_ISDIR);
  EXPECT("path_open", __wasi_path_open(dir, 0, ".", __WASI_OFLAGS_DIRECTORY, rw, 0, 0, &f) == __WASI_ERRNO_ISDIR);
  EXPECT("path_open", __wasi_path_open(dir, 0, "d", 0, rw, 0, 0, &f) == __WASI_ERRNO_ISDIR);
  EXPECT("path_open", __wasi_path_open(dir, 0, "d", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &f) == __WASI_ERRNO_ISDIR);
  EXPECT("path_open", __wasi_path_open(dir, 0, "d", __WASI_OFLAGS_DIRECTORY,
                                       __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_PATH_OPEN, 0, 0, &f) == 0 &&
                          __wasi_fd_close(f) == 0);
  EXPECT("path_open",
         __wasi_path_open(dir, 0, "d", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f) == 0 && __wasi_fd_close(f) == 0);

  /* Truncation is a right of the directory (path_filestat_set_size): without it, O_TRUNC fails
   * and the file keeps its bytes. */
  __wasi_fd_t f2;
  __wasi_size_t written;
  EXPECT("path_open", __wasi_path_open(dir, 0, "keep", __WASI_OFLAGS_CREAT, kFileRights, 0, 0, &f2) == 0 &&
                          write_all(f2, "12345", &written) == 0 && __wasi_fd_close(f2) == 0);
  __wasi_fd_t limited;
  const __wasi_rights_t no_trunc = (__WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR |
                                    __WASI_RIGHTS_PATH_FILESTAT_GET | __WASI_RIGHTS_PATH_CREATE_FILE);
  EXPECT("path_open", __wasi_path_open(dir, 0, ".", __WASI_OFLAGS_DIRECTORY, no_trunc, kFileRights, 0, &limited) == 0);
  EXPECT("path_open", __wasi_path_open(limited, 0, "keep", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_WRITE, 0, 0, &f) ==
                          __WASI_ERRNO_NOTCAPABLE);
  EXPECT("path_open", __wasi_path_filestat_get(dir, 0, "keep", &st) == 0 && st.size == 5);
  EXPECT("path_open",
         __wasi_path_open(limited, 0, "keep", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f) == 0 && __wasi_fd_close(f) == 0);
  EXPECT("path_open", __wasi_path_open(dir, 0, "keep", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_WRITE, 0, 0, &f) == 0 &&
                          __wasi_fd_close(f) == 0);
  EXPECT("path_open", __wasi_path_filestat_get(dir, 0, "keep", &st) == 0 && st.size == 0);
  EXPECT("fd_close", __wasi_fd_close(limited) == 0);
  return finish();
}
