// srcbind: run a program with libsrcbind.so preloaded, or check, explain and
// print the configuration. See srcbind(1).
#include "check_command.hpp"
#include "exit_codes.hpp"
#include "explain_command.hpp"
#include "kernel_mode.hpp"
#include "options.hpp"
#include "print_env.hpp"
#include "run_mode.hpp"
#include "service_command.hpp"

#include <iostream>

int main(int argc, char* argv[]) {
  using namespace srcbind::cli;
  if (is_service_command(argc, argv)) return run_service_command(argc, argv, std::cout, std::cerr);
  const ParsedOptions parsed = parse_options(argc, argv);
  if (!parsed.ok()) {
    std::cerr << "srcbind: " << parsed.error << "\nTry 'srcbind --help' for more information.\n";
    return kExitSrcbindFailed;
  }
  const Options& options = parsed.options;
  switch (options.mode) {
    case Mode::help: std::cout << usage_text(); return kExitOk;
    case Mode::version: std::cout << version_text(); return kExitOk;
    case Mode::check:
      if (options.kernel) return run_kernel_check(options, std::cout, std::cerr);
      return run_check(options, std::cout, std::cerr);
    case Mode::explain: return run_explain(options, std::cout, std::cerr);
    case Mode::print_env: return run_print_env(options, std::cout, std::cerr);
    case Mode::run:
      if (options.pin) return run_kernel_pin(options);
      if (options.kernel) return run_kernel_command(options);
      return run_command(options);
  }
  return kExitSrcbindFailed;
}
