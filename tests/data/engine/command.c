// A WASI command for run_command: reads a file from a preopen, prints argv and an env var, exits 7.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) printf("arg%d=%s\n", i, argv[i]);
  const char* v = getenv("GREETING");
  printf("GREETING=%s\n", v ? v : "(unset)");
  FILE* f = fopen("/data/inside.txt", "r");
  if (f) {
    char buf[64] = {0};
    fgets(buf, sizeof buf, f);
    printf("file=%s\n", buf);
    fclose(f);
  }
  return 7;
}
