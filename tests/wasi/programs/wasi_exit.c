/* proc_exit: the code is the process's (run expects 42), and nothing after it runs. */
#include "check.h"

int main(void) {
  printf("before exit\n");
  fflush(stdout);
  __wasi_proc_exit(42);
  printf("after exit\n");
  return 0;
}
