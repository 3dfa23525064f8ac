/* The conformance programs' few helpers: EXPECT counts each check under the preview1 function
 * it exercises and prints what failed; finish() prints the tally the test runner reads
 * ("count <function> <checks>") and the verdict, and gives the exit code. */
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static struct {
  const char* fn;
  int checks;
} g_tally[64];
static int g_failed;

static inline void tally(const char* fn) {
  for (int i = 0; i < 64; ++i) {
    if (!g_tally[i].fn) g_tally[i].fn = fn;
    if (strcmp(g_tally[i].fn, fn) == 0) {
      ++g_tally[i].checks;
      return;
    }
  }
}

#define EXPECT(fn, expr)                                              \
  do {                                                                \
    tally(fn);                                                        \
    if (!(expr)) {                                                    \
      ++g_failed;                                                     \
      printf("FAIL %s:%d (%s): %s\n", __FILE__, __LINE__, fn, #expr); \
    }                                                                 \
  } while (0)

static inline int finish(void) {
  for (int i = 0; i < 64 && g_tally[i].fn; ++i) printf("count %s %d\n", g_tally[i].fn, g_tally[i].checks);
  printf("%s: %d failed\n", g_failed ? "FAILED" : "ok", g_failed);
  return g_failed ? 1 : 0;
}

/* The preopen the runner gives every program, "/sandbox" (an empty scratch folder). */
static inline __wasi_fd_t sandbox(void) {
  for (__wasi_fd_t fd = 3; fd < 16; ++fd) {
    __wasi_prestat_t p;
    if (__wasi_fd_prestat_get(fd, &p) != 0) continue;
    char name[64] = {0};
    if (p.u.dir.pr_name_len < sizeof name && __wasi_fd_prestat_dir_name(fd, (uint8_t*)name, p.u.dir.pr_name_len) == 0 &&
        strcmp(name, "/sandbox") == 0)
      return fd;
  }
  printf("FAIL: no /sandbox preopen\n");
  return (__wasi_fd_t)-1;
}

static const __wasi_rights_t kFileRights = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK |
                                           __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_FILESTAT_GET |
                                           __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_FILESTAT_SET_TIMES |
                                           __WASI_RIGHTS_FD_ADVISE | __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_SYNC |
                                           __WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS;

static inline __wasi_errno_t write_all(__wasi_fd_t fd, const char* text, __wasi_size_t* n) {
  __wasi_ciovec_t v = {(const uint8_t*)text, strlen(text)};
  return __wasi_fd_write(fd, &v, 1, n);
}

static inline __wasi_errno_t read_some(__wasi_fd_t fd, char* buf, size_t len, __wasi_size_t* n) {
  __wasi_iovec_t v = {(uint8_t*)buf, len};
  return __wasi_fd_read(fd, &v, 1, n);
}
