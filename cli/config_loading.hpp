// Loading the configuration the way the library will, and printing what is wrong.
//
// The command never re-implements config logic: it builds the SRCBIND_* environment
// COMMAND will see and hands it to srcbind::load_configuration, so that what
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

// The SRCBIND_* variables that the options set: -c (made absolute), -s, -i, -v
// (info), -q (error). The one mapping from options to variables: COMMAND's
// environment (child_environment.hpp) and what is checked and explained both
// come from it.
Environment options_environment(const Options& options);

// COMMAND's SRCBIND_* variables: the inherited ones, overridden by the options.
// Never secure: srcbind itself is not a set-user-ID program.
Environment library_environment(const Options& options, const Environment& inherited);

// What libsrcbind.so will load in COMMAND (a broken file gives no rules).
RuleTable load_as_library(const Environment& env, const HostInterfaces& host);

struct CheckedConfig {
  RuleTable table;
  bool has_file = false;  // a file was read (or tried)
  bool has_quick = false;  // SRCBIND_SOURCE / SRCBIND_INTERFACE (or -s / -i) given
};

// For --check: load_configuration with LoadPurpose::check.
CheckedConfig load_for_check(const Environment& env, const HostInterfaces& host,
                             const char* system_config_path = kSystemConfigPath);

// True when there is nothing at all: no file (none given, no per-user file, none at /etc/srcbind.ini)
// and no quick mode. (A file without rules has its own "no rules" warning.)
bool has_no_configuration(const RuleTable& table);
// "no configuration (no -c FILE, -s or -i; SRCBIND_CONFIG is unset and neither the
// per-user file nor /etc/srcbind.ini exists)"
std::string no_configuration_message();

// Which file was read and why, for --check and --explain:
// "configuration: /root/.config/srcbind/srcbind.ini (per-user file)".
std::string configuration_line(const Environment& env, const RuleTable& table,
                               const char* system_config_path = kSystemConfigPath);

// Prints errors, and warnings too unless `errors_only`, as Diagnostic::to_string
// ("FILE:LINE: message", "FILE:LINE: warning: message").
void print_diagnostics(std::ostream& out, const std::vector<Diagnostic>& diagnostics, bool errors_only = false);

}  // namespace srcbind::cli
