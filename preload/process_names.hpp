// The names a `program =` filter is compared with (SPEC: the basename of
// /proc/self/exe or of argv[0]). Read from /proc, so that they are right even when
// a hook runs before the constructor that would have been handed argv.
#pragma once

#include <string>
#include <vector>

namespace srcbind::preload {

// argv[0]'s basename first (what the user typed: "ftp"), then the executable's
// ("tnftp"), without duplicates. Never empty: "?" when /proc is not mounted.
std::vector<std::string> current_process_names();

}  // namespace srcbind::preload
