/* Another interposer (like proxychains or torsocks): counts connect() calls and
 * hands them on with RTLD_NEXT; prints the count at exit. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <sys/socket.h>

static int g_calls;

int connect(int fd, const struct sockaddr* addr, socklen_t len) {
  int (*next)(int, const struct sockaddr*, socklen_t) = (int (*)(int, const struct sockaddr*, socklen_t))dlsym(RTLD_NEXT, "connect");
  ++g_calls;
  return next(fd, addr, len);
}

__attribute__((destructor)) static void report(void) { fprintf(stderr, "count_shim: %d connect calls\n", g_calls); }
