#include "preload_coverage.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

namespace srcbind::cli {
namespace {

bool has_file_capabilities(const std::string& path) {
  return getxattr(path.c_str(), "security.capability", nullptr, 0) > 0;
}

bool on_nosuid_mount(const std::string& path) {
  struct statvfs vfs {};
  return statvfs(path.c_str(), &vfs) == 0 && (vfs.f_flag & ST_NOSUID) != 0;
}

// The kernel sets AT_SECURE when the exec changes the effective user or group, or
// (for a non-root caller) grants file capabilities; ld.so then drops LD_PRELOAD.
std::optional<std::string> secure_execution_reason(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || on_nosuid_mount(path)) return std::nullopt;
  if ((st.st_mode & S_ISUID) != 0 && st.st_uid != getuid())
    return "it is set-user-ID (owner uid " + std::to_string(st.st_uid) +
           "), so it runs in secure-execution mode: the dynamic loader ignores LD_PRELOAD and removes it "
           "from the environment of everything it starts";
  if ((st.st_mode & S_ISGID) != 0 && st.st_gid != getgid())
    return "it is set-group-ID (group gid " + std::to_string(st.st_gid) +
           "), so it runs in secure-execution mode: the dynamic loader ignores LD_PRELOAD and removes it "
           "from the environment of everything it starts";
  if (getuid() != 0 && has_file_capabilities(path))
    return "it has file capabilities (security.capability), so it runs in secure-execution mode: the "
           "dynamic loader ignores LD_PRELOAD and removes it from the environment of everything it starts";
  return std::nullopt;
}

}  // namespace

std::vector<CoverageProblem> find_coverage_problems(const ExecChain& chain, const std::optional<ElfInfo>& library) {
  std::vector<CoverageProblem> problems;
  if (chain.files.empty()) return problems;

  // Every executable the kernel runs on the way: one in secure-execution mode
  // strips LD_PRELOAD for the rest of the chain (e.g. a set-user-ID interpreter).
  for (const std::string& file : chain.files) {
    if (inspect_elf(file).status != ElfInspection::Status::elf)
      continue;  // scripts: the kernel ignores their mode bits
    if (std::optional<std::string> reason = secure_execution_reason(file))
      problems.push_back({CoverageProblem::Kind::secure_execution, file, *reason});
  }

  const std::string& program = chain.files.back();
  const ElfInspection inspection = inspect_elf(program);
  if (inspection.status != ElfInspection::Status::elf) return problems;
  const ElfInfo& info = inspection.info;
  if (library && !info.same_abi_as(*library)) {
    problems.push_back({CoverageProblem::Kind::foreign_abi, program,
                        "it is a " + describe_abi(info) + " program and libsrcbind.so is " + describe_abi(*library) +
                            ": the dynamic loader cannot preload it (build srcbind for that ABI too)"});
  }
  if (info.is_static()) {
    problems.push_back({CoverageProblem::Kind::static_executable, program,
                        std::string(info.is_go() ? "it is a statically linked Go program" : "it is statically linked") +
                            " (no ELF interpreter): the dynamic loader never runs, so LD_PRELOAD cannot affect it"});
  } else if (info.is_go()) {
    problems.push_back({CoverageProblem::Kind::go_program, program,
                        "it is a Go program: Go makes its own system calls instead of calling libc's connect(), "
                        "so LD_PRELOAD cannot affect its connections even though it is dynamically linked"});
  }
  return problems;
}

std::string kernel_alternatives_hint() {
  return "run it under the kernel backend instead (as root: srcbind --kernel ... -- COMMAND), "
         "or set the source in the kernel: a route with a preferred source "
         "(ip route add DEST/LEN via GATEWAY src ADDR), policy routing "
         "(ip rule add ... table N, with a route ... src ADDR in table N), "
         "or SNAT (nft ... snat to ADDR, iptables -t nat ... -j SNAT --to-source ADDR)";
}

}  // namespace srcbind::cli
