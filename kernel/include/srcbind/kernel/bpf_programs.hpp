// The four BPF programs and their maps, loaded with the compiled rule tables
// (srcbind/kernel_rule_compiler.hpp), then attached to a cgroup or pinned for
// systemd's BPFProgram=. Wraps the libbpf skeleton (kernel/bpf/srcbind.bpf.c).
#pragma once

#include "srcbind/kernel/core_btf.hpp"
#include "srcbind/kernel_rule_compiler.hpp"

#include <cstdint>
#include <memory>
#include <string>

struct srcbind_bpf;

namespace srcbind::kernel {

struct LoadSettings {
  std::uint64_t netns_cookie = 0;  // only sockets of this network namespace
  bool log_applied = false;        // info: one event per applied rule
  bool log_problems = true;        // error/warning events (on_error)
  // Where the small BTF of the kernel types the programs read is kept
  // (srcbind/kernel/core_btf.hpp); empty: libbpf reads the kernel's whole BTF.
  std::string core_btf_directory = kCoreBtfDirectory;
};

// The names of the program pins (and of the programs): systemd drop-ins say
// BPFProgram=connect4:/sys/fs/bpf/srcbind/UNIT/connect4 and so on.
inline constexpr const char* kProgramNames[] = {"connect4", "connect6", "sendmsg4", "sendmsg6"};
inline constexpr const char* kPinRoot = "/sys/fs/bpf/srcbind";

class BpfPrograms {
 public:
  // Loads the programs and fills their maps. nullptr with `error` (one line)
  // when the kernel refuses them; libbpf's own output is kept out of the
  // terminal and summarised.
  static std::unique_ptr<BpfPrograms> load(const KernelTables& tables, const LoadSettings& settings,
                                           std::string& error);
  ~BpfPrograms();
  BpfPrograms(const BpfPrograms&) = delete;
  BpfPrograms& operator=(const BpfPrograms&) = delete;

  // BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI: the attachment belongs to the cgroup
  // (it outlives this process and its descriptors) and coexists with programs
  // attached above or below (nested runs, systemd, other tools).
  bool attach(int cgroup_fd, std::string& error);

  // Pins the programs as DIR/connect4 ... and the maps as DIR/map_NAME,
  // replacing what is there file by file: pinned as NAME_new, then rename(2) (each pin switches
  // atomically; a unit started afterwards gets the new rules).
  bool pin(const std::string& directory, std::string& error);

  int events_fd() const;

  // Whether libbpf relocated the programs with the small BTF (not the kernel's whole one).
  bool small_btf_used() const { return small_btf_used_; }

 private:
  explicit BpfPrograms(srcbind_bpf* skeleton) : skeleton_(skeleton) {}
  static std::unique_ptr<BpfPrograms> load_with(const KernelTables& tables, const LoadSettings& settings,
                                                const std::string& small_btf, std::string& error);
  bool fill(const KernelTables& tables, std::string& error);
  srcbind_bpf* skeleton_;
  bool small_btf_used_ = false;
};

// The cookie of this process's network namespace (SO_NETNS_COOKIE, Linux 5.14),
// 0 when it cannot be read.
std::uint64_t current_netns_cookie();

}  // namespace srcbind::kernel
