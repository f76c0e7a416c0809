// The names a `program =` filter is compared with (SPEC: the basename of
// /proc/self/exe or of argv[0]). Taken from what the C library and the kernel
// hand every process, so that they are right even when a hook runs before the
// constructor, and when /proc is not mounted.
#pragma once

#include <string>
#include <vector>

namespace srcbind::preload {

// What is taken at start: argv[0] (a daemon may later write its title over it)
// and the path given to execve.
struct StartNames {
  std::string argv0;
  std::string exec_path;
  static StartNames current();
};

// argv[0]'s basename first (what the user typed: "ftp"), then the executable's
// ("tnftp"), then the path given to execve, without duplicates. Never empty
// ("?" when none is known). The executable is looked up here, at the first
// network call, not at start, and only when `with_executable` (some rule has a
// `program =` filter): the first look into /proc costs a process tens of
// microseconds (bench/README.md, start-up).
std::vector<std::string> process_names(const StartNames& start, bool with_executable);

}  // namespace srcbind::preload
