// Environment::from_process, capture_configuration and load_configuration:
// which file, which quick rule, which overrides; and the promise that nothing
// throws out of it.
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

// The SRCBIND_* variables and where each goes: the one place they are spelled.
using Field = std::optional<std::string> Environment::*;
constexpr std::pair<const char*, Field> kVariables[] = {
    {"SRCBIND_CONFIG", &Environment::config},       {"SRCBIND_SOURCE", &Environment::source},
    {"SRCBIND_INTERFACE", &Environment::interface}, {"SRCBIND_LOG", &Environment::log},
    {"SRCBIND_LOG_FILE", &Environment::log_file},
};

Diagnostic warning(const std::string& file, unsigned line, std::string message) {
  return {file, line, Diagnostic::Severity::warning, std::move(message)};
}

// srcbind --check -c FILE: the file is read whoever owns it, and the library's
// verdict on its owner becomes a warning.
RuleTable parse_named_for_check(ConfigFile& file, const HostInterfaces& host) {
  RuleTable table = parse_config_file(file, host, false);
  if (table.ok() && !file.trust_problem().empty()) {
    table.diagnostics.push_back(
        warning(file.path(), 0, "libsrcbind.so would refuse this file as SRCBIND_CONFIG: " + file.trust_problem()));
  }
  return table;
}

RuleTable parse_captured_file(CapturedConfiguration& captured, const HostInterfaces& host, LoadPurpose purpose) {
  if (captured.file.path().empty()) return {};
  RuleTable table = purpose == LoadPurpose::check && captured.origin == ConfigOrigin::named
                        ? parse_named_for_check(captured.file, host)
                        : parse_config_file(captured.file, host, true);
  table.config_origin = captured.origin;
  return table;
}

}  // namespace

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

namespace {

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

ConfigFileChoice choose_config_file(const Environment& env, const char* system_config_path) {
  if (!env.secure && is_set(env.config)) {
    return {*env.config, FileTrust::owner_or_root, env.config_named ? ConfigOrigin::named : ConfigOrigin::variable};
  }
  if (!env.secure && is_set(env.user_config) && user_config_exists(*env.user_config)) {
    return {*env.user_config, FileTrust::owner_or_root, ConfigOrigin::per_user};
  }
  if (system_config_path != nullptr && exists(system_config_path)) {
    return {system_config_path, FileTrust::root_only, ConfigOrigin::system};
  }
  return {};
}

Environment Environment::from_process() {
  Environment env;
  env.secure = ::getauxval(AT_SECURE) != 0;
  if (env.secure) return env;   // every SRCBIND_* variable is ignored
  for (const auto& [name, field] : kVariables) env.*field = variable(name);
  env.user_config = user_config_path_of_process();
  return env;
}

std::vector<std::pair<std::string, std::string>> Environment::variables() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, field] : kVariables) {
    if (this->*field) out.emplace_back(name, *(this->*field));
  }
  return out;
}

void Environment::override_with(const Environment& overrides) {
  for (const auto& [name, field] : kVariables) {
    if (overrides.*field) this->*field = overrides.*field;
  }
  if (overrides.config) config_named = overrides.config_named;
}

CapturedConfiguration capture_configuration(const Environment& env, ConfigFile::Capture how,
                                            const char* system_config_path) {
  CapturedConfiguration captured;
  captured.env = env;
  const ConfigFileChoice choice = choose_config_file(env, system_config_path);
  captured.origin = choice.origin;
  if (!choice.path.empty()) captured.file = ConfigFile::open(choice.path, choice.trust, how);
  return captured;
}

RuleTable load_configuration(CapturedConfiguration& captured, const HostInterfaces& host, LoadPurpose purpose) {
  // Runs inside arbitrary programs: no exception may leave it.
  try {
    RuleTable table = parse_captured_file(captured, host, purpose);
    if (!captured.env.secure) apply_environment(captured.env, host, table);
    // SPEC: a broken configuration applies no rules. A missing interface or
    // label is not a broken file: those rules stay and fail closed.
    if (purpose == LoadPurpose::library && has_file_errors(table.diagnostics)) table.rules.clear();
    return table;
  } catch (const std::bad_alloc&) {
    return failure("out of memory while loading the configuration");
  } catch (...) {
    return failure("unexpected failure while loading the configuration");
  }
}

RuleTable load_configuration(const Environment& env, const HostInterfaces& host, LoadPurpose purpose,
                             const char* system_config_path) {
  try {
    CapturedConfiguration captured = capture_configuration(env, ConfigFile::Capture::read, system_config_path);
    return load_configuration(captured, host, purpose);
  } catch (const std::bad_alloc&) {
    return failure("out of memory while loading the configuration");
  } catch (...) {
    return failure("unexpected failure while loading the configuration");
  }
}

}  // namespace srcbind
