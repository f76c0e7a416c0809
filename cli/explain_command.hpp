// `srcbind --explain DEST[:PORT]`: which rule, source and interface libsrcbind.so
// would use for a connection to DEST, and the source the kernel picks without it.
// Uses the library's own loader and srcbind::Matcher, so the answer is the library's.
#pragma once

#include "options.hpp"

#include <iosfwd>

namespace srcbind::cli {

// 0 when explained (matched or not); 1 for a bad configuration, DEST or name.
int run_explain(const Options& options, std::ostream& out, std::ostream& err);

}  // namespace srcbind::cli
