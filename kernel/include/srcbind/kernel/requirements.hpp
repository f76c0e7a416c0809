// What the kernel backend needs, probed before anything is loaded, so that a
// missing piece is one clear line and not a verifier dump.
#pragma once

#include <string>

namespace srcbind::kernel {

// Empty when everything is there; else one line naming what is missing, e.g.
// "the kernel has no bpf_loop() for cgroup socket-address programs (Linux 5.17 or
// later is needed; this is 5.15.0)". Checked in this order: capabilities, BTF, BPF
// allowed, each helper, then the cgroup: a cgroup2 mount that is not visible is
// not a problem (--kernel mounts one), our own cgroup directory must be writable.
std::string missing_kernel_requirement();

// "6.1" — the oldest kernel the backend is written for (README).
inline constexpr const char* kMinimumKernel = "6.1";

}  // namespace srcbind::kernel
