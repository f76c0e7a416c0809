// Loading the configuration the way the library will, and printing what is wrong.
//
// The command never re-implements config logic: it builds the SRCBIND_* environment
// COMMAND will see and hands it to srcbind::load_effective_config, so that what
// srcbind validates, checks and explains is exactly what libsrcbind.so will apply.
#pragma once

#include "options.hpp"

#include "srcbind/diagnostic.hpp"
#include "srcbind/host_interfaces.hpp"
#include "srcbind/rule_table.hpp"

#include <iosfwd>
#include <string>
#include <vector>

namespace srcbind::cli {

// `path` made absolute against the current directory (COMMAND may chdir).
std::string absolute_path(const std::string& path);

// The SRCBIND_* variables of COMMAND's environment: the inherited ones, overridden
// by -c (made absolute), -s, -i, -v (info) and -q (error). Never secure: srcbind
// itself is not a set-user-ID program.
Environment library_environment(const Options& options, const Environment& inherited);

// What libsrcbind.so will load in COMMAND (a broken file gives no rules).
RuleTable load_as_library(const Environment& env, const HostInterfaces& host);

struct CheckedConfig {
  RuleTable table;
  bool has_file = false;  // a file was read (or tried)
  bool has_quick = false;  // SRCBIND_SOURCE / SRCBIND_INTERFACE (or -s / -i) given
};

// For --check: the same sources as the library, but the rules of a broken file
// are kept for display, and -c FILE is read whoever owns it, with a warning when
// the library would refuse it as SRCBIND_CONFIG.
CheckedConfig load_for_check(const Options& options, const Environment& env, const HostInterfaces& host,
                             const char* system_config_path = kSystemConfigPath);

// True when there is nothing at all: no file (none given, no per-user file, none at /etc/srcbind.ini)
// and no quick mode. (A file without rules has its own "no rules" warning.)
bool has_no_configuration(const RuleTable& table);
// "no configuration (no -c FILE, -s or -i; SRCBIND_CONFIG is unset and neither the
// per-user file nor /etc/srcbind.ini exists)"
std::string no_configuration_message();

// Which file was read and why, for --check and --explain:
// "configuration: /root/.config/srcbind/srcbind.ini (per-user file)"; `config_path`
// is RuleTable::config_path of what was loaded.
std::string configuration_line(const Options& options, const Environment& env, const std::string& config_path,
                               const char* system_config_path = kSystemConfigPath);

// Prints errors, and warnings too unless `errors_only`, as Diagnostic::to_string
// ("FILE:LINE: message", "FILE:LINE: warning: message").
void print_diagnostics(std::ostream& out, const std::vector<Diagnostic>& diagnostics, bool errors_only = false);

}  // namespace srcbind::cli
