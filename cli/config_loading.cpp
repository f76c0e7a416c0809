#include "config_loading.hpp"

#include <filesystem>
#include <ostream>
#include <system_error>

namespace srcbind::cli {
namespace {

bool non_empty(const std::optional<std::string>& s) { return s && !s->empty(); }

}  // namespace

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  return ec ? path : absolute.lexically_normal().string();
}

Environment options_environment(const Options& options) {
  Environment env;
  if (options.config_file) {
    env.config = absolute_path(*options.config_file);
    env.config_named = true;
  }
  if (!options.sources.empty()) env.source = options.joined_sources();
  if (options.interface) env.interface = *options.interface;
  if (options.verbosity == Verbosity::verbose) env.log = "info";
  if (options.verbosity == Verbosity::quiet) env.log = "error";
  return env;
}

Environment library_environment(const Options& options, const Environment& inherited) {
  Environment env = inherited;
  env.secure = false;
  env.override_with(options_environment(options));
  return env;
}

RuleTable load_as_library(const Environment& env, const HostInterfaces& host) {
  return load_configuration(env, host, LoadPurpose::library);
}

CheckedConfig load_for_check(const Environment& env, const HostInterfaces& host, const char* system_config_path) {
  CheckedConfig checked;
  checked.table = load_configuration(env, host, LoadPurpose::check, system_config_path);
  checked.has_file = checked.table.config_origin != ConfigOrigin::none;
  checked.has_quick = non_empty(env.source) || non_empty(env.interface);
  return checked;
}

bool has_no_configuration(const RuleTable& table) { return table.rules.empty() && table.config_path.empty(); }

std::string no_configuration_message() {
  return std::string("no configuration (no -c FILE, -s or -i; SRCBIND_CONFIG is unset and neither the per-user file "
                     "nor ") +
         kSystemConfigPath + " exists)";
}

std::string configuration_line(const Environment& env, const RuleTable& table, const char* system_config_path) {
  const std::string line = "configuration: ";
  switch (table.config_origin) {
    case ConfigOrigin::named: return line + table.config_path + " (-c)";
    case ConfigOrigin::variable: return line + table.config_path + " (SRCBIND_CONFIG)";
    case ConfigOrigin::per_user: return line + table.config_path + " (per-user file)";
    case ConfigOrigin::system: return line + table.config_path + " (system file)";
    case ConfigOrigin::none: break;
  }
  std::string none = line + "no file (SRCBIND_CONFIG is unset; ";
  if (non_empty(env.user_config)) none += "neither " + *env.user_config + " nor ";
  return none + system_config_path + " exists)";
}

void print_diagnostics(std::ostream& out, const std::vector<Diagnostic>& diagnostics, bool errors_only) {
  for (const Diagnostic& d : diagnostics) {
    if (errors_only && d.severity != Diagnostic::Severity::error) continue;
    out << d.to_string() << '\n';
  }
}

}  // namespace srcbind::cli
