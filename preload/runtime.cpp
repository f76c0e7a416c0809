#include "runtime.hpp"

#include "plain_source.hpp"

#include "errno_guard.hpp"
#include "hot_path.hpp"
#include "process_names.hpp"
#include "start_capture.hpp"
#include "srcbind/config_search.hpp"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <new>

namespace srcbind::preload {
namespace {

constinit std::atomic<long> g_loader_tid{0};

long current_tid() noexcept { return ::syscall(SYS_gettid); }
const void* current_thread() noexcept { return __builtin_thread_pointer(); }

// A fork taken by another thread while this one was loading leaves the child with
// a load that nobody will finish: start over there.
void restart_load_in_child() noexcept {
  if (runtime_state.load(std::memory_order_acquire) == kLoading) runtime_state.store(kUnloaded, std::memory_order_release);
}

// The instance is built in place here rather than on the heap: it shares its
// page with the other hot data.
alignas(Runtime) SRCBIND_HOT_DATA unsigned char g_runtime_storage[sizeof(Runtime)];

// The snapshot, taken once; destroyed when the runtime has been built from it.
// Usually taken as a StartCapture (start_capture.hpp) and made into the
// snapshot's objects at the first network call; g_start.snapshot is set at start only
// when the capture could not be taken with system calls alone.
enum SnapshotState : int { kNoSnapshot, kTaking, kTaken };
// What the constructor writes, in one page: each page of static memory first
// written costs the process a page fault.
struct alignas(4096) StartState {
  std::atomic<int> snapshot_state{kNoSnapshot};
  // The thread taking the snapshot, by its thread pointer: unique among live
  // threads, and read without a system call.
  std::atomic<const void*> snapshot_thread{nullptr};
  bool captured = false;
  StartupSnapshot* snapshot = nullptr;
  StartCapture capture;
};
constinit StartState g_start{};
alignas(StartupSnapshot) unsigned char g_snapshot_storage[sizeof(StartupSnapshot)];

StartupSnapshot* new_snapshot() noexcept {
  ErrnoGuard keep_errno;
  try {
    auto* snapshot = new (g_snapshot_storage) StartupSnapshot{
        capture_configuration(Environment::from_process(), ConfigFile::Capture::map), StartNames::current(),
        StandardStreams::current()};
    return snapshot;
  } catch (...) {
    return nullptr;   // out of memory at start: no rules, never throw into the host
  }
}

std::optional<std::string> copy_of(const char* value) {
  return value != nullptr ? std::optional<std::string>(value) : std::nullopt;
}

// The snapshot's objects, from what the constructor captured. The mapping is
// handed over first: nothing after it can leave it mapped for good.
StartupSnapshot* snapshot_from(StartCapture& c) noexcept {
  ErrnoGuard keep_errno;
  ConfigFile file = c.config_path != nullptr ? ConfigFile::adopt(c.config_path, c.trust, c.file) : ConfigFile();
  c.file.mapping = nullptr;
  try {
    CapturedConfiguration captured;
    captured.env.secure = c.secure;
    if (!c.secure) {
      captured.env.config = copy_of(c.variables[StartCapture::kConfig]);
      captured.env.source = copy_of(c.variables[StartCapture::kSource]);
      captured.env.interface = copy_of(c.variables[StartCapture::kInterface]);
      captured.env.log = copy_of(c.variables[StartCapture::kLog]);
      captured.env.log_file = copy_of(c.variables[StartCapture::kLogFile]);
      captured.env.user_config =
          user_config_path(c.variables[StartCapture::kXdgConfigHome], c.variables[StartCapture::kHome]);
    }
    captured.origin = c.origin;
    captured.file = std::move(file);
    StartNames names{c.argv0 != nullptr ? c.argv0 : "", c.exec_path != nullptr ? c.exec_path : ""};
    return new (g_snapshot_storage) StartupSnapshot{std::move(captured), std::move(names), c.streams};
  } catch (...) {
    return nullptr;   // out of memory: no rules, never throw into the host
  }
}

// The snapshot, taken here if nobody has; waits while another thread takes it.
// Called by the thread that builds the runtime (Runtime::load), one at a time.
StartupSnapshot* snapshot() noexcept {
  Runtime::take_snapshot();
  while (g_start.snapshot_state.load(std::memory_order_acquire) != kTaken) sched_yield();
  if (g_start.captured) {
    g_start.captured = false;
    g_start.snapshot = snapshot_from(g_start.capture);
  }
  return g_start.snapshot;
}

// Whether this thread is inside take_snapshot(): a hooked call made from there
// (a passwd module asked for the home directory connects) cannot wait for the
// snapshot it is part of, and must not build the rules from none.
bool taking_snapshot_here() noexcept {
  return g_start.snapshot_state.load(std::memory_order_acquire) == kTaking &&
         g_start.snapshot_thread.load(std::memory_order_relaxed) == current_thread();
}

void drop_snapshot() noexcept {
  if (g_start.snapshot != nullptr) g_start.snapshot->~StartupSnapshot();   // unmaps the file, frees its text
  g_start.snapshot = nullptr;
}

}  // namespace

SRCBIND_HOT_DATA constinit std::atomic<int> runtime_state{kUnloaded};
SRCBIND_HOT_DATA constinit std::atomic<const Runtime*> runtime_instance{nullptr};

SRCBIND_START void Runtime::take_snapshot() noexcept {
  int expected = kNoSnapshot;
  if (!g_start.snapshot_state.compare_exchange_strong(expected, kTaking, std::memory_order_acq_rel)) return;
  g_start.snapshot_thread.store(current_thread(), std::memory_order_relaxed);
  g_start.captured = capture_start(g_start.capture);   // leaves errno alone
  if (!g_start.captured) g_start.snapshot = new_snapshot();
  g_start.snapshot_state.store(kTaken, std::memory_order_release);
}

Runtime::Runtime(StartupSnapshot& snapshot) {
  load_rules(loaded_, snapshot.configuration, HostInterfaces::current(),
             [&snapshot](bool some_rule_names_programs) { return process_names(snapshot.names, some_rule_names_programs); });
  if (loaded_.program_names.empty()) loaded_.program_names = process_names(snapshot.names, false);   // out of memory
  if (loaded_.matcher) hot_.matcher = &*loaded_.matcher;
  hot_.rules = loaded_.records.rules().data();
  actions_ = loaded_.records.actions().data();
  take_quick_rule();
  plain_sources_.reserve(loaded_.records.actions().size() + 1);
  for (const ActionRecord& action : loaded_.records.actions()) plain_sources_.push_back(plain_sources_of(action));
  quick_action_index_ = static_cast<std::uint32_t>(plain_sources_.size());
  plain_sources_.push_back(plain_sources_of(quick_action_));
  hot_.plain_sources = plain_sources_.data();
  logger_.configure(loaded_.settings.log_level, loaded_.settings.log_file, loaded_.program_names.front(),
                    snapshot.streams);
  hot_.logs_applied = logger_.enabled(LogLevel::info);
  hot_.has_rules = (hot_.matcher != nullptr && !hot_.matcher->empty()) || hot_.quick_count != 0;
  if (hot_.quick_count != 0) {
    std::fill(std::begin(hot_.v4_first_bytes), std::end(hot_.v4_first_bytes), ~std::uint64_t{0});
  } else if (hot_.has_rules) {
    hot_.matcher->ipv4_first_bytes(hot_.v4_first_bytes);
  }
}

// Copied into the runtime's page: at most one rule, read on every call that
// no file rule matched.
void Runtime::take_quick_rule() noexcept {
  const RuleRecords quick = loaded_.quick.view();
  if (quick.rules().empty()) return;
  quick_rule_ = quick.rules().front();
  quick_action_ = quick.action(quick_rule_);
  for (const DestinationPattern& d : loaded_.quick_destinations) {
    if (hot_.quick_count < quick_destinations_.size()) quick_destinations_[hot_.quick_count++] = d;
  }
}

[[gnu::noinline]] SRCBIND_LOOKUP const RuleRecord* Runtime::look_up(const Endpoint& destination,
                                                                  Protocol protocol) const noexcept {
  unsigned length = 0;
  const std::uint32_t index =
      hot_.matcher != nullptr ? hot_.matcher->find_index(destination, protocol, &length) : Matcher::kNoRule;
  if (hot_.quick_count != 0) return with_quick_rule(destination, index, length);
  return index == Matcher::kNoRule ? nullptr : &hot_.rules[index];
}

const RuleRecord* Runtime::with_quick_rule(const Endpoint& destination, std::uint32_t file_rule,
                                           unsigned file_length) const noexcept {
  const Family family = destination.address.family;
  if (quick_action_.applies_to(family)) {
    for (std::size_t i = 0; i < hot_.quick_count; ++i) {
      const DestinationPattern& d = quick_destinations_[i];
      if (d.prefix.address.family != family || !d.prefix.contains(destination.address)) continue;
      if (d.wildcard && destination.address.is_loopback()) continue;   // SPEC: `*` is never loopback
      // Longest prefix wins; a tie goes to the file, written before it.
      if (file_rule == Matcher::kNoRule || d.prefix.length > file_length) return &quick_rule_;
    }
  }
  return file_rule == Matcher::kNoRule ? nullptr : &hot_.rules[file_rule];
}

std::string_view Runtime::label(const RuleRecord& rule, LabelBuffer& buffer) const noexcept {
  if (&rule == &quick_rule_) return loaded_.quick.view().label(0, buffer);
  return loaded_.records.label(static_cast<std::size_t>(&rule - hot_.rules), buffer);
}

const Runtime* Runtime::build() noexcept {
  StartupSnapshot* from = snapshot();
  if (from == nullptr) return nullptr;
  const Runtime* runtime = nullptr;
  try {
    runtime = new (g_runtime_storage) Runtime(*from);
    runtime->report_load_problems();
  } catch (...) {
    runtime = nullptr;   // out of memory while loading: apply no rules, never throw into the host
  }
  drop_snapshot();
  // Give back what parsing a large file left behind (the text, temporaries):
  // the program should not carry it for its whole life. After a small one
  // there is little to give back, and the trim costs more than it saves.
  if (runtime != nullptr && runtime->loaded_.records.rules().size() >= kTrimAfterRules) malloc_trim(0);
  return runtime;
}

const Runtime* Runtime::load() noexcept {
  if (taking_snapshot_here()) return nullptr;   // goes through unchanged, the rules come later
  int expected = kUnloaded;
  if (runtime_state.compare_exchange_strong(expected, kLoading, std::memory_order_acq_rel)) {
    ErrnoGuard keep_errno;
    // Loading makes cancellable calls (open, read): a thread cancelled there
    // would leave the load half done for good. A cancellation asked for
    // meanwhile acts at the program's own call, once this is done.
    int cancel_state;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
    // A signal handler of this thread that sends meanwhile would find the state
    // half built and go unsteered: its signals wait until the rules are in place.
    sigset_t all, before;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &before);
    g_loader_tid.store(current_tid(), std::memory_order_relaxed);
    static constinit std::atomic<bool> fork_handler_registered{false};
    if (!fork_handler_registered.exchange(true)) pthread_atfork(nullptr, nullptr, restart_load_in_child);
    const Runtime* runtime = build();
    runtime_instance.store(runtime, std::memory_order_release);   // for if_ready()
    runtime_state.store(kReady, std::memory_order_release);       // for get()
    pthread_sigmask(SIG_SETMASK, &before, nullptr);
    pthread_setcancelstate(cancel_state, nullptr);
    return runtime;
  }
  if (g_loader_tid.load(std::memory_order_relaxed) == current_tid()) return nullptr;
  // Another thread is loading: wait for it (it parses one file's text; short).
  while (runtime_state.load(std::memory_order_acquire) != kReady) sched_yield();
  return runtime_instance.load(std::memory_order_relaxed);
}

// Whether the compiled table was read (debug), and why one that is there was
// not (info): the file was parsed instead, which is slower, not wrong.
void Runtime::report_table_use() const noexcept {
  using Status = CompiledTableFile::Status;
  if (loaded_.table_status == Status::used && logger_.enabled(LogLevel::debug)) {
    LineBuffer line = logger_.start();
    logger_.write(line.text("rules read from ").text(compiled_table_path(loaded_.config_path)));
  } else if (loaded_.table_status != Status::used && loaded_.table_status != Status::absent &&
             logger_.enabled(LogLevel::info)) {
    LineBuffer line = logger_.start();
    logger_.write(line.text(loaded_.table_problem).text("; the file was read instead"));
  }
}

// SPEC: a broken configuration gives one clear error line and no rules; the
// program itself goes on. Warnings (a source not on this host) are for
// `srcbind --check`; here they are worth a line at `info`.
void Runtime::report_load_problems() const noexcept {
  report_table_use();
  if (!logger_.file_problem().empty() && logger_.enabled(LogLevel::warn)) {
    LineBuffer line = logger_.start();
    logger_.write(line.text("warning: ").text(logger_.file_problem()));
  }
  const Diagnostic* first_error = nullptr;
  unsigned errors = 0;
  for (const Diagnostic& d : loaded_.diagnostics) {
    if (d.severity == Diagnostic::Severity::error && d.host_state) {
      // The rule stays and fails closed: say so once, at load.
      if (logger_.enabled(LogLevel::error)) {
        LineBuffer line = logger_.start();
        logger_.write(line.text("error: ").text(d.to_string()).text(
            "; connections that match this rule fail (on_error = continue: they go out as without srcbind)"));
      }
    } else if (d.severity == Diagnostic::Severity::error) {
      if (!first_error) first_error = &d;
      ++errors;
    } else if (logger_.enabled(LogLevel::info)) {
      LineBuffer line = logger_.start();
      logger_.write(line.text(d.to_string()));   // "FILE:LINE: warning: ..."
    }
  }
  if (first_error && logger_.enabled(LogLevel::error)) {
    LineBuffer line = logger_.start();
    line.text("error: ").text(first_error->to_string());
    if (errors > 1) line.text(" (and ").number(errors - 1).text(errors > 2 ? " more errors)" : " more error)");
    logger_.write(line.text("; no rules applied"));
  }
}

}  // namespace srcbind::preload
