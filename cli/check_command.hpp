// `srcbind --check`: one line per rule on stdout; errors and warnings on stderr.
#pragma once

#include "options.hpp"

#include <iosfwd>

namespace srcbind::cli {

// 0 when the configuration is valid, 1 when not (or when there is none).
int run_check(const Options& options, std::ostream& out, std::ostream& err);

}  // namespace srcbind::cli
