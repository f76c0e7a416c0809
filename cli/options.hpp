// Command-line options of `srcbind`, parsed with getopt_long("+...") so that the
// first non-option word starts COMMAND and COMMAND's own options are left alone.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace srcbind::cli {

enum class Mode { run, check, explain, print_env, help, version };
enum class Verbosity { normal, verbose, quiet };

struct Options {
  Mode mode = Mode::run;
  std::optional<std::string> config_file;  // -c FILE, as given
  std::vector<std::string> sources;  // every -s ADDR[,ADDR], as given
  std::optional<std::string> interface;  // -i IFACE
  Verbosity verbosity = Verbosity::normal;  // -v / -q
  bool udp = false;  // --udp (--explain)
  std::optional<std::string> program;  // --program NAME (--explain)
  std::vector<std::string> operands;  // run: COMMAND [ARG]...; --explain: DEST
  bool kernel = false;  // --kernel: the kernel backend (run mode, --check)
  std::optional<std::string> pin;  // --pin NAME (--kernel): pin for systemd instead of running
  bool compile = false;  // --compile (--check): write FILE.compiled for the library

  // The -s values joined with commas: the value of SRCBIND_SOURCE.
  std::string joined_sources() const;
};

struct ParsedOptions {
  Options options;
  std::string error;  // empty when the command line is valid
  bool ok() const noexcept { return error.empty(); }
};

ParsedOptions parse_options(int argc, char* const argv[]);

std::string usage_text();
std::string version_text();

}  // namespace srcbind::cli
