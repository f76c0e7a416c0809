// Libraries loaded with RTLD_DEEPBIND (PHP's extensions) look their symbols up
// in their own dependencies first: their connect() is the C library's, not
// ours, and their sockets would leave from the kernel's source. The library's
// dlopen() therefore sees each deep-bound load and points the new objects'
// imports of the interposed functions at the hooks, as ordinary symbol lookup
// would have (docs/linux-facts.md Q19).
//
// Other loads go straight on to the C library's dlopen with the program's own
// return address (a jump, not a call), so that the caller's namespace, RUNPATH
// and $ORIGIN stay its own.
#pragma once

extern "C" {
// Whether the library handles this deep-bound load itself: `file` is a path
// (no search, no $ORIGIN, so the caller does not matter), the caller is in the
// base namespace and this architecture's relocations are known. Otherwise the
// load goes through untouched, with an info line.
int srcbind_deep_bind_takes_over(const char* file, int mode, const void* caller);
// Loads `file` and redirects the new objects' imports of the hooks.
void* srcbind_deep_bind_dlopen(const char* file, int mode);
// dlopen's address in the C library; 0 until the first dlopen looks it up
// (not the constructor: a process that loads nothing should not pay for dlsym).
extern void* srcbind_real_dlopen;
// Looks srcbind_real_dlopen up; the first dlopen calls it, then jumps there
// with the program's own return address.
void* srcbind_resolve_dlopen(void);
// Where dlsym found no dlopen (and on other architectures): loads through a call.
void* srcbind_dlopen_unresolved(const char* file, int mode);
}
