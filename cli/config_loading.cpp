#include "config_loading.hpp"

#include "srcbind/config_search.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <ostream>
#include <system_error>

namespace srcbind::cli {
namespace {

bool non_empty(const std::optional<std::string>& s) { return s && !s->empty(); }

Diagnostic warning(const std::string& file, unsigned line, std::string message) {
  Diagnostic d;
  d.file = file;
  d.line = line;
  d.severity = Diagnostic::Severity::warning;
  d.message = std::move(message);
  return d;
}

// As the library decides it: anything but "no such file" means there is a file
// to read (and an unreadable one is an error, not "no configuration").
bool system_file_exists(const char* path) {
  struct stat st {};
  return stat(path, &st) == 0 || (errno != ENOENT && errno != ENOTDIR);
}

}  // namespace

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  return ec ? path : absolute.lexically_normal().string();
}

Environment library_environment(const Options& options, const Environment& inherited) {
  Environment env = inherited;
  env.secure = false;
  if (options.config_file) env.config = absolute_path(*options.config_file);
  if (!options.sources.empty()) env.source = options.joined_sources();
  if (options.interface) env.interface = *options.interface;
  if (options.verbosity == Verbosity::verbose) env.log = "info";
  if (options.verbosity == Verbosity::quiet) env.log = "error";
  return env;
}

RuleTable load_as_library(const Environment& env, const HostInterfaces& host) {
  return load_effective_config(env, host);
}

CheckedConfig load_for_check(const Options& options, const Environment& env, const HostInterfaces& host,
                             const char* system_config_path) {
  CheckedConfig checked;
  if (options.config_file) {
    const std::string path = absolute_path(*options.config_file);
    checked.table = load_config_file(path, host, FileTrust::any);
    checked.has_file = true;
    if (checked.table.ok()) {
      // The library reads SRCBIND_CONFIG only when its owner is the user or root.
      const RuleTable as_library = load_config_file(path, host, FileTrust::owner_or_root);
      for (const Diagnostic& d : as_library.diagnostics) {
        if (d.severity != Diagnostic::Severity::error) continue;
        checked.table.diagnostics.push_back(
            warning(d.file, d.line, "libsrcbind.so would refuse this file as SRCBIND_CONFIG: " + d.message));
      }
    }
  } else if (non_empty(env.config)) {
    checked.table = load_config_file(*env.config, host, FileTrust::owner_or_root);
    checked.has_file = true;
  } else if (non_empty(env.user_config) && user_config_exists(*env.user_config)) {
    checked.table = load_config_file(*env.user_config, host, FileTrust::owner_or_root);
    checked.has_file = true;
  } else if (system_file_exists(system_config_path)) {
    checked.table = load_config_file(system_config_path, host, FileTrust::root_only);
    checked.has_file = true;
  }

  if (non_empty(env.source) || non_empty(env.interface)) {
    checked.has_quick = true;
    std::optional<Rule> quick =
        quick_mode_rule(env.source.value_or(""), env.interface.value_or(""), host, checked.table.diagnostics);
    if (quick) {
      quick->on_error = checked.table.settings.on_error;  // as the library does
      checked.table.rules.push_back(std::move(*quick));
    }
  }
  return checked;
}

bool has_no_configuration(const RuleTable& table) { return table.rules.empty() && table.config_path.empty(); }

std::string no_configuration_message() {
  return std::string("no configuration (no -c FILE, -s or -i; SRCBIND_CONFIG is unset and neither the per-user file "
                     "nor ") +
         kSystemConfigPath + " exists)";
}

std::string configuration_line(const Options& options, const Environment& env, const std::string& config_path,
                               const char* system_config_path) {
  std::string line = "configuration: ";
  if (options.config_file) return line + absolute_path(*options.config_file) + " (-c)";
  if (non_empty(env.config)) return line + *env.config + " (SRCBIND_CONFIG)";
  if (!config_path.empty() && env.user_config && config_path == *env.user_config)
    return line + config_path + " (per-user file)";
  if (!config_path.empty()) return line + config_path + " (system file)";
  line += "no file (SRCBIND_CONFIG is unset; ";
  if (non_empty(env.user_config)) line += "neither " + *env.user_config + " nor ";
  return line + system_config_path + " exists)";
}

void print_diagnostics(std::ostream& out, const std::vector<Diagnostic>& diagnostics, bool errors_only) {
  for (const Diagnostic& d : diagnostics) {
    if (errors_only && d.severity != Diagnostic::Severity::error) continue;
    out << d.to_string() << '\n';
  }
}

}  // namespace srcbind::cli
