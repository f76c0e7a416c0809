#include "check_command.hpp"

#include "config_loading.hpp"
#include "exit_codes.hpp"
#include "rule_format.hpp"
#include "rule_shadowing.hpp"

#include "srcbind/compiled_table.hpp"

#include <sys/stat.h>

#include <optional>
#include <ostream>

namespace srcbind::cli {
namespace {

Diagnostic shadow_warning(const ShadowedRule& s) {
  std::string by;
  for (const Rule* w : s.winners) {
    if (!by.empty()) by += ", ";
    by += rule_reference(*w) + " (" + rule_location(*w) + ")";
  }
  Diagnostic d;
  d.file = s.rule->file;
  d.line = s.rule->line;
  d.severity = Diagnostic::Severity::warning;
  d.message = rule_reference(*s.rule) + " can never win: " + by +
              " comes first with the same destinations and filters at least as wide";
  return d;
}

// A link-local address names a host only together with its link. Without
// `interface =` the library can bind it only for programs whose destination
// carries a scope id (fe80::b%eth0); every other connection would fail with
// EINVAL, so --check refuses the rule.
std::optional<Diagnostic> link_local_problem(const Rule& rule) {
  const std::optional<IpAddress>& source = rule.source_v6;
  if (!source || !rule.interface.empty()) return std::nullopt;
  if (source->bytes[0] != 0xfe || (source->bytes[1] & 0xc0) != 0x80) return std::nullopt;
  Diagnostic d;
  d.file = rule.file;
  d.line = rule.line;
  d.severity = Diagnostic::Severity::error;
  d.message = rule_reference(rule) + ": link-local source " + source->to_string() +
              " needs `interface =` (its link); without it only destinations written with a scope (fe80::1%eth0) "
              "could use it, and every other connection would fail with EINVAL";
  return d;
}

// What libsrcbind.so will do with the compiled table next to the file, if there is one.
void report_table(const ConfigFileChoice& file, std::ostream& out) {
  const std::optional<SourceIdentity> identity = identity_of(file.path);
  if (!identity) return;
  const CompiledTableFile table = CompiledTableFile::read(compiled_table_path(file.path), file.trust, *identity);
  if (table.status() == CompiledTableFile::Status::absent) return;
  if (table.status() == CompiledTableFile::Status::used) {
    out << compiled_table_path(file.path) << ": up to date: libsrcbind.so reads it instead of parsing the file\n";
  } else {
    out << table.problem() << "; libsrcbind.so parses the file instead (srcbind --check --compile writes it anew)\n";
  }
}

// --compile: the table for the file just checked, if the file did not change
// while it was read (`before`: its identity before).
int compile(const RuleTable& table, const std::optional<SourceIdentity>& before, std::ostream& out,
            std::ostream& err) {
  if (table.config_path.empty()) {
    err << "srcbind: --compile needs a configuration file (-c FILE, SRCBIND_CONFIG or the default files)\n";
    return kExitInvalid;
  }
  if (!before || identity_of(table.config_path) != before) {
    err << "srcbind: " << table.config_path << " changed while it was read; run srcbind --check --compile again\n";
    return kExitInvalid;
  }
  if (const std::string problem = compile_to_file(table, *before); !problem.empty()) {
    err << "srcbind: cannot compile " << table.config_path << ": " << problem << '\n';
    return kExitInvalid;
  }
  struct stat st {};
  const std::string path = compiled_table_path(table.config_path);
  ::stat(path.c_str(), &st);
  out << "wrote " << path << " (" << st.st_size << " bytes): libsrcbind.so reads it while " << table.config_path
      << " is unchanged\n";
  return kExitOk;
}

}  // namespace

int run_check(const Options& options, std::ostream& out, std::ostream& err) {
  const HostInterfaces host = HostInterfaces::current();
  const Environment env = library_environment(options, Environment::from_process());
  const ConfigFileChoice file = choose_config_file(env);
  const std::optional<SourceIdentity> before = identity_of(file.path);   // --compile: the state that was read
  const CheckedConfig checked = load_for_check(env, host);
  const RuleTable& table = checked.table;
  const std::string what = table.config_path.empty() ? std::string("configuration") : table.config_path;

  if (!checked.has_file && !checked.has_quick) {
    err << "srcbind: nothing to check: " << no_configuration_message() << '\n';
    return kExitInvalid;
  }

  out << configuration_line(env, table) << '\n';
  if (checked.has_file) {
    out << what << ": settings: on_error=" << to_string(table.settings.on_error)
        << " log=" << to_string(table.settings.log_level)
        << " log_file=" << (table.settings.log_file.empty() ? std::string("-") : table.settings.log_file) << '\n';
  }
  for (const Rule& rule : table.rules) {
    out << rule_location(rule) << ": " << rule.reference() << ": " << format_rule_fields(rule) << '\n';
  }

  std::vector<Diagnostic> diagnostics = table.diagnostics;
  for (const ShadowedRule& s : find_shadowed_rules(table.rules)) diagnostics.push_back(shadow_warning(s));
  for (const Rule& rule : table.rules) {
    if (auto problem = link_local_problem(rule)) diagnostics.push_back(std::move(*problem));
  }
  print_diagnostics(err, diagnostics);

  std::size_t errors = 0, warnings = 0;
  for (const Diagnostic& d : diagnostics) ++(d.severity == Diagnostic::Severity::error ? errors : warnings);
  if (errors > 0) {
    err << what << ": invalid: " << errors << (errors == 1 ? " error" : " errors")
        << "; libsrcbind.so would apply no rules and srcbind would not start a program\n";
    return kExitInvalid;
  }
  out << what << ": valid: " << table.rules.size() << (table.rules.size() == 1 ? " rule" : " rules");
  if (warnings > 0) out << ", " << warnings << (warnings == 1 ? " warning" : " warnings");
  out << '\n';
  if (options.compile) return compile(table, before, out, err);
  if (!file.path.empty()) report_table(file, out);
  return kExitOk;
}

}  // namespace srcbind::cli
