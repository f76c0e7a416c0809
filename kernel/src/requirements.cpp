#include "srcbind/kernel/requirements.hpp"

#include "srcbind/kernel/cgroup.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace srcbind::kernel {
namespace {

std::string running_kernel() {
  utsname u{};
  return ::uname(&u) == 0 ? std::string(u.release) : std::string("unknown");
}

int quiet_libbpf(enum libbpf_print_level, const char*, va_list) { return 0; }

bool has_capability(unsigned capability) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  return (data[capability / 32].effective >> (capability % 32)) & 1u;
}

}  // namespace

std::string missing_kernel_requirement() {
  // Privileges first: without them every other probe would fail too.
  struct Needed {
    unsigned capability;
    const char* name;
  };
  const Needed needed[] = {{CAP_BPF, "CAP_BPF"},
                           {CAP_PERFMON, "CAP_PERFMON"},
                           {CAP_NET_ADMIN, "CAP_NET_ADMIN"},
                           {CAP_SYS_ADMIN, "CAP_SYS_ADMIN"}};
  std::string lacking;
  for (const Needed& n : needed) {
    if (!has_capability(n.capability)) lacking += (lacking.empty() ? "" : ", ") + std::string(n.name);
  }
  if (!lacking.empty()) return "not privileged: the kernel backend needs root (missing " + lacking + ")";

  if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0)
    return "the kernel has no BTF (/sys/kernel/btf/vmlinux: CONFIG_DEBUG_INFO_BTF is needed)";

  libbpf_print_fn_t previous = libbpf_set_print(quiet_libbpf);
  const int supported = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, nullptr);
  std::string missing;
  if (supported < 0) {
    missing = std::string("BPF is not allowed here: ") + std::strerror(-supported) +
              " (kernel.unprivileged_bpf_disabled, a seccomp filter or a container?)";
  } else if (supported == 0) {
    missing = "the kernel has no cgroup socket-address BPF programs (CONFIG_CGROUP_BPF)";
  } else {
    struct Helper {
      bpf_func_id id;
      const char* name;
      const char* since;
    };
    const Helper helpers[] = {
        {BPF_FUNC_bind, "bpf_bind()", "4.17"},
        {BPF_FUNC_get_netns_cookie, "bpf_get_netns_cookie()", "5.7"},
        {BPF_FUNC_ringbuf_reserve, "bpf_ringbuf_reserve()", "5.8"},
        {BPF_FUNC_probe_read_kernel, "bpf_probe_read_kernel()", "5.5"},
        {BPF_FUNC_loop, "bpf_loop()", "5.17"},
        {BPF_FUNC_set_retval, "bpf_set_retval()", kMinimumKernel},
        {BPF_FUNC_setsockopt, "bpf_setsockopt()", kMinimumKernel},
    };
    for (const Helper& h : helpers) {
      if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, h.id, nullptr) != 1) {
        missing = std::string("the kernel has no ") + h.name + " for cgroup socket-address programs (Linux " +
                  h.since + " or later is needed; this is " + running_kernel() + ")";
        break;
      }
    }
  }
  libbpf_set_print(previous);
  if (!missing.empty()) return missing;

  std::string error;
  const std::optional<Cgroup2Mount> mount = find_cgroup2_mount();
  if (!mount) {
    // --kernel mounts one itself (kernel/src/cgroup.cpp); the kernel must have it.
    std::ifstream filesystems("/proc/filesystems");
    for (std::string line; std::getline(filesystems, line);) {
      if (line.ends_with("\tcgroup2")) return {};
    }
    return "the kernel has no cgroup v2 file system (cgroup2 is not in /proc/filesystems)";
  }
  const std::optional<std::string> directory = own_cgroup_directory(error, false);
  if (!directory) return error;
  if (::access(directory->c_str(), W_OK) != 0)
    return "cannot create a cgroup under " + *directory + ": " + std::strerror(errno);
  return {};
}

}  // namespace srcbind::kernel
