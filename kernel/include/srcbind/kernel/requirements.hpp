// What the kernel backend needs, probed before anything is loaded, so that a
// missing piece is one clear line and not a verifier dump.
#pragma once

#include <string>

namespace srcbind::kernel {

// Empty when everything is there; else one line naming what is missing, e.g.
// "the kernel has no bpf_loop() for cgroup programs (Linux 5.17 or later is needed; this is 5.15.0)".
// `mount_if_missing`: a missing cgroup2 mount is not a problem when srcbind may
// mount one itself (--kernel does, --check --kernel only reports).
std::string missing_kernel_requirement();

// "6.1" — the oldest kernel the backend is written for (README).
inline constexpr const char* kMinimumKernel = "6.1";

}  // namespace srcbind::kernel
