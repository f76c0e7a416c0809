// `srcbind --kernel`: the rules applied by BPF programs on a new cgroup instead of
// by the preloaded library (kernel/ and docs/kernel-backend.md).
#pragma once

#include "options.hpp"

#include <iosfwd>

namespace srcbind::cli {

// Validates the configuration as run mode does, creates the run's cgroup under
// srcbind's own, attaches the programs, moves in and execs COMMAND. Returns
// only when COMMAND was not started: 125, 126 or 127 as run mode.
int run_kernel_command(const Options& options);

// `--check --kernel`: the usual --check, then whether the kernel backend can
// work here (one line saying what is missing). 0 or 1.
int run_kernel_check(const Options& options, std::ostream& out, std::ostream& err);

// `--kernel --pin NAME`: loads the programs with the rules and pins them under
// /sys/fs/bpf/srcbind/NAME (connect4, connect6, sendmsg4, sendmsg6). 0 or 125.
int run_kernel_pin(const Options& options);

}  // namespace srcbind::cli
