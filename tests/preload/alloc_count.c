/* Preloaded in front of libsrcbind.so: counts the allocations of the process
 * (malloc, calloc, realloc) and prints the count at exit, with write() so that
 * printing allocates nothing. */
#define _GNU_SOURCE
#include <stddef.h>
#include <unistd.h>

extern void* __libc_malloc(size_t size);
extern void* __libc_calloc(size_t count, size_t size);
extern void* __libc_realloc(void* old, size_t size);

static unsigned long g_count;

void* malloc(size_t size) {
  ++g_count;
  return __libc_malloc(size);
}

void* calloc(size_t count, size_t size) {
  ++g_count;
  return __libc_calloc(count, size);
}

void* realloc(void* old, size_t size) {
  ++g_count;
  return __libc_realloc(old, size);
}

__attribute__((destructor)) static void report(void) {
  char text[64] = "alloc_count: ";
  size_t at = 13;
  char digits[24];
  int n = 0;
  unsigned long v = g_count;
  do digits[n++] = (char)('0' + v % 10); while ((v /= 10) != 0 && n < 24);
  while (n > 0) text[at++] = digits[--n];
  text[at++] = '\n';
  (void)!write(2, text, at);
}
