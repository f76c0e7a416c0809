#include "child_environment.hpp"

#include "config_loading.hpp"
#include "ld_preload.hpp"

namespace srcbind::cli {

std::vector<EnvironmentVariable> child_environment(const Options& options, const std::string& library,
                                                   std::optional<std::string_view> current_preload) {
  std::vector<EnvironmentVariable> vars;
  vars.push_back({"LD_PRELOAD", prepend_preload(current_preload.value_or(""), library)});
  for (auto& [name, value] : options_environment(options).variables()) vars.push_back({name, value});
  return vars;
}

}  // namespace srcbind::cli
