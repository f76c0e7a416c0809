// After a syscall, what a hook touches costs more than the instructions it runs:
// with page-table isolation each syscall leaves the TLB cold, and without it
// (these machines: AMD EPYC) the hook's pages still compete with the kernel's
// for the TLB and the caches, so every distinct page it reads counts. Measured side
// by side (bench/README.md), each of these took about 0.005-0.01 off the
// datagram ratio: the state every hook reads in one data page; no errno
// save/restore on the usual path; the whole sendto path in one code page; a
// small configuration's rules and index in the runtime's page.
//
// Within a page, each cache line counts too: a connect's or a datagram's
// syscall leaves the hook's lines out of the first-level caches, and each line
// read again costs a few nanoseconds (bench/README.md, "Cache lines, not
// pages"). So the usual calls take fast paths that read a few lines: the
// runtime's first line (runtime.hpp, HotLine), the fd table's entry, and, for
// a match, the lookup's.
//
// The per-call code goes into four sections, laid out in this order from a
// page boundary (hot_text.ld):
//  - SRCBIND_HOT: the hooks every connection and datagram goes through
//    (connect, sendto, socket, bind, setsockopt, close) with their fast
//    paths, which decide a fresh IPv4 socket's connect or an auto-bound IPv4
//    socket's datagram, and the real functions they call: one code page;
//  - SRCBIND_FULL: the full way, for any other call (steering.hpp): the next
//    pages;
//  - SRCBIND_LOOKUP: the rule lookup, read only when the filter lets a
//    destination through: it starts a page;
//  - SRCBIND_MSG: sendmsg and sendmmsg, which merge control messages;
// log and error paths are SRCBIND_COLD (moved away); and SRCBIND_HOT_DATA, the
// runtime (with a small configuration inside it, runtime.hpp) and the real
// functions' addresses, starts a data page of its own, and the fd table
// (SRCBIND_FD_TABLE) follows it there: the entries of the first few hundred
// descriptors, the ones programs use, are on that same page.
#pragma once

#define SRCBIND_HOT __attribute__((hot, aligned(64), section("srcbind_hot_text")))
#define SRCBIND_FULL __attribute__((section("srcbind_full_text")))
#define SRCBIND_LOOKUP __attribute__((hot, section("srcbind_lookup_text")))
#define SRCBIND_MSG __attribute__((hot, section("srcbind_msg_text")))
#define SRCBIND_COLD __attribute__((cold))
// The constructor's code (start_capture.hpp), on a page of its own: a process
// that never uses the network runs nothing else of the library.
#define SRCBIND_START __attribute__((section("srcbind_start_text")))
// Zero-initialised data only (a .bss section: hot_text.ld puts the fd table
// right after it, so the first descriptors' entries share its page).
#define SRCBIND_HOT_DATA __attribute__((section(".bss.srcbind_hot")))
#define SRCBIND_FD_TABLE __attribute__((section(".bss.srcbind_fd_table")))
