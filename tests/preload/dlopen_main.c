/* srcbind_dlopen_main deep|plain LIBRARY HOST PORT: loads LIBRARY (a path, or a
 * bare name found through this program's RUNPATH) with or without
 * RTLD_DEEPBIND, and calls its deep_connect(HOST, PORT). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s deep|plain LIBRARY HOST PORT\n", argv[0]);
    return 2;
  }
  int mode = RTLD_NOW | (strcmp(argv[1], "deep") == 0 ? RTLD_DEEPBIND : 0);
  void* handle = dlopen(argv[2], mode);
  if (handle == NULL) {
    printf("dlopen failed: %s\n", dlerror());
    return 3;
  }
  int (*deep_connect)(const char*, int, char*, size_t) =
      (int (*)(const char*, int, char*, size_t))dlsym(handle, "deep_connect");
  char local[64] = "?";
  int rc = deep_connect(argv[3], atoi(argv[4]), local, sizeof local);
  printf("connect rc=%d local=%s\n", rc, local);
  return rc == 0 ? 0 : 1;
}
