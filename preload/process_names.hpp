// The names a `program =` filter is compared with (SPEC: the basename of
// /proc/self/exe or of argv[0]). Taken from what the C library and the kernel
// hand every process, so that they are right even when a hook runs before the
// constructor, and when /proc is not mounted.
#pragma once

#include <string>
#include <vector>

namespace srcbind::preload {

// argv[0]'s basename first (what the user typed: "ftp"), then the executable's
// ("tnftp"), then the path given to execve, without duplicates. Never empty
// ("?" when none is known).
std::vector<std::string> current_process_names();

}  // namespace srcbind::preload
