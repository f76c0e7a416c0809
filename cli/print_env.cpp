#include "print_env.hpp"

#include "child_environment.hpp"
#include "config_loading.hpp"
#include "exit_codes.hpp"
#include "library_locator.hpp"
#include "shell_quote.hpp"

#include <cstdlib>
#include <ostream>

namespace srcbind::cli {

int run_print_env(const Options& options, std::ostream& out, std::ostream& err) {
  const HostInterfaces host = HostInterfaces::current();
  const RuleTable table = load_as_library(library_environment(options, Environment::from_process()), host);
  const bool quiet = options.verbosity == Verbosity::quiet;
  print_diagnostics(err, table.diagnostics, quiet);
  if (!table.ok()) {
    err << "srcbind: the configuration has errors: nothing printed\n";
    return kExitInvalid;
  }

  if (!quiet && has_no_configuration(table))
    err << "srcbind: warning: " << no_configuration_message() << ": the library will change nothing\n";

  const LibraryLookup library = locate_library();
  if (!library.path) {
    err << library_not_found_message(library) << '\n';
    return kExitInvalid;
  }
  const char* current = std::getenv("LD_PRELOAD");
  for (const EnvironmentVariable& v : child_environment(
           options, *library.path, current != nullptr ? std::optional<std::string_view>(current) : std::nullopt)) {
    out << "export " << v.name << '=' << shell_quote(v.value) << '\n';
  }
  return kExitOk;
}

}  // namespace srcbind::cli
