#include "run_mode.hpp"

#include "child_environment.hpp"
#include "command_resolver.hpp"
#include "config_loading.hpp"
#include "exec_command.hpp"
#include "exit_codes.hpp"
#include "library_locator.hpp"
#include "preload_coverage.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <vector>

namespace srcbind::cli {
namespace {

void warn_about_coverage(const std::string& command, const std::optional<ElfInfo>& library) {
  const char* path = std::getenv("PATH");
  const ExecChain chain = resolve_exec_chain(command, path != nullptr ? std::string_view(path) : kDefaultPath);
  const std::vector<CoverageProblem> problems = find_coverage_problems(chain, library);
  for (const CoverageProblem& p : problems) {
    std::cerr << "srcbind: warning: " << p.file << ": " << p.reason << "; srcbind's rules will not apply to " << command
              << '\n';
  }
  if (!problems.empty()) std::cerr << "srcbind: hint: " << kernel_alternatives_hint() << '\n';
}

}  // namespace

int run_command(const Options& options) {
  const bool quiet = options.verbosity == Verbosity::quiet;
  const std::string& command = options.operands.front();

  const HostInterfaces host = HostInterfaces::current();
  const RuleTable table = load_as_library(library_environment(options, Environment::from_process()), host);
  print_diagnostics(std::cerr, table.diagnostics, quiet);
  if (!table.ok()) {
    std::cerr << "srcbind: the configuration has errors: " << command << " not started\n";
    return kExitSrcbindFailed;
  }
  if (!quiet) {
    if (has_no_configuration(table))
      std::cerr << "srcbind: warning: " << no_configuration_message() << ": " << command << " runs unchanged\n";
  }

  const LibraryLookup library = locate_library();
  if (!library.path) {
    std::cerr << library_not_found_message(library) << '\n';
    return kExitSrcbindFailed;
  }
  if (!quiet) {
    const ElfInspection lib = inspect_elf(*library.path);
    warn_about_coverage(command, lib.status == ElfInspection::Status::elf ? std::optional(lib.info) : std::nullopt);
  }

  const char* current = std::getenv("LD_PRELOAD");
  for (const EnvironmentVariable& v : child_environment(
           options, *library.path, current != nullptr ? std::optional<std::string_view>(current) : std::nullopt)) {
    if (setenv(v.name.c_str(), v.value.c_str(), 1) != 0) {
      std::cerr << "srcbind: cannot set " << v.name << ": " << std::strerror(errno) << '\n';
      return kExitSrcbindFailed;
    }
    if (options.verbosity == Verbosity::verbose) std::cerr << "srcbind: " << v.name << '=' << v.value << '\n';
  }
  if (options.verbosity == Verbosity::verbose)
    std::cerr << "srcbind: " << table.rules.size() << (table.rules.size() == 1 ? " rule" : " rules") << "; running "
              << command << '\n';

  return exec_command(options, command);
}

}  // namespace srcbind::cli
