/* Descriptors: open flags, reads and writes with and without offsets, seek/tell, sizes, times,
 * advice, allocation, sync, fdstat and its flags and rights, renumber, close, bad descriptors. */
#include "check.h"

int main(void) {
  __wasi_fd_t dir = sandbox();
  __wasi_fd_t f = 0, g = 0;
  __wasi_size_t n = 0;
  __wasi_filesize_t pos = 0;
  char buf[64] = {0};

  EXPECT("path_open",
         __wasi_path_open(dir, 0, "f.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, kFileRights, 0, 0, &f) == 0);
  EXPECT("fd_write", write_all(f, "hello world", &n) == 0 && n == 11);
  EXPECT("fd_tell", __wasi_fd_tell(f, &pos) == 0 && pos == 11);
  EXPECT("fd_seek", __wasi_fd_seek(f, 0, __WASI_WHENCE_SET, &pos) == 0 && pos == 0);
  EXPECT("fd_read", read_some(f, buf, 5, &n) == 0 && n == 5 && memcmp(buf, "hello", 5) == 0);
  EXPECT("fd_seek", __wasi_fd_seek(f, -5, __WASI_WHENCE_END, &pos) == 0 && pos == 6);
  EXPECT("fd_seek", __wasi_fd_seek(f, 1, __WASI_WHENCE_CUR, &pos) == 0 && pos == 7);
  EXPECT("fd_seek", __wasi_fd_seek(f, 0, 7, &pos) == __WASI_ERRNO_INVAL);
  EXPECT("fd_read", read_some(f, buf, sizeof buf, &n) == 0 && n == 4 && memcmp(buf, "orld", 4) == 0);
  EXPECT("fd_read", read_some(f, buf, sizeof buf, &n) == 0 && n == 0); /* end of file */

  __wasi_iovec_t rv = {(uint8_t*)buf, 5};
  EXPECT("fd_pread", __wasi_fd_pread(f, &rv, 1, 6, &n) == 0 && n == 5 && memcmp(buf, "world", 5) == 0);
  EXPECT("fd_pread", __wasi_fd_tell(f, &pos) == 0 && pos == 11); /* the position did not move */
  __wasi_ciovec_t wv = {(const uint8_t*)"HELLO", 5};
  EXPECT("fd_pwrite", __wasi_fd_pwrite(f, &wv, 1, 0, &n) == 0 && n == 5);
  EXPECT("fd_pwrite", __wasi_fd_pread(f, &rv, 1, 0, &n) == 0 && memcmp(buf, "HELLO", 5) == 0);

  __wasi_filestat_t st;
  EXPECT("fd_filestat_get", __wasi_fd_filestat_get(f, &st) == 0 && st.size == 11 &&
                                st.filetype == __WASI_FILETYPE_REGULAR_FILE && st.nlink == 1);
  EXPECT("fd_filestat_set_size", __wasi_fd_filestat_set_size(f, 5) == 0);
  EXPECT("fd_filestat_set_size", __wasi_fd_filestat_get(f, &st) == 0 && st.size == 5);
  const __wasi_timestamp_t when = 1000000000123ull; /* nanoseconds are kept */
  EXPECT("fd_filestat_set_times", __wasi_fd_filestat_set_times(f, 0, when, __WASI_FSTFLAGS_MTIM) == 0);
  EXPECT("fd_filestat_set_times", __wasi_fd_filestat_get(f, &st) == 0 && st.mtim == when);
  EXPECT("fd_filestat_set_times",
         __wasi_fd_filestat_set_times(f, 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW) == __WASI_ERRNO_INVAL);
  EXPECT("fd_advise", __wasi_fd_advise(f, 0, 5, __WASI_ADVICE_SEQUENTIAL) == 0);
  EXPECT("fd_advise", __wasi_fd_advise(f, 0, 5, 99) == __WASI_ERRNO_INVAL);
  EXPECT("fd_allocate", __wasi_fd_allocate(f, 0, 100) == 0);
  EXPECT("fd_allocate", __wasi_fd_filestat_get(f, &st) == 0 && st.size == 100);
  EXPECT("fd_sync", __wasi_fd_sync(f) == 0);
  EXPECT("fd_datasync", __wasi_fd_datasync(f) == 0);

  __wasi_fdstat_t fs;
  EXPECT("fd_fdstat_get", __wasi_fd_fdstat_get(f, &fs) == 0 && fs.fs_filetype == __WASI_FILETYPE_REGULAR_FILE);
  EXPECT("fd_fdstat_get", (fs.fs_rights_base & __WASI_RIGHTS_FD_READ) && (fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE));
  EXPECT("fd_fdstat_get", !(fs.fs_rights_base & __WASI_RIGHTS_PATH_OPEN)); /* a file opens no paths */
  EXPECT("fd_fdstat_get", __wasi_fd_fdstat_get(dir, &fs) == 0 && fs.fs_filetype == __WASI_FILETYPE_DIRECTORY);
  EXPECT("fd_fdstat_get",
         (fs.fs_rights_base & __WASI_RIGHTS_PATH_OPEN) && (fs.fs_rights_base & __WASI_RIGHTS_FD_READDIR));
  EXPECT("fd_fdstat_get", (fs.fs_rights_inheriting & __WASI_RIGHTS_FD_READ) != 0);
  EXPECT("fd_fdstat_get", __wasi_fd_fdstat_get(1, &fs) == 0 && (fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE));

  EXPECT("fd_fdstat_set_flags", __wasi_fd_fdstat_set_flags(f, __WASI_FDFLAGS_APPEND) == 0);
  EXPECT("fd_fdstat_set_flags", __wasi_fd_fdstat_get(f, &fs) == 0 && (fs.fs_flags & __WASI_FDFLAGS_APPEND));
  EXPECT("fd_fdstat_set_flags", __wasi_fd_seek(f, 0, __WASI_WHENCE_SET, &pos) == 0 && write_all(f, "Z", &n) == 0);
  EXPECT("fd_fdstat_set_flags", __wasi_fd_filestat_get(f, &st) == 0 && st.size == 101); /* appended */
  EXPECT("fd_fdstat_set_flags", __wasi_fd_fdstat_set_flags(f, 0) == 0);

  EXPECT("fd_fdstat_set_rights", __wasi_fd_fdstat_set_rights(f, kFileRights & ~__WASI_RIGHTS_FD_READ, 0) == 0);
  EXPECT("fd_fdstat_set_rights", read_some(f, buf, 1, &n) == __WASI_ERRNO_NOTCAPABLE);
  EXPECT("fd_fdstat_set_rights", __wasi_fd_fdstat_set_rights(f, kFileRights, 0) == __WASI_ERRNO_NOTCAPABLE);

  EXPECT("path_open", __wasi_path_open(dir, 0, "f.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, kFileRights, 0, 0,
                                       &g) == __WASI_ERRNO_EXIST);
  EXPECT("path_open", __wasi_path_open(dir, 0, "f.txt", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, 0, 0, &g) ==
                          __WASI_ERRNO_NOTDIR);
  EXPECT("path_open",
         __wasi_path_open(dir, 0, "missing.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &g) == __WASI_ERRNO_NOENT);
  EXPECT("path_open",
         __wasi_path_open(dir, 0, "g.txt", __WASI_OFLAGS_CREAT, kFileRights, 0, __WASI_FDFLAGS_APPEND, &g) == 0);
  EXPECT("path_open", __wasi_path_open(dir, 0, "f.txt", __WASI_OFLAGS_TRUNC, kFileRights, 0, 0, &g) == 0 &&
                          __wasi_fd_filestat_get(g, &st) == 0 && st.size == 0);

  EXPECT("fd_renumber", __wasi_fd_renumber(f, g) == 0);
  EXPECT("fd_renumber", __wasi_fd_fdstat_get(f, &fs) == __WASI_ERRNO_BADF);
  EXPECT("fd_renumber", write_all(g, "renumbered", &n) == 0 && n == 10);
  EXPECT("fd_renumber", __wasi_fd_renumber(77, g) == __WASI_ERRNO_BADF);
  EXPECT("fd_close", __wasi_fd_close(g) == 0);
  EXPECT("fd_close", __wasi_fd_close(g) == __WASI_ERRNO_BADF);

  EXPECT("fd_write", write_all(77, "x", &n) == __WASI_ERRNO_BADF);
  EXPECT("fd_read", read_some(77, buf, 1, &n) == __WASI_ERRNO_BADF);
  /* stdio cannot seek (no such right: wasi-libc's isatty() reads that as a terminal). */
  EXPECT("fd_seek", __wasi_fd_seek(1, 0, __WASI_WHENCE_CUR, &pos) == __WASI_ERRNO_NOTCAPABLE);
  EXPECT("fd_write", write_all(1, "", &n) == 0);
  return finish();
}
