#include "process_names.hpp"

#include <sys/auxv.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>

namespace srcbind::preload {
namespace {

std::string basename_of(std::string path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Known without /proc (a chroot, a container without it): the C library sets
// program_invocation_name from argv[0] before any other library's code runs, and
// the kernel hands the path given to execve in the auxiliary vector.
std::string invocation_name() { return program_invocation_name != nullptr ? program_invocation_name : ""; }

std::string executed_path() {
  const auto* path = reinterpret_cast<const char*>(::getauxval(AT_EXECFN));
  return path != nullptr ? path : "";
}

// The executable with symbolic links resolved ("ftp" -> "tnftp").
std::string executable(const std::string& exec_path) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) return {buf, static_cast<std::size_t>(n)};
  // No /proc: resolve the path that was executed, where it can be reached.
  if (exec_path.empty() || ::realpath(exec_path.c_str(), buf) == nullptr) return {};
  return buf;
}

}  // namespace

StartNames StartNames::current() { return {invocation_name(), executed_path()}; }

std::vector<std::string> process_names(const StartNames& start, bool with_executable) {
  std::vector<std::string> names;
  const std::string resolved = with_executable ? executable(start.exec_path) : std::string();
  for (std::string name : {basename_of(start.argv0), basename_of(resolved), basename_of(start.exec_path)}) {
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  if (names.empty()) names.emplace_back("?");
  return names;
}

}  // namespace srcbind::preload
