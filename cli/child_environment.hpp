// The variables srcbind sets for COMMAND (run mode) or prints (--print-env).
#pragma once

#include "options.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace srcbind::cli {

struct EnvironmentVariable {
  std::string name;
  std::string value;
};

// LD_PRELOAD (the library prepended to `current_preload`), then SRCBIND_CONFIG
// (-c, absolute), SRCBIND_SOURCE (-s), SRCBIND_INTERFACE (-i), SRCBIND_LOG (-v:
// info, -q: error). Variables srcbind has no option for are inherited untouched.
std::vector<EnvironmentVariable> child_environment(const Options& options, const std::string& library,
                                                   std::optional<std::string_view> current_preload);

}  // namespace srcbind::cli
