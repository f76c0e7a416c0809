#include "options.hpp"

#include <getopt.h>

#include <string_view>

namespace srcbind::cli {
namespace {

enum LongOnly : int {
  kCheck = 1000,
  kExplain,
  kPrintEnv,
  kUdp,
  kProgram,
  kKernel,
  kPin,
  kCompile,
};

constexpr option kLongOptions[] = {
    {"config", required_argument, nullptr, 'c'},
    {"source", required_argument, nullptr, 's'},
    {"interface", required_argument, nullptr, 'i'},
    {"verbose", no_argument, nullptr, 'v'},
    {"quiet", no_argument, nullptr, 'q'},
    {"check", no_argument, nullptr, kCheck},
    {"explain", no_argument, nullptr, kExplain},
    {"print-env", no_argument, nullptr, kPrintEnv},
    {"udp", no_argument, nullptr, kUdp},
    {"program", required_argument, nullptr, kProgram},
    {"kernel", no_argument, nullptr, kKernel},
    {"pin", required_argument, nullptr, kPin},
    {"compile", no_argument, nullptr, kCompile},
    {"help", no_argument, nullptr, 'h'},
    {"version", no_argument, nullptr, 'V'},
    {nullptr, 0, nullptr, 0},
};

// "+": stop at the first non-option (COMMAND); ":": report a missing argument as ':'.
constexpr const char* kShortOptions = "+:c:s:i:vqhV";

std::string_view mode_option(Mode m) {
  switch (m) {
    case Mode::check: return "--check";
    case Mode::explain: return "--explain";
    case Mode::print_env: return "--print-env";
    case Mode::help: return "--help";
    case Mode::version: return "--version";
    case Mode::run: break;
  }
  return "run mode";
}

std::string option_name(int code, const char* word) {
  for (const option& o : kLongOptions) {
    if (o.name != nullptr && o.val == code) {
      // Say it the way the user wrote it.
      if (word != nullptr && std::string_view(word).starts_with("--")) return std::string("--") + o.name;
      if (code < 256) return std::string("-") + static_cast<char>(code);
      return std::string("--") + o.name;
    }
  }
  return word != nullptr ? std::string(word) : std::string("?");
}

// Checks the combination of options once the whole line is read.
std::string validate(const Options& o) {
  if (o.mode == Mode::help || o.mode == Mode::version) return {};
  if (o.udp && o.mode != Mode::explain) return "--udp is only valid with --explain";
  if (o.program && o.mode != Mode::explain) return "--program is only valid with --explain";
  if (o.verbosity != Verbosity::normal && (o.mode == Mode::check || o.mode == Mode::explain))
    return std::string(o.verbosity == Verbosity::verbose ? "-v" : "-q") + " is not valid with " +
           std::string(mode_option(o.mode));
  if (o.compile && o.mode != Mode::check) return "--compile is only valid with --check";
  if (o.compile && o.kernel) return "--compile and --kernel cannot be combined (the kernel backend loads its own maps)";
  if (o.kernel && o.mode != Mode::run && o.mode != Mode::check)
    return "--kernel is not valid with " + std::string(mode_option(o.mode));
  if (o.pin) {
    if (!o.kernel) return "--pin needs --kernel";
    if (o.mode != Mode::run) return "--pin is not valid with " + std::string(mode_option(o.mode));
    if (!o.operands.empty()) return "--pin takes no COMMAND, got '" + o.operands.front() + "'";
    if (*o.pin == "." || *o.pin == ".." || o.pin->find('/') != std::string::npos)
      return "--pin needs a plain name (a unit name), got '" + *o.pin + "'";
    return {};
  }
  switch (o.mode) {
    case Mode::run:
      if (o.operands.empty()) return "no COMMAND given";
      break;
    case Mode::explain:
      if (o.operands.empty()) return "--explain needs a destination: DEST[:PORT]";
      if (o.operands.size() > 1) return "--explain takes one destination, got also '" + o.operands[1] + "'";
      break;
    case Mode::check:
    case Mode::print_env:
      if (!o.operands.empty())
        return "unexpected argument '" + o.operands.front() + "' after " + std::string(mode_option(o.mode));
      break;
    case Mode::help:
    case Mode::version: break;
  }
  return {};
}

}  // namespace

std::string Options::joined_sources() const {
  std::string out;
  for (const std::string& s : sources) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

ParsedOptions parse_options(int argc, char* const argv[]) {
  ParsedOptions result;
  Options& o = result.options;
  bool mode_given = false;
  auto set_mode = [&](Mode m) -> std::string {
    if (mode_given && o.mode != m)
      return std::string(mode_option(o.mode)) + " and " + std::string(mode_option(m)) + " cannot be combined";
    mode_given = true;
    o.mode = m;
    return {};
  };
  // -c and -i: given once, and not empty.
  auto set_once = [](std::optional<std::string>& value, const char* option, const char* needs) -> std::string {
    if (value) return std::string(option) + " given twice";
    if (*optarg == '\0') return std::string(option) + " needs " + needs;
    value = optarg;
    return {};
  };
  auto set_verbosity = [&](Verbosity v) -> std::string {
    if (o.verbosity != Verbosity::normal && o.verbosity != v) return "-v and -q cannot be combined";
    o.verbosity = v;
    return {};
  };

  optind = 0;  // glibc: full re-initialisation, so that parse_options can run twice
  opterr = 0;  // our own messages
  for (;;) {
    const int c = getopt_long(argc, argv, kShortOptions, kLongOptions, nullptr);
    if (c == -1) {
      // COMMAND starts here in run mode. The other modes take at most one word
      // (DEST), and their options may follow it: keep parsing.
      if (optind >= argc || !mode_given || o.mode == Mode::run) break;
      o.operands.emplace_back(argv[optind++]);
      continue;
    }
    std::string error;
    switch (c) {
      case 'c': error = set_once(o.config_file, "-c", "a file name"); break;
      case 's':
        if (*optarg == '\0')
          error = "-s needs an address";
        else
          o.sources.emplace_back(optarg);
        break;
      case 'i': error = set_once(o.interface, "-i", "an interface name"); break;
      case 'v': error = set_verbosity(Verbosity::verbose); break;
      case 'q': error = set_verbosity(Verbosity::quiet); break;
      case kCheck: error = set_mode(Mode::check); break;
      case kExplain: error = set_mode(Mode::explain); break;
      case kPrintEnv: error = set_mode(Mode::print_env); break;
      case kUdp: o.udp = true; break;
      case kProgram:
        if (*optarg == '\0')
          error = "--program needs a name";
        else
          o.program = optarg;
        break;
      case kKernel: o.kernel = true; break;
      case kCompile: o.compile = true; break;
      case kPin:
        if (o.pin)
          error = "--pin given twice";
        else if (*optarg == '\0')
          error = "--pin needs a name";
        else
          o.pin = optarg;
        break;
      case 'h': o.mode = Mode::help; return result;
      case 'V': o.mode = Mode::version; return result;
      case ':': error = "option " + option_name(optopt, argv[optind - 1]) + " needs an argument"; break;
      default: {  // '?'
        const char* word = argv[optind - 1];
        if (optopt != 0)
          error = std::string("unknown option '-") + static_cast<char>(optopt) + "'";
        else
          error = std::string("unknown option '") + word + "'";
        break;
      }
    }
    if (!error.empty()) {
      result.error = error;
      return result;
    }
  }
  if (o.mode == Mode::run) {
    for (int i = optind; i < argc; ++i) o.operands.emplace_back(argv[i]);
  }
  result.error = validate(o);
  return result;
}

std::string version_text() { return "srcbind " SRCBIND_VERSION "\n"; }

std::string usage_text() {
  return R"USAGE(Usage:
  srcbind [-c FILE] [-s ADDR]... [-i IFACE] [-v|-q] [--] COMMAND [ARG]...
  srcbind --check     [-c FILE] [-s ADDR]... [-i IFACE] [--compile]
  srcbind --explain   [-c FILE] [-s ADDR]... [-i IFACE] [--udp] [--program NAME] DEST[:PORT]
  srcbind --print-env [-c FILE] [-s ADDR]... [-i IFACE] [-v|-q]
  srcbind enable UNIT [--kernel] [-c FILE]    (srcbind enable --help)
  srcbind disable UNIT
  srcbind --kernel [-c FILE] [-s ADDR]... [-i IFACE] [-v|-q] [--] COMMAND [ARG]...
  srcbind --kernel --pin NAME [-c FILE] [-s ADDR]... [-i IFACE]
  srcbind --check --kernel [-c FILE] [-s ADDR]... [-i IFACE]

Run COMMAND with libsrcbind.so preloaded, so that its connections use the source
address (and/or interface) that the destination->source map chooses.

Options:
  -c, --config FILE     the INI file (default: $SRCBIND_CONFIG, else
                        ~/.config/srcbind/srcbind.ini, else /etc/srcbind.ini)
  -s, --source ADDR     quick mode: use ADDR for every non-loopback destination that
                        no file rule matches (a loopback ADDR such as 127.0.0.2:
                        for loopback destinations only); repeat or separate with
                        commas for one IPv4 and one IPv6 address (SRCBIND_SOURCE);
                        @NAME is the first address of interface or alias NAME
  -i, --interface IFACE quick mode: SO_BINDTODEVICE IFACE (SRCBIND_INTERFACE)
  -v, --verbose         the library logs one line per decision (SRCBIND_LOG=info)
  -q, --quiet           only errors, from srcbind and the library (SRCBIND_LOG=error)
      --check           validate the configuration and print its rules
      --compile         with --check: also write FILE.compiled, which libsrcbind.so
                        reads instead of parsing FILE (large files; see srcbind(1))
      --explain         show which rule, source and interface a destination gets,
                        and the source the kernel would pick without srcbind
      --udp             --explain a UDP destination (default TCP)
      --program NAME    --explain as seen by program NAME (rules with program=)
      --print-env       print export lines for: eval "$(srcbind --print-env ...)"
      --kernel          apply the rules from the kernel (cgroup v2 + BPF; root):
                        reaches static, Go, setuid and io_uring programs too
      --pin NAME        with --kernel: load the programs and pin them under
                        /sys/fs/bpf/srcbind/NAME for systemd's BPFProgram=
  -h, --help            this help
  -V, --version         the version

DEST is an IPv4 address, [IPv6] or a bare IPv6 address, or a host name, with an
optional :PORT. Without a port, rules with a port filter do not match.

Exit status: COMMAND's own; 125 if srcbind fails (bad option or configuration,
library missing); 126 if COMMAND cannot be executed; 127 if it is not found.
--check, --explain and --print-env exit 0 on success and 1 on a bad configuration.
See srcbind(1) and srcbind.ini(5).
)USAGE";
}

}  // namespace srcbind::cli
