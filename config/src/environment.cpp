// Environment::from_process and load_effective_config: which file, which quick
// rule, which overrides; and the promise that nothing throws out of it.
#include "srcbind/rule_table.hpp"

#include "srcbind/config_search.hpp"

#include <sys/auxv.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <new>

namespace srcbind {
namespace {

std::optional<std::string> variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

bool is_set(const std::optional<std::string>& value) { return value && !value->empty(); }

// A missing /etc/srcbind.ini means "no file"; any other problem with it is reported
// by load_config_file.
bool exists(const char* path) {
  struct stat st;
  return ::stat(path, &st) == 0 || (errno != ENOENT && errno != ENOTDIR);
}

RuleTable read_config(const Environment& env, const HostInterfaces& host, const char* system_config_path) {
  if (!env.secure && is_set(env.config)) return load_config_file(*env.config, host, FileTrust::owner_or_root);
  if (!env.secure && is_set(env.user_config) && user_config_exists(*env.user_config))
    return load_config_file(*env.user_config, host, FileTrust::owner_or_root);
  if (system_config_path != nullptr && exists(system_config_path)) {
    return load_config_file(system_config_path, host, FileTrust::root_only);
  }
  return {};
}

void apply_environment(const Environment& env, const HostInterfaces& host, RuleTable& table) {
  if (is_set(env.source) || is_set(env.interface)) {
    auto rule = quick_mode_rule(env.source.value_or(""), env.interface.value_or(""), host, table.diagnostics);
    if (rule) {
      rule->on_error = table.settings.on_error;
      table.rules.push_back(std::move(*rule));   // last: loses every tie to a file rule
    }
  }
  if (is_set(env.log)) {
    if (const auto level = parse_log_level(*env.log)) {
      table.settings.log_level = *level;
    } else {
      table.diagnostics.push_back({"SRCBIND_LOG", 0, Diagnostic::Severity::warning,
                                   "\"" + *env.log + "\" is not a log level (expected off, error, warn, info or debug); using " +
                                       std::string(to_string(table.settings.log_level))});
    }
  }
  if (is_set(env.log_file)) table.settings.log_file = *env.log_file;
}

RuleTable failure(std::string message) {
  RuleTable table;
  try {
    table.diagnostics.push_back({"srcbind", 0, Diagnostic::Severity::error, std::move(message)});
  } catch (...) {
    // Not even room for the message: an empty table still applies no rules.
  }
  return table;
}

}  // namespace

Environment Environment::from_process() {
  Environment env;
  env.secure = ::getauxval(AT_SECURE) != 0;
  if (env.secure) return env;   // every SRCBIND_* variable is ignored
  env.config = variable("SRCBIND_CONFIG");
  env.source = variable("SRCBIND_SOURCE");
  env.interface = variable("SRCBIND_INTERFACE");
  env.log = variable("SRCBIND_LOG");
  env.log_file = variable("SRCBIND_LOG_FILE");
  env.user_config = user_config_path_of_process();
  return env;
}

RuleTable load_effective_config(const Environment& env, const HostInterfaces& host,
                                const char* system_config_path) {
  // Runs inside arbitrary programs: no exception may leave it.
  try {
    RuleTable table = read_config(env, host, system_config_path);
    if (!env.secure) apply_environment(env, host, table);
    // SPEC: a broken configuration applies no rules. A missing interface or
    // label is not a broken file: those rules stay and fail closed.
    if (has_file_errors(table.diagnostics)) table.rules.clear();
    return table;
  } catch (const std::bad_alloc&) {
    return failure("out of memory while loading the configuration");
  } catch (...) {
    return failure("unexpected failure while loading the configuration");
  }
}

}  // namespace srcbind
