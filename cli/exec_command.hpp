// Replaces srcbind with COMMAND (run mode, and --kernel once the cgroup is set up).
#pragma once

#include "options.hpp"

#include <string>

namespace srcbind::cli {

// execvp(COMMAND) after flushing srcbind's own output. Returns only on failure:
// 127 when COMMAND is not found, 126 when it cannot be run, with the reason on
// stderr. `command` is how COMMAND is named in that message.
int exec_command(const Options& options, const std::string& command);

}  // namespace srcbind::cli
