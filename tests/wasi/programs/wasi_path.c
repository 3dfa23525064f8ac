/* Paths beneath a preopen: directories, symlinks (dangling ones too), hard links, renames,
 * unlinks, times, readdir with cookies, the preopen's name, escapes, and Rust's reopen of a
 * preopen with the rights fd_fdstat_get reported. */
#include <stdlib.h>

#include "check.h"

static int make_file(__wasi_fd_t dir, const char* path, const char* text) {
  __wasi_fd_t f;
  __wasi_size_t n;
  if (__wasi_path_open(dir, 0, path, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, kFileRights, 0, 0, &f) != 0) return 0;
  int ok = write_all(f, text, &n) == 0;
  return __wasi_fd_close(f) == 0 && ok;
}

/* Every name fd_readdir gives, read `chunk` bytes at a time, as "a,b,c," (sorted by the host). */
static void list(__wasi_fd_t d, size_t chunk, char* out, size_t out_len) {
  uint8_t buf[512];
  __wasi_dircookie_t cookie = 0;
  out[0] = 0;
  for (int rounds = 0; rounds < 100; ++rounds) {
    __wasi_size_t used = 0;
    if (__wasi_fd_readdir(d, buf, chunk, cookie, &used) != 0) return;
    size_t at = 0;
    int whole = 0;
    while (at + sizeof(__wasi_dirent_t) <= used) {
      __wasi_dirent_t e;
      memcpy(&e, buf + at, sizeof e);
      if (at + sizeof e + e.d_namlen > used) break; /* cut: read again from its cookie */
      strncat(out, (const char*)buf + at + sizeof e, e.d_namlen < out_len - strlen(out) - 2 ? e.d_namlen : 0);
      strcat(out, ",");
      cookie = e.d_next;
      at += sizeof e + e.d_namlen;
      ++whole;
    }
    if (used < chunk && at == used) return; /* the end */
    if (!whole) return;                     /* a buffer too small for one entry */
  }
}

int main(void) {
  __wasi_fd_t dir = sandbox();
  __wasi_fd_t f = 0;
  __wasi_filestat_t st;
  __wasi_size_t n = 0;
  char buf[128];

  EXPECT("fd_prestat_get", __wasi_fd_prestat_get(1, (__wasi_prestat_t*)buf) == __WASI_ERRNO_BADF);
  __wasi_prestat_t pre;
  EXPECT("fd_prestat_get",
         __wasi_fd_prestat_get(dir, &pre) == 0 && pre.tag == __WASI_PREOPENTYPE_DIR && pre.u.dir.pr_name_len == 8);
  EXPECT("fd_prestat_dir_name",
         __wasi_fd_prestat_dir_name(dir, (uint8_t*)buf, 8) == 0 && memcmp(buf, "/sandbox", 8) == 0);
  EXPECT("fd_prestat_dir_name", __wasi_fd_prestat_dir_name(dir, (uint8_t*)buf, 3) == __WASI_ERRNO_NAMETOOLONG);

  /* Rust's std reopens a preopen with exactly the rights fd_fdstat_get reports. */
  __wasi_fdstat_t fs;
  EXPECT("path_open", __wasi_fd_fdstat_get(dir, &fs) == 0);
  EXPECT("path_open", __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, ".", __WASI_OFLAGS_DIRECTORY,
                                       fs.fs_rights_inheriting, fs.fs_rights_inheriting, 0, &f) == 0);
  EXPECT("path_open", __wasi_fd_fdstat_get(f, &fs) == 0 && fs.fs_filetype == __WASI_FILETYPE_DIRECTORY &&
                          (fs.fs_rights_base & __WASI_RIGHTS_PATH_OPEN));
  EXPECT("fd_close", __wasi_fd_close(f) == 0);
  EXPECT("path_open",
         __wasi_path_open(dir, 0, ".", 0, ~0ull, 0, 0, &f) == __WASI_ERRNO_NOTCAPABLE); /* more than allowed */

  EXPECT("path_create_directory", __wasi_path_create_directory(dir, "d") == 0);
  EXPECT("path_create_directory", __wasi_path_create_directory(dir, "d") == __WASI_ERRNO_EXIST);
  EXPECT("path_create_directory", __wasi_path_create_directory(dir, "no/such/parent") == __WASI_ERRNO_NOENT);
  EXPECT("path_create_directory", __wasi_path_create_directory(dir, "../evil") == __WASI_ERRNO_NOTCAPABLE);
  EXPECT("path_open", make_file(dir, "d/inner.txt", "x"));
  EXPECT("path_filestat_get",
         __wasi_path_filestat_get(dir, 0, "d", &st) == 0 && st.filetype == __WASI_FILETYPE_DIRECTORY);
  EXPECT("path_filestat_get", __wasi_path_filestat_get(dir, 0, "d/inner.txt", &st) == 0 && st.size == 1);
  EXPECT("path_filestat_get", __wasi_path_filestat_get(dir, 0, "nothing", &st) == __WASI_ERRNO_NOENT);

  EXPECT("path_symlink", __wasi_path_symlink("inner.txt", dir, "d/link") == 0);
  EXPECT("path_symlink", __wasi_path_symlink("inner.txt", dir, "d/link") == __WASI_ERRNO_EXIST);
  EXPECT("path_readlink", __wasi_path_readlink(dir, "d/link", (uint8_t*)buf, sizeof buf, &n) == 0 && n == 9 &&
                              memcmp(buf, "inner.txt", 9) == 0);
  EXPECT("path_readlink",
         __wasi_path_readlink(dir, "d/inner.txt", (uint8_t*)buf, sizeof buf, &n) == __WASI_ERRNO_INVAL);
  EXPECT("path_filestat_get",
         __wasi_path_filestat_get(dir, 0, "d/link", &st) == 0 && st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK);
  /* The node follows a symlink inside the preopen through openat2; without it (old kernels,
   * qemu-user before 9.0) it refuses every symlink: the test says so with this variable. */
  const int follows = getenv("EDGE_TEST_NO_OPENAT2") == NULL;
  if (follows)
    EXPECT("path_filestat_get", __wasi_path_filestat_get(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "d/link", &st) == 0 &&
                                    st.filetype == __WASI_FILETYPE_REGULAR_FILE);
  /* Dangling: the link is there, what it names is not. */
  EXPECT("path_symlink", __wasi_path_symlink("not-there", dir, "dangling") == 0);
  EXPECT("path_filestat_get",
         __wasi_path_filestat_get(dir, 0, "dangling", &st) == 0 && st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK);
  if (follows)
    EXPECT("path_open", __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "dangling", 0, __WASI_RIGHTS_FD_READ,
                                         0, 0, &f) == __WASI_ERRNO_NOENT);
  /* A link that points out exists, but following it leaves the preopen. */
  EXPECT("path_symlink", __wasi_path_symlink("../../outside", dir, "escape") == 0);
  EXPECT("path_open", __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "escape", 0, __WASI_RIGHTS_FD_READ, 0, 0,
                                       &f) == __WASI_ERRNO_NOTCAPABLE);
  EXPECT("path_open",
         __wasi_path_open(dir, 0, "../outside", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f) == __WASI_ERRNO_NOTCAPABLE);
  EXPECT("path_open",
         __wasi_path_open(dir, 0, "/etc/passwd", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f) == __WASI_ERRNO_NOTCAPABLE);
  EXPECT("path_open", __wasi_path_open(dir, 0, "d/link", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f) != 0); /* O_NOFOLLOW */

  EXPECT("path_link", __wasi_path_link(dir, 0, "d/inner.txt", dir, "hard.txt") == 0);
  EXPECT("path_link", __wasi_path_filestat_get(dir, 0, "hard.txt", &st) == 0 && st.nlink == 2);
  EXPECT("path_link", __wasi_path_link(dir, 0, "d/inner.txt", dir, "hard.txt") == __WASI_ERRNO_EXIST);
  EXPECT("path_link", __wasi_path_link(dir, 0, "d/inner.txt", dir, "../out.txt") == __WASI_ERRNO_NOTCAPABLE);

  EXPECT("path_rename", __wasi_path_rename(dir, "hard.txt", dir, "d/moved.txt") == 0);
  EXPECT("path_rename", __wasi_path_filestat_get(dir, 0, "hard.txt", &st) == __WASI_ERRNO_NOENT);
  EXPECT("path_rename", __wasi_path_filestat_get(dir, 0, "d/moved.txt", &st) == 0);
  EXPECT("path_rename", __wasi_path_rename(dir, "d/moved.txt", dir, "../moved.txt") == __WASI_ERRNO_NOTCAPABLE);
  EXPECT("path_rename", __wasi_path_rename(dir, "missing", dir, "x") == __WASI_ERRNO_NOENT);

  const __wasi_timestamp_t when = 2000000000456ull;
  EXPECT("path_filestat_set_times", __wasi_path_filestat_set_times(dir, 0, "d/inner.txt", when, when,
                                                                   __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM) == 0);
  EXPECT("path_filestat_set_times",
         __wasi_path_filestat_get(dir, 0, "d/inner.txt", &st) == 0 && st.mtim == when && st.atim == when);
  if (follows) {
    EXPECT("path_filestat_set_times", __wasi_path_filestat_set_times(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "d/link",
                                                                     0, when + 1000, __WASI_FSTFLAGS_MTIM) == 0);
    EXPECT("path_filestat_set_times",
           __wasi_path_filestat_get(dir, 0, "d/inner.txt", &st) == 0 && st.mtim == when + 1000);
  }

  /* fd_readdir: everything at once, then a few bytes at a time through the cookies. */
  EXPECT("path_create_directory", __wasi_path_create_directory(dir, "r") == 0);
  EXPECT("path_open",
         make_file(dir, "r/a", "1") && make_file(dir, "r/b", "2") && make_file(dir, "r/ccccccccccccc", "3"));
  __wasi_fd_t r;
  EXPECT("path_open", __wasi_path_open(dir, 0, "r", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, 0, 0, &r) == 0);
  char all[256], pieces[256];
  list(r, 512, all, sizeof all);
  list(r, 40, pieces, sizeof pieces);
  EXPECT("fd_readdir", strcmp(all, ".,..,a,b,ccccccccccccc,") == 0);
  EXPECT("fd_readdir", strcmp(pieces, all) == 0);
  EXPECT("fd_readdir", __wasi_fd_readdir(77, (uint8_t*)buf, sizeof buf, 0, &n) == __WASI_ERRNO_BADF);

  EXPECT("path_unlink_file", __wasi_path_unlink_file(dir, "d/moved.txt") == 0);
  EXPECT("path_unlink_file", __wasi_path_unlink_file(dir, "d/moved.txt") == __WASI_ERRNO_NOENT);
  EXPECT("path_unlink_file", __wasi_path_unlink_file(dir, "d") == __WASI_ERRNO_ISDIR);
  EXPECT("path_unlink_file", __wasi_path_unlink_file(dir, "dangling") == 0); /* the link, not what it names */
  EXPECT("path_unlink_file", __wasi_path_unlink_file(dir, "../outside") == __WASI_ERRNO_NOTCAPABLE);
  EXPECT("path_remove_directory", __wasi_path_remove_directory(dir, "d") == __WASI_ERRNO_NOTEMPTY);
  EXPECT("path_remove_directory", __wasi_path_remove_directory(dir, "d/inner.txt") == __WASI_ERRNO_NOTDIR);
  EXPECT("path_unlink_file",
         __wasi_path_unlink_file(dir, "d/inner.txt") == 0 && __wasi_path_unlink_file(dir, "d/link") == 0);
  EXPECT("path_remove_directory", __wasi_path_remove_directory(dir, "d") == 0);
  EXPECT("path_remove_directory", __wasi_path_remove_directory(dir, "d") == __WASI_ERRNO_NOENT);
  return finish();
}
