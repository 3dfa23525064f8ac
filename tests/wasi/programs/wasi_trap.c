/* A trap: edge-node run exits 134 as wasmtime does (128 + SIGABRT). */
#include "check.h"

int main(void) {
  printf("before the trap\n");
  fflush(stdout);
  __builtin_trap();
}
