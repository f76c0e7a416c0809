#include "kernel_mode.hpp"

#include "check_command.hpp"
#include "config_loading.hpp"
#include "exec_command.hpp"
#include "exit_codes.hpp"

#include <iostream>

#ifdef SRCBIND_HAVE_KERNEL_BACKEND
#include "srcbind/kernel/bpf_programs.hpp"
#include "srcbind/kernel/cgroup.hpp"
#include "srcbind/kernel/requirements.hpp"
#include "srcbind/kernel/watcher.hpp"
#include "srcbind/kernel_rule_compiler.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>
#endif

namespace srcbind::cli {

#ifndef SRCBIND_HAVE_KERNEL_BACKEND

namespace {
constexpr const char* kNotBuilt =
    "srcbind: --kernel: this srcbind was built without the kernel backend "
    "(it needs clang, bpftool and libbpf at build time: SRCBIND_KERNEL_BACKEND)";
}

int run_kernel_command(const Options&) {
  std::cerr << kNotBuilt << '\n';
  return kExitSrcbindFailed;
}

int run_kernel_check(const Options& options, std::ostream& out, std::ostream& err) {
  const int status = run_check(options, out, err);
  err << kNotBuilt << '\n';
  return status == kExitOk ? kExitInvalid : status;
}

int run_kernel_pin(const Options&) {
  std::cerr << kNotBuilt << '\n';
  return kExitSrcbindFailed;
}

#else

namespace {

// The rule table as the library would load it, and its kernel form.
struct KernelConfig {
  RuleTable table;
  KernelTables tables;
};

// Prints what is wrong (as run mode does) and returns nullopt on any error.
std::optional<KernelConfig> load_kernel_config(const Options& options, const std::string& what) {
  const bool quiet = options.verbosity == Verbosity::quiet;
  const HostInterfaces host = HostInterfaces::current();
  KernelConfig config;
  config.table = load_as_library(library_environment(options, Environment::from_process()), host);
  print_diagnostics(std::cerr, config.table.diagnostics, quiet);
  if (!config.table.ok()) {
    std::cerr << "srcbind: the configuration has errors: " << what << " not started\n";
    return std::nullopt;
  }
  if (!quiet && has_no_configuration(config.table))
    std::cerr << "srcbind: warning: " << no_configuration_message() << ": " << what << " runs unchanged\n";
  config.tables = compile_kernel_tables(config.table.rules, host);
  for (const std::string& e : config.tables.errors) std::cerr << e << " (--kernel)\n";
  if (!config.tables.ok()) {
    std::cerr << "srcbind: the configuration has errors: " << what << " not started\n";
    return std::nullopt;
  }
  return config;
}

kernel::LoadSettings load_settings(const Settings& settings, bool with_log) {
  kernel::LoadSettings s;
  s.netns_cookie = kernel::current_netns_cookie();
  s.log_applied = with_log && settings.log_level >= LogLevel::info;
  s.log_problems = with_log && settings.log_level >= LogLevel::error;
  return s;
}

// Forks the watcher twice, so that it is nobody's child but init's (COMMAND,
// which srcbind becomes, must not see it as its own). It starts in srcbind's
// own cgroup, outside the run's. Returns false when it could not be started.
bool start_watcher(const kernel::WatchSettings& settings, int write_end) {
  const pid_t helper = ::fork();
  if (helper < 0) return false;
  if (helper == 0) {
    const pid_t watcher = ::fork();
    if (watcher != 0) ::_exit(watcher < 0 ? 1 : 0);
    ::close(write_end);
    ::setsid();   // out of the terminal's process group: Ctrl-C is COMMAND's
    for (int sig : {SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGPIPE}) ::signal(sig, SIG_IGN);
    if (::chdir("/") != 0) {
      // Only keeps a directory busy; nothing to report.
    }
    kernel::run_watcher(settings);
  }
  int status = 0;
  while (::waitpid(helper, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Moving a process into a cgroup waits for an RCU grace period in the kernel
// (~10 ms, docs/kernel-backend.md "Start-up"): a thread does it while the caller
// loads the programs. If no thread can be started, finish() does it.
class BackgroundMove {
 public:
  explicit BackgroundMove(std::string cgroup) : cgroup_(std::move(cgroup)) {
    try {
      thread_ = std::thread([this] { run(); });
    } catch (const std::system_error&) {
      // No thread (RLIMIT_NPROC, memory): moved in finish(), without the overlap.
    }
  }
  ~BackgroundMove() { wait(); }
  BackgroundMove(const BackgroundMove&) = delete;
  BackgroundMove& operator=(const BackgroundMove&) = delete;

  // Waits for the thread, if any; moves nothing itself.
  void wait() {
    if (thread_.joinable()) thread_.join();
  }
  // The move done: 0, or its errno.
  int finish() {
    wait();
    if (!done_) run();
    return error_;
  }
  bool moved() const { return done_ && error_ == 0; }

 private:
  void run() {
    error_ = kernel::move_into(cgroup_) ? 0 : errno;
    done_ = true;
  }
  std::string cgroup_;
  std::thread thread_;
  int error_ = 0;
  bool done_ = false;
};

}  // namespace

int run_kernel_command(const Options& options) {
  const std::string& command = options.operands.front();
  std::optional<KernelConfig> config = load_kernel_config(options, command);
  if (!config) return kExitSrcbindFailed;
  const RuleTable& table = config->table;

  if (const std::string missing = kernel::missing_kernel_requirement(); !missing.empty()) {
    std::cerr << "srcbind: --kernel: " << missing << '\n';
    return kExitSrcbindFailed;
  }
  std::string error;
  const std::optional<std::string> parent = kernel::own_cgroup_directory(error, true);
  if (!parent) {
    std::cerr << "srcbind: --kernel: " << error << '\n';
    return kExitSrcbindFailed;
  }
  kernel::remove_leftover_cgroups(*parent);
  const std::string cgroup = *parent + "/" + kernel::kRunCgroupPrefix + std::to_string(::getpid());
  if (::mkdir(cgroup.c_str(), 0755) != 0) {
    std::cerr << "srcbind: --kernel: cannot create the cgroup " << cgroup << ": " << std::strerror(errno) << '\n';
    return kExitSrcbindFailed;
  }
  // Nothing in the cgroup is steered before the programs are attached, and
  // srcbind opens no socket after that: it can move in while they load.
  BackgroundMove move(cgroup);
  const auto fail = [&](const std::string& message) {
    move.wait();
    std::cerr << "srcbind: --kernel: " << message << '\n';
    // A cgroup with a process in it cannot be removed: back to where srcbind was.
    if (move.moved()) kernel::move_into(*parent);
    ::rmdir(cgroup.c_str());
    return kExitSrcbindFailed;
  };
  // Locked until the watcher has removed it: the mark of a live run (cgroup.cpp).
  const int cgroup_fd = kernel::lock_run_cgroup(cgroup, true);
  if (cgroup_fd < 0) return fail("cannot open " + cgroup + ": " + std::strerror(errno));
  std::unique_ptr<kernel::BpfPrograms> programs =
      kernel::BpfPrograms::load(config->tables, load_settings(table.settings, true), error);
  if (!programs || !programs->attach(cgroup_fd, error)) {
    ::close(cgroup_fd);
    return fail(error);
  }
  if (const int error_number = move.finish(); error_number != 0) {
    ::close(cgroup_fd);
    return fail("cannot move into " + cgroup + ": " + std::strerror(error_number));
  }

  int started[2];
  if (::pipe2(started, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + std::strerror(errno));
  kernel::WatchSettings watch;
  watch.cgroup_directory = cgroup;
  watch.leave_to = *parent;
  watch.started_fd = started[0];
  watch.events_fd = programs->events_fd();
  watch.rules = table.rules;
  watch.log_level = table.settings.log_level;
  watch.log_file = table.settings.log_file;
  std::cout.flush();
  std::cerr.flush();
  if (!start_watcher(watch, started[1])) {
    ::close(started[0]);
    ::close(started[1]);
    ::close(cgroup_fd);
    return fail("cannot start the process that removes the cgroup");
  }
  ::close(started[0]);
  ::close(cgroup_fd);   // the watcher's copy keeps the lock
  programs.reset();   // the attachment stays: it belongs to the cgroup

  // From here on a failure leaves the cleanup to the watcher (EOF on the pipe).
  if (options.verbosity == Verbosity::verbose)
    std::cerr << "srcbind: " << table.rules.size() << (table.rules.size() == 1 ? " rule" : " rules")
              << "; running " << command << " in cgroup " << cgroup << " (kernel backend)\n";

  return exec_command(options, command);
}

int run_kernel_check(const Options& options, std::ostream& out, std::ostream& err) {
  int status = run_check(options, out, err);
  const HostInterfaces host = HostInterfaces::current();
  const RuleTable table = load_as_library(library_environment(options, Environment::from_process()), host);
  const KernelTables tables = compile_kernel_tables(table.rules, host);
  for (const std::string& e : tables.errors) err << e << " (--kernel)\n";
  if (!tables.ok()) status = kExitInvalid;
  const std::string missing = kernel::missing_kernel_requirement();
  if (!missing.empty()) {
    err << "srcbind: --kernel: " << missing << '\n';
    return kExitInvalid;
  }
  out << "kernel backend: ready (" << tables.v4.size() + tables.v6.size() << " prefixes, " << tables.candidates.size()
      << " candidates)\n";
  return status;
}

int run_kernel_pin(const Options& options) {
  const std::string directory = std::string(kernel::kPinRoot) + "/" + *options.pin;
  std::optional<KernelConfig> config = load_kernel_config(options, "nothing pinned;");
  if (!config) return kExitSrcbindFailed;
  if (const std::string missing = kernel::missing_kernel_requirement(); !missing.empty()) {
    std::cerr << "srcbind: --kernel: " << missing << '\n';
    return kExitSrcbindFailed;
  }
  std::string error;
  // No watcher prints a pinned program's decisions: nothing is logged.
  std::unique_ptr<kernel::BpfPrograms> programs =
      kernel::BpfPrograms::load(config->tables, load_settings(config->table.settings, false), error);
  if (!programs || !programs->pin(directory, error)) {
    std::cerr << "srcbind: --kernel --pin: " << error << '\n';
    return kExitSrcbindFailed;
  }
  if (options.verbosity != Verbosity::quiet)
    std::cerr << "srcbind: " << config->table.rules.size() << (config->table.rules.size() == 1 ? " rule" : " rules")
              << " pinned at " << directory << "\n";
  return kExitOk;
}

#endif

}  // namespace srcbind::cli
