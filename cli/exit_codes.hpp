// Exit statuses of `srcbind` (SPEC "The srcbind command"; the same as env(1)).
#pragma once

namespace srcbind::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;  // --check/--explain/--print-env: bad configuration
inline constexpr int kExitSrcbindFailed = 125;  // usage error, bad configuration, library missing
inline constexpr int kExitCannotExecute = 126;  // COMMAND found but could not be executed
inline constexpr int kExitNotFound = 127;  // COMMAND not found

}  // namespace srcbind::cli
