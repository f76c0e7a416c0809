// The validated, immutable configuration: settings + rules + what was wrong.
// Built from the INI file (ini_parser.hpp) and the quick-mode variables; the
// matcher (matcher.hpp) indexes its rules.
#pragma once

#include "srcbind/diagnostic.hpp"
#include "srcbind/host_interfaces.hpp"
#include "srcbind/rule.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace srcbind {

struct RuleTable {
  Settings settings;
  std::vector<Rule> rules;             // in the order written; quick mode last
  std::vector<Diagnostic> diagnostics; // errors and warnings, in line order
  std::string config_path;             // the file read, empty when none

  bool ok() const noexcept { return !has_errors(diagnostics); }
};

// The quick mode: SRCBIND_SOURCE ("198.51.100.12,2001:db8::12", at most one per
// family, `@NAME` allowed) and/or SRCBIND_INTERFACE as one rule `destination = *`
// that loses to every file rule. Returns nullopt (with diagnostics) when both are
// empty or the values are bad.
std::optional<Rule> quick_mode_rule(std::string_view sources, std::string_view interface,
                                    const HostInterfaces& host, std::vector<Diagnostic>& out);

// Who may own the file that is read (see SPEC and the security section of README).
enum class FileTrust {
  any,            // tests, `srcbind --check` of a file the user names
  owner_or_root,  // SRCBIND_CONFIG: owned by the real user or root, not writable by group/others
  root_only,      // /etc/srcbind.ini: owned by root, not writable by group/others
};

// Reads and parses one INI file. Unreadable, missing or untrusted files give an
// error diagnostic and no rules; a file with no rules (empty, only comments) is
// valid and gives a "no rules" warning.
RuleTable load_config_file(const std::string& path, const HostInterfaces& host,
                           FileTrust trust = FileTrust::any);

// The SRCBIND_* variables, read once.
struct Environment {
  std::optional<std::string> config;      // SRCBIND_CONFIG
  std::optional<std::string> source;      // SRCBIND_SOURCE
  std::optional<std::string> interface;   // SRCBIND_INTERFACE
  std::optional<std::string> log;         // SRCBIND_LOG
  std::optional<std::string> log_file;    // SRCBIND_LOG_FILE
  std::optional<std::string> user_config; // the per-user file's path (config_search.hpp), whether it exists or not
  bool secure = false;                    // getauxval(AT_SECURE): all of the above ignored

  static Environment from_process();      // getenv + getauxval(AT_SECURE)
};

inline constexpr const char* kSystemConfigPath = "/etc/srcbind.ini";

// What the library applies: SRCBIND_CONFIG, else the per-user file if it exists,
// else /etc/srcbind.ini if it exists;
// then the quick-mode rule appended; SRCBIND_LOG / SRCBIND_LOG_FILE override the
// file's settings. The per-user file is trusted as SRCBIND_CONFIG is. In secure
// mode only /etc/srcbind.ini (root_only) is read.
// On any error the returned table has no rules (SPEC: a broken config applies none)
// but keeps its diagnostics and settings.
RuleTable load_effective_config(const Environment& env, const HostInterfaces& host,
                                const char* system_config_path = kSystemConfigPath);

}  // namespace srcbind
