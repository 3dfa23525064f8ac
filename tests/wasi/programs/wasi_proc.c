/* The process: arguments (run with "a -b --c"), environment (GREETING=hi), clocks, randomness,
 * sched_yield, poll_oneoff on clocks and on a file, and the socket calls on non-sockets. */
#include "check.h"

static __wasi_timestamp_t now(__wasi_clockid_t clock) {
  __wasi_timestamp_t t = 0;
  if (__wasi_clock_time_get(clock, 1, &t) != 0) return 0;
  return t;
}

int main(void) {
  __wasi_size_t argc = 0, argv_size = 0;
  EXPECT("args_sizes_get", __wasi_args_sizes_get(&argc, &argv_size) == 0 && argc == 4);
  uint8_t* argv[8];
  uint8_t argv_buf[256];
  EXPECT("args_get", argc <= 8 && argv_size <= sizeof argv_buf && __wasi_args_get(argv, argv_buf) == 0);
  EXPECT("args_get",
         strcmp((char*)argv[1], "a") == 0 && strcmp((char*)argv[2], "-b") == 0 && strcmp((char*)argv[3], "--c") == 0);

  __wasi_size_t envc = 0, env_size = 0;
  EXPECT("environ_sizes_get", __wasi_environ_sizes_get(&envc, &env_size) == 0 && envc >= 1);
  uint8_t* env[16];
  uint8_t env_buf[512];
  int found = 0;
  if (envc <= 16 && env_size <= sizeof env_buf && __wasi_environ_get(env, env_buf) == 0)
    for (__wasi_size_t i = 0; i < envc; ++i) found |= strcmp((char*)env[i], "GREETING=hi") == 0;
  EXPECT("environ_get", found);

  __wasi_timestamp_t res = 0;
  EXPECT("clock_res_get", __wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &res) == 0 && res > 0);
  EXPECT("clock_res_get", __wasi_clock_res_get(__WASI_CLOCKID_REALTIME, &res) == 0 && res > 0);
  EXPECT("clock_res_get", __wasi_clock_res_get(99, &res) == __WASI_ERRNO_INVAL);
  EXPECT("clock_time_get", now(__WASI_CLOCKID_REALTIME) > 1600000000ull * 1000000000ull); /* after 2020 */
  __wasi_timestamp_t m1 = now(__WASI_CLOCKID_MONOTONIC), m2 = now(__WASI_CLOCKID_MONOTONIC);
  EXPECT("clock_time_get", m1 > 0 && m2 >= m1);
  EXPECT("clock_time_get", now(__WASI_CLOCKID_PROCESS_CPUTIME_ID) > 0);
  __wasi_timestamp_t t;
  EXPECT("clock_time_get", __wasi_clock_time_get(99, 1, &t) == __WASI_ERRNO_INVAL);

  uint8_t r1[32] = {0}, r2[32] = {0};
  EXPECT("random_get", __wasi_random_get(r1, sizeof r1) == 0 && __wasi_random_get(r2, sizeof r2) == 0);
  EXPECT("random_get", memcmp(r1, r2, sizeof r1) != 0);
  EXPECT("sched_yield", __wasi_sched_yield() == 0);

  /* A relative clock: poll_oneoff sleeps at least that long. */
  __wasi_subscription_t sub;
  memset(&sub, 0, sizeof sub);
  sub.userdata = 42;
  sub.u.tag = __WASI_EVENTTYPE_CLOCK;
  sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  sub.u.u.clock.timeout = 20000000; /* 20 ms */
  __wasi_event_t ev[2];
  __wasi_size_t nev = 0;
  __wasi_timestamp_t before = now(__WASI_CLOCKID_MONOTONIC);
  EXPECT("poll_oneoff", __wasi_poll_oneoff(&sub, ev, 1, &nev) == 0 && nev == 1);
  EXPECT("poll_oneoff", now(__WASI_CLOCKID_MONOTONIC) - before >= 20000000);
  EXPECT("poll_oneoff", ev[0].userdata == 42 && ev[0].error == 0 && ev[0].type == __WASI_EVENTTYPE_CLOCK);
  /* An absolute one, on the realtime clock. */
  sub.u.u.clock.id = __WASI_CLOCKID_REALTIME;
  sub.u.u.clock.timeout = now(__WASI_CLOCKID_REALTIME) + 10000000;
  sub.u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
  before = now(__WASI_CLOCKID_MONOTONIC);
  EXPECT("poll_oneoff", __wasi_poll_oneoff(&sub, ev, 1, &nev) == 0 && nev == 1);
  EXPECT("poll_oneoff", now(__WASI_CLOCKID_MONOTONIC) - before >= 5000000);
  /* A file is always ready to read; the clock beside it does not fire. */
  __wasi_fd_t dir = sandbox(), f;
  __wasi_size_t n;
  EXPECT("poll_oneoff", __wasi_path_open(dir, 0, "p.txt", __WASI_OFLAGS_CREAT, kFileRights, 0, 0, &f) == 0 &&
                            write_all(f, "12345", &n) == 0 && __wasi_fd_seek(f, 0, __WASI_WHENCE_SET, &t) == 0);
  __wasi_subscription_t subs[2];
  memset(subs, 0, sizeof subs);
  subs[0].userdata = 1;
  subs[0].u.tag = __WASI_EVENTTYPE_FD_READ;
  subs[0].u.u.fd_read.file_descriptor = f;
  subs[1].userdata = 2;
  subs[1].u.tag = __WASI_EVENTTYPE_CLOCK;
  subs[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  subs[1].u.u.clock.timeout = 5000000000ull; /* 5 s: must not be waited for */
  before = now(__WASI_CLOCKID_MONOTONIC);
  EXPECT("poll_oneoff", __wasi_poll_oneoff(subs, ev, 2, &nev) == 0 && nev == 1 && ev[0].userdata == 1 &&
                            ev[0].type == __WASI_EVENTTYPE_FD_READ && ev[0].fd_readwrite.nbytes == 5);
  EXPECT("poll_oneoff", now(__WASI_CLOCKID_MONOTONIC) - before < 1000000000ull);
  subs[0].u.u.fd_read.file_descriptor = 77;
  EXPECT("poll_oneoff", __wasi_poll_oneoff(subs, ev, 1, &nev) == 0 && nev == 1 && ev[0].error == __WASI_ERRNO_BADF);
  EXPECT("poll_oneoff", __wasi_poll_oneoff(subs, ev, 0, &nev) == __WASI_ERRNO_INVAL);

  /* No sockets: a descriptor that is not one says so; one that is not open is EBADF. */
  EXPECT("sock_shutdown", __wasi_sock_shutdown(1, __WASI_SDFLAGS_RD) == __WASI_ERRNO_NOTSOCK);
  EXPECT("sock_shutdown", __wasi_sock_shutdown(77, __WASI_SDFLAGS_RD) == __WASI_ERRNO_BADF);
  __wasi_fd_t s;
  EXPECT("sock_accept", __wasi_sock_accept(f, 0, &s) == __WASI_ERRNO_NOTSOCK);
  EXPECT("sock_accept", __wasi_sock_accept(77, 0, &s) == __WASI_ERRNO_BADF);
  uint8_t b[4];
  __wasi_iovec_t iv = {b, sizeof b};
  __wasi_ciovec_t cv = {b, sizeof b};
  __wasi_roflags_t ro;
  EXPECT("sock_recv", __wasi_sock_recv(f, &iv, 1, 0, &n, &ro) == __WASI_ERRNO_NOTSOCK);
  EXPECT("sock_send", __wasi_sock_send(f, &cv, 1, 0, &n) == __WASI_ERRNO_NOTSOCK);
  return finish();
}
