#include "child_environment.hpp"

#include "config_loading.hpp"
#include "ld_preload.hpp"

namespace srcbind::cli {

std::vector<EnvironmentVariable> child_environment(const Options& options, const std::string& library,
                                                   std::optional<std::string_view> current_preload) {
  std::vector<EnvironmentVariable> vars;
  vars.push_back({"LD_PRELOAD", prepend_preload(current_preload.value_or(""), library)});
  if (options.config_file) vars.push_back({"SRCBIND_CONFIG", absolute_path(*options.config_file)});
  if (!options.sources.empty()) vars.push_back({"SRCBIND_SOURCE", options.joined_sources()});
  if (options.interface) vars.push_back({"SRCBIND_INTERFACE", *options.interface});
  if (options.verbosity == Verbosity::verbose) vars.push_back({"SRCBIND_LOG", "info"});
  if (options.verbosity == Verbosity::quiet) vars.push_back({"SRCBIND_LOG", "error"});
  return vars;
}

}  // namespace srcbind::cli
