/* Preloaded in front of libsrcbind.so: every allocation of 8 MiB or more fails,
 * as it would for a program near its memory limit, so that loading a large
 * configuration runs out of memory while the program itself goes on. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>

extern void* __libc_malloc(size_t size);

void* malloc(size_t size) {
  if (size >= ((size_t)8 << 20)) {
    errno = ENOMEM;
    return NULL;
  }
  return __libc_malloc(size);
}
