// The library's state, in two steps (docs/architecture.md, "Start-up"):
//  - at start (the constructor, or a hook that runs before it: docs/linux-facts.md
//    Q15) a snapshot of what the process hands us: the SRCBIND_* variables, the
//    configuration file's bytes, the program's names, which files the standard
//    streams are. A few system calls, whatever the size of the configuration;
//  - at the first network call the rules, built from that snapshot alone (the
//    program may have chrooted or closed every descriptor by then), and
//    immutable afterwards.
// No C++ object with a constructor lives at namespace scope: the state is reached
// through atomic pointers, so a hook that runs before our constructor still
// finds it.
#pragma once

#include "logger.hpp"
#include "process_names.hpp"
#include "srcbind/matcher.hpp"
#include "srcbind/rule_table.hpp"

#include <atomic>
#include <cstddef>
#include <memory_resource>
#include <span>
#include <string>
#include <vector>

namespace srcbind::preload {

class Runtime;

struct StartupSnapshot {
  CapturedConfiguration configuration;
  StartNames names;
  StandardStreams streams;
};

// Where Runtime::load() stands, and what it built (set before kReady, with
// release). In srcbind_hot_data (hot_path.hpp), next to the instance itself.
enum RuntimeState : int { kUnloaded, kLoading, kReady };
extern std::atomic<int> runtime_state;
extern std::atomic<const Runtime*> runtime_instance;

class Runtime {
 public:
  // nullptr only while this thread is itself building the state (a signal handler
  // or the loader re-entering a hook): the call then goes through untouched.
  // Inline: it is on every hooked call; the first call loads, out of line.
  static const Runtime* get() noexcept {
    if (runtime_state.load(std::memory_order_acquire) == kReady) {
      return runtime_instance.load(std::memory_order_relaxed);
    }
    return load();
  }

  // Takes the snapshot, once. The constructor calls it; load() does when a hook
  // came first.
  static void take_snapshot() noexcept;

  const Matcher& matcher() const noexcept { return matcher_; }
  const Logger& logger() const noexcept { return logger_; }
  // A copy of !matcher().empty(): read on every call, and here it shares the
  // runtime's page (hot_path.hpp) instead of costing one on the heap.
  bool has_rules() const noexcept { return has_rules_; }

 private:
  explicit Runtime(StartupSnapshot& snapshot);
  static const Runtime* load() noexcept;
  static const Runtime* build() noexcept;
  std::span<const Rule> place_rules();
  static bool has_program_filter(std::span<const Rule> rules) noexcept;
  void report_load_problems() const noexcept;

  // A small configuration (the usual one) lives in the runtime's own page: its
  // rules and the matcher's index, so that a send reads no heap page (measured in
  // bench/README.md). A larger one spills to the heap.
  static constexpr std::size_t kHotBytes = 2048;
  // From this many rules on, the load ends with malloc_trim (runtime.cpp).
  static constexpr std::size_t kTrimAfterRules = 1000;
  alignas(std::max_align_t) std::byte hot_bytes_[kHotBytes];
  std::pmr::monotonic_buffer_resource hot_memory_{hot_bytes_, kHotBytes};

  RuleTable table_;
  std::pmr::vector<Rule> hot_rules_{&hot_memory_};   // table_.rules, moved here when they fit
  std::span<const Rule> rules_;                     // hot_rules_ or table_.rules
  std::vector<std::string> program_names_;  // basename of argv[0], of /proc/self/exe
  Matcher matcher_;                         // indexes rules_: declared after it
  Logger logger_;
  bool has_rules_ = false;
};

}  // namespace srcbind::preload
