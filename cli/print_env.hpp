// `srcbind --print-env`: `export NAME='value'` lines for eval in shells and cron jobs:
//   eval "$(srcbind --print-env -c /etc/srcbind-ftp.ini)"
#pragma once

#include "options.hpp"

#include <iosfwd>

namespace srcbind::cli {

// 0 with the lines on `out`; 1 (and nothing on `out`) when the configuration is
// invalid or the library is missing.
int run_print_env(const Options& options, std::ostream& out, std::ostream& err);

}  // namespace srcbind::cli
