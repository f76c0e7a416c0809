/* Preloaded in front of libsrcbind.so: an allocation of 8 MiB or more fails,
 * and so do the 64 allocations after it, as for a process at its memory limit
 * where even the exception that reports it cannot be allocated. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>

extern void* __libc_malloc(size_t size);

static int g_failing;

void* malloc(size_t size) {
  if (size >= ((size_t)8 << 20)) g_failing = 65;
  if (g_failing > 0) {
    --g_failing;
    errno = ENOMEM;
    return NULL;
  }
  return __libc_malloc(size);
}
