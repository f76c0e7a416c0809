// Pages, not instructions, are what a hook costs most on a datagram send. With
// page-table isolation (as on these machines) every syscall flushes the TLB, so
// each distinct page the hook touches afterwards costs a page walk: about 25-30
// ns under virtualisation, against ~0.3 ns an instruction (bench/README.md).
//
// So the code of the per-call path goes into one section that starts on a page
// of its own (hot_text.ld), log and error paths are cold (moved away), and the
// state every hook reads (the runtime, the real functions' addresses, next to
// the fd table) lives in one small data section.
#pragma once

#define SRCBIND_HOT __attribute__((hot, section("srcbind_hot_text")))
#define SRCBIND_COLD __attribute__((cold))
#define SRCBIND_HOT_DATA __attribute__((section("srcbind_hot_data")))
