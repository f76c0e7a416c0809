// The validated, immutable configuration: settings + rules + what was wrong.
// Built from the INI file (ini_parser.hpp) and the quick-mode variables; the
// matcher (matcher.hpp) indexes its rules.
#pragma once

#include "srcbind/config_file.hpp"
#include "srcbind/diagnostic.hpp"
#include "srcbind/host_interfaces.hpp"
#include "srcbind/rule.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace srcbind {

// Where the configuration file came from (SPEC "Environment", in this order).
enum class ConfigOrigin : std::uint8_t {
  none,          // no file: quick mode alone, or nothing
  named,         // srcbind -c FILE (given to COMMAND as SRCBIND_CONFIG)
  variable,      // SRCBIND_CONFIG
  per_user,      // $XDG_CONFIG_HOME/srcbind/srcbind.ini
  system,        // /etc/srcbind.ini
};

struct RuleTable {
  Settings settings;
  std::vector<Rule> rules;             // in the order written; quick mode last
  std::vector<Diagnostic> diagnostics; // errors and warnings, in line order
  std::string config_path;             // the file read, empty when none
  ConfigOrigin config_origin = ConfigOrigin::none;

  bool ok() const noexcept { return !has_errors(diagnostics); }
};

// The quick mode: SRCBIND_SOURCE ("198.51.100.12,2001:db8::12", at most one per
// family, `@NAME` allowed) and/or SRCBIND_INTERFACE as one rule `destination = *`
// that loses to every file rule. Returns nullopt (with diagnostics) when both are
// empty or the values are bad.
std::optional<Rule> quick_mode_rule(std::string_view sources, std::string_view interface,
                                    const HostInterfaces& host, std::vector<Diagnostic>& out);

// Reads and parses one INI file. Unreadable, missing or untrusted files give an
// error diagnostic and no rules; a file with no rules (empty, only comments) is
// valid and gives a "no rules" warning.
RuleTable load_config_file(const std::string& path, const HostInterfaces& host,
                           FileTrust trust = FileTrust::any);
// The same for a file already taken; `refuse_untrusted`: its trust problem is an
// error (else the caller reports it as it sees fit).
RuleTable parse_config_file(ConfigFile& file, const HostInterfaces& host, bool refuse_untrusted);

// The SRCBIND_* variables, read once.
struct Environment {
  std::optional<std::string> config;      // SRCBIND_CONFIG
  bool config_named = false;              // `config` is srcbind's own -c FILE
  std::optional<std::string> source;      // SRCBIND_SOURCE
  std::optional<std::string> interface;   // SRCBIND_INTERFACE
  std::optional<std::string> log;         // SRCBIND_LOG
  std::optional<std::string> log_file;    // SRCBIND_LOG_FILE
  std::optional<std::string> user_config; // the per-user file's path (config_search.hpp), whether it exists or not
  bool secure = false;                    // getauxval(AT_SECURE): all of the above ignored

  static Environment from_process();      // getenv + getauxval(AT_SECURE)
  // The SRCBIND_* variables that are set here, as NAME and value, for a child's
  // environment: the inverse of from_process.
  std::vector<std::pair<std::string, std::string>> variables() const;
  // `overrides`' values replace these where they are set.
  void override_with(const Environment& overrides);
};

inline constexpr const char* kSystemConfigPath = "/etc/srcbind.ini";

// Which file the library reads for `env`: SRCBIND_CONFIG, else the per-user file
// if it exists, else /etc/srcbind.ini if it exists (a problem with it other than
// "no such file" is reported when it is read). In secure mode only
// /etc/srcbind.ini. The per-user file is trusted as SRCBIND_CONFIG is.
struct ConfigFileChoice {
  std::string path;                       // empty: no file
  FileTrust trust = FileTrust::any;
  ConfigOrigin origin = ConfigOrigin::none;
};
ConfigFileChoice choose_config_file(const Environment& env, const char* system_config_path = kSystemConfigPath);

// Who loads, which decides what happens to a broken file.
enum class LoadPurpose : std::uint8_t {
  library,   // libsrcbind.so, and the command for what it will apply: a file with errors applies no rules
  check,     // srcbind --check: the rules of a broken file are kept for display, and a file named with -c is
             // read whoever owns it, with a warning when the library would refuse it
};

// What a configuration is made of, taken from the process without parsing
// anything: the variables and the chosen file's bytes. The library takes it at
// start and loads it at the first network call (docs/architecture.md,
// "Start-up"); the command does both at once.
struct CapturedConfiguration {
  Environment env;
  ConfigOrigin origin = ConfigOrigin::none;
  ConfigFile file;                        // path() empty: no file
};
CapturedConfiguration capture_configuration(const Environment& env, ConfigFile::Capture how,
                                            const char* system_config_path = kSystemConfigPath);

// What the variables add to a loaded file: the quick-mode rule appended, and
// SRCBIND_LOG / SRCBIND_LOG_FILE over the file's settings (not in secure mode:
// the caller checks env.secure).
void apply_environment(const Environment& env, const HostInterfaces& host, RuleTable& table);

// The one way to load a configuration: the chosen file, then the quick-mode rule
// (SRCBIND_SOURCE / SRCBIND_INTERFACE) appended, losing every tie to a file rule;
// SRCBIND_LOG / SRCBIND_LOG_FILE override the file's settings. Diagnostics are
// always kept. Never throws: running out of memory is an error diagnostic.
RuleTable load_configuration(CapturedConfiguration& captured, const HostInterfaces& host, LoadPurpose purpose);
RuleTable load_configuration(const Environment& env, const HostInterfaces& host, LoadPurpose purpose,
                             const char* system_config_path = kSystemConfigPath);

// load_configuration for the library.
inline RuleTable load_effective_config(const Environment& env, const HostInterfaces& host,
                                       const char* system_config_path = kSystemConfigPath) {
  return load_configuration(env, host, LoadPurpose::library, system_config_path);
}

}  // namespace srcbind
