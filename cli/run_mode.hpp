// Run mode: validate the configuration, find libsrcbind.so, warn when LD_PRELOAD
// cannot reach COMMAND, set the environment and execvp COMMAND.
#pragma once

#include "options.hpp"

namespace srcbind::cli {

// Returns only when COMMAND was not started: 125 (srcbind failed), 126 (cannot
// execute), 127 (not found). Otherwise the process becomes COMMAND.
int run_command(const Options& options);

}  // namespace srcbind::cli
