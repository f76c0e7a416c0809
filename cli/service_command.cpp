#include "service_command.hpp"

#include "command_resolver.hpp"
#include "config_loading.hpp"
#include "elf_inspect.hpp"
#include "exit_codes.hpp"
#include "library_locator.hpp"
#include "preload_coverage.hpp"
#include "systemd_dropin.hpp"
#include "systemd_unit.hpp"

#include "srcbind/rule_table.hpp"

#include <getopt.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <ostream>
#include <set>
#include <system_error>
#include <vector>

namespace srcbind::cli {
namespace {

namespace fs = std::filesystem;

struct ServiceOptions {
  bool enable = true;
  bool kernel = false;
  bool help = false;
  std::optional<std::string> config_file;
  std::string unit;
};

struct ParsedServiceOptions {
  ServiceOptions options;
  std::string error;
};

ParsedServiceOptions parse_service_options(int argc, char* argv[]) {
  enum { kKernel = 1000 };
  static constexpr option kLong[] = {
      {"config", required_argument, nullptr, 'c'},
      {"kernel", no_argument, nullptr, kKernel},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  ParsedServiceOptions parsed;
  ServiceOptions& o = parsed.options;
  o.enable = std::string_view(argv[1]) == "enable";
  const std::string verb = argv[1];
  // getopt sees "enable UNIT -c FILE" as if "enable" were the program name.
  int sub_argc = argc - 1;
  char** sub_argv = argv + 1;
  optind = 0;
  opterr = 0;
  for (;;) {
    const int c = getopt_long(sub_argc, sub_argv, ":c:h", kLong, nullptr);
    if (c == -1) break;
    switch (c) {
      case 'c':
        if (o.config_file) parsed.error = "-c given twice";
        else if (*optarg == '\0') parsed.error = "-c needs a file name";
        else o.config_file = optarg;
        break;
      case kKernel: o.kernel = true; break;
      case 'h': o.help = true; return parsed;
      case ':': parsed.error = std::string("option ") + sub_argv[optind - 1] + " needs an argument"; break;
      default: parsed.error = std::string("unknown option '") + sub_argv[optind - 1] + "' for " + verb; break;
    }
    if (!parsed.error.empty()) return parsed;
  }
  std::vector<std::string> operands(sub_argv + optind, sub_argv + sub_argc);
  if (operands.empty()) parsed.error = verb + " needs a unit: srcbind " + verb + " UNIT";
  else if (operands.size() > 1) parsed.error = verb + " takes one unit, got also '" + operands[1] + "'";
  else o.unit = operands.front();
  if (parsed.error.empty() && !o.enable && (o.kernel || o.config_file))
    parsed.error = "disable takes no -c or --kernel: it removes whatever enable wrote";
  return parsed;
}

fs::path systemd_root() {
  const char* root = std::getenv(kSystemdRootVariable);
  return root != nullptr && *root != '\0' ? fs::path(root) : fs::path("/");
}

fs::path unit_write_directory(const fs::path& root) { return root / "etc/systemd/system"; }

// Set-user-ID, set-group-ID or file capabilities, whoever owns the file: the
// service's own user is not known here, and for any other user the loader
// drops LD_PRELOAD.
std::optional<std::string> privilege_reason(const std::string& file) {
  struct stat st {};
  if (stat(file.c_str(), &st) != 0) return std::nullopt;
  if ((st.st_mode & S_ISUID) != 0) return "it is set-user-ID: the dynamic loader ignores LD_PRELOAD for it";
  if ((st.st_mode & S_ISGID) != 0) return "it is set-group-ID: the dynamic loader ignores LD_PRELOAD for it";
  if (getxattr(file.c_str(), "security.capability", nullptr, 0) > 0)
    return "it has file capabilities: the dynamic loader ignores LD_PRELOAD for it";
  return std::nullopt;
}

struct Refusal {
  std::string file;
  std::string reason;
};

std::vector<Refusal> preload_problems(const std::vector<std::string>& executables, const std::optional<ElfInfo>& library) {
  std::vector<Refusal> refusals;
  std::set<std::pair<std::string, std::string>> seen;
  auto add = [&](const std::string& file, const std::string& reason) {
    if (seen.insert({file, reason}).second) refusals.push_back({file, reason});
  };
  for (const std::string& exe : executables) {
    const ExecChain chain = resolve_exec_chain(exe, kSystemdExecPath);
    if (chain.files.empty()) {
      add(exe, "it does not exist or is not executable");
      continue;
    }
    for (const std::string& file : chain.files) {
      if (inspect_elf(file).status != ElfInspection::Status::elf) continue;
      if (std::optional<std::string> reason = privilege_reason(file)) add(file, *reason);
    }
    for (const CoverageProblem& p : find_coverage_problems(chain, library)) {
      if (p.kind == CoverageProblem::Kind::secure_execution) continue;  // privilege_reason covers every owner
      add(p.file, p.reason);
    }
  }
  return refusals;
}

// A file in the way that srcbind did not write: refused, nothing is changed.
bool foreign_file(const fs::path& file, std::ostream& err) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(file, ec)) || written_by_srcbind(file)) return false;
  err << "srcbind: " << file.string()
      << " exists and was not written by srcbind enable (no \"" << kDropInMarker << "\" first line); not touched\n";
  return true;
}

std::string current_executable() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("/usr/bin/srcbind") : exe.string();
}

int enable(const ServiceOptions& o, std::ostream& out, std::ostream& err) {
  const fs::path root = systemd_root();
  const ServiceFiles files = service_files(unit_write_directory(root), o.unit);
  if (foreign_file(files.dropin, err) || foreign_file(files.pin_unit, err)) return kExitSrcbindFailed;

  // The file the service will read, named explicitly so that neither the
  // service's HOME nor a later per-user file changes it.
  const std::string config = o.config_file ? absolute_path(*o.config_file) : std::string(kSystemConfigPath);
  const RuleTable table = load_config_file(config, HostInterfaces::current(),
                                           o.config_file ? FileTrust::owner_or_root : FileTrust::root_only);
  print_diagnostics(err, table.diagnostics);
  if (!table.ok()) {
    err << "srcbind: " << config << " has errors: " << o.unit << " not enabled\n";
    return kExitSrcbindFailed;
  }

  std::string dropin_text;
  if (o.kernel) {
    dropin_text = kernel_dropin_text(o.unit, files.pin_unit_name);
  } else {
    const LibraryLookup library = locate_library();
    if (!library.path) {
      err << library_not_found_message(library) << '\n';
      return kExitSrcbindFailed;
    }
    const ExecStartLookup exec = exec_start_of(o.unit, root);
    if (!exec.error.empty()) {
      err << "srcbind: cannot tell what " << o.unit << " runs: " << exec.error << "\n";
      return kExitSrcbindFailed;
    }
    const ElfInspection lib = inspect_elf(*library.path);
    const std::vector<Refusal> refusals = preload_problems(
        exec.executables, lib.status == ElfInspection::Status::elf ? std::optional(lib.info) : std::nullopt);
    if (!refusals.empty()) {
      for (const Refusal& r : refusals) err << "srcbind: " << o.unit << ": " << r.file << ": " << r.reason << '\n';
      err << "srcbind: " << o.unit << " not enabled: LD_PRELOAD cannot reach it; the kernel backend can: srcbind enable "
          << o.unit << " --kernel" << (o.config_file ? " -c " + config : std::string()) << '\n';
      return kExitSrcbindFailed;
    }
    dropin_text = library_dropin_text(o.unit, *library.path, config);
  }

  std::error_code ec;
  fs::create_directories(files.dropin_dir, ec);
  if (ec) {
    err << "srcbind: cannot create " << files.dropin_dir.string() << ": " << ec.message() << '\n';
    return kExitSrcbindFailed;
  }
  if (o.kernel) {
    const std::string error = write_file_atomically(files.pin_unit, pin_unit_text(o.unit, current_executable(), config));
    if (!error.empty()) {
      err << "srcbind: " << error << '\n';
      return kExitSrcbindFailed;
    }
    out << "srcbind: wrote " << files.pin_unit.string() << '\n';
  }
  if (const std::string error = write_file_atomically(files.dropin, dropin_text); !error.empty()) {
    err << "srcbind: " << error << '\n';
    if (o.kernel) fs::remove(files.pin_unit, ec);
    if (fs::is_empty(files.dropin_dir, ec)) fs::remove(files.dropin_dir, ec);
    return kExitSrcbindFailed;
  }
  out << "srcbind: wrote " << files.dropin.string() << '\n';
  if (!o.kernel && fs::exists(files.pin_unit, ec)) {
    // Switched from the kernel form: its pin unit is no longer wanted.
    fs::remove(files.pin_unit, ec);
    out << "srcbind: removed " << files.pin_unit.string() << '\n';
  }
  out << "srcbind: run 'systemctl daemon-reload', then 'systemctl restart " << o.unit << "' for it to take effect\n";
  return kExitOk;
}

int disable(const ServiceOptions& o, std::ostream& out, std::ostream& err) {
  const ServiceFiles files = service_files(unit_write_directory(systemd_root()), o.unit);
  if (foreign_file(files.dropin, err) || foreign_file(files.pin_unit, err)) return kExitSrcbindFailed;
  std::error_code ec;
  bool removed = false;
  const bool had_pin_unit = fs::exists(fs::symlink_status(files.pin_unit, ec));
  for (const fs::path& file : {files.dropin, files.pin_unit}) {
    if (!fs::exists(fs::symlink_status(file, ec))) continue;
    if (!fs::remove(file, ec)) {
      err << "srcbind: cannot remove " << file.string() << ": " << ec.message() << '\n';
      return kExitSrcbindFailed;
    }
    out << "srcbind: removed " << file.string() << '\n';
    removed = true;
  }
  // Only when nothing else is in it (another drop-in stays where it was).
  if (fs::is_directory(files.dropin_dir, ec) && fs::is_empty(files.dropin_dir, ec) && fs::remove(files.dropin_dir, ec))
    out << "srcbind: removed " << files.dropin_dir.string() << '\n';
  if (!removed) {
    out << "srcbind: " << o.unit << " is not enabled (no " << files.dropin.string() << "); nothing to do\n";
    return kExitOk;
  }
  if (had_pin_unit) {
    // Before the reload, systemd still knows the pin unit's ExecStop= (which
    // removes the pinned programs); stopping it stops the service too.
    out << "srcbind: run 'systemctl stop " << files.pin_unit_name << "' (it removes the pinned programs and stops "
        << o.unit << "), then 'systemctl daemon-reload' and 'systemctl start " << o.unit << "'\n";
    return kExitOk;
  }
  out << "srcbind: run 'systemctl daemon-reload', then 'systemctl restart " << o.unit << "' for it to take effect\n";
  return kExitOk;
}

}  // namespace

bool is_service_command(int argc, char* const argv[]) {
  if (argc < 2) return false;
  const std::string_view word = argv[1];
  return word == "enable" || word == "disable";
}

int run_service_command(int argc, char* argv[], std::ostream& out, std::ostream& err) {
  const ParsedServiceOptions parsed = parse_service_options(argc, argv);
  if (!parsed.error.empty()) {
    err << "srcbind: " << parsed.error << "\nTry 'srcbind enable --help' for more information.\n";
    return kExitSrcbindFailed;
  }
  if (parsed.options.help) {
    out << service_usage_text();
    return kExitOk;
  }
  ServiceOptions o = parsed.options;
  const UnitName name = normalise_unit_name(o.unit);
  if (!name.error.empty()) {
    err << "srcbind: " << name.error << '\n';
    return kExitSrcbindFailed;
  }
  o.unit = name.name;
  return o.enable ? enable(o, out, err) : disable(o, out, err);
}

std::string service_usage_text() {
  return R"USAGE(Usage:
  srcbind enable UNIT [--kernel] [-c FILE]
  srcbind disable UNIT

enable writes /etc/systemd/system/UNIT.d/srcbind.conf so that the service UNIT
(".service" is added when UNIT has no suffix) runs with srcbind:
  without --kernel  Environment=LD_PRELOAD=libsrcbind.so and SRCBIND_CONFIG=FILE;
                    refused when the service's program is statically linked, a Go
                    program, set-user-ID/-group-ID or has file capabilities
  --kernel          BPFProgram= lines for the programs that the unit
                    srcbind-pin-NAME.service (also written) pins with
                    srcbind --kernel --pin UNIT -c FILE before UNIT starts
  -c FILE           the configuration (default /etc/srcbind.ini); checked first

disable removes exactly those files (and UNIT.d when it is then empty); a file
that srcbind did not write is never touched.

Then run: systemctl daemon-reload && systemctl restart UNIT
Exit status: 0 done; 125 refused or failed, with nothing changed.
)USAGE";
}

}  // namespace srcbind::cli
