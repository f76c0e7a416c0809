// On a datagram send, what the hook touches costs more than the instructions it
// runs: each syscall leaves the caches and, with page-table isolation (as on
// these machines), the TLB cold, so every distinct line and page the hook reads
// afterwards is a miss. Measured (bench/README.md): gathering the state every
// hook reads into one small data section, and not touching errno on the usual
// path, each took about 0.005-0.01 off the datagram ratio; page-aligning the
// code made no measurable difference but costs nothing.
//
// So the code of the per-call path goes into one section that starts on a page
// of its own (hot_text.ld), log and error paths are cold (moved away), and the
// state every hook reads (the runtime, the real functions' addresses, next to
// the fd table) lives in one small data section.
#pragma once

#define SRCBIND_HOT __attribute__((hot, section("srcbind_hot_text")))
#define SRCBIND_COLD __attribute__((cold))
#define SRCBIND_HOT_DATA __attribute__((section("srcbind_hot_data")))
