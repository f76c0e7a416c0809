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
#include "srcbind/compiled_table.hpp"
#include "srcbind/matcher.hpp"
#include "srcbind/rule_table.hpp"

#include <arpa/inet.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
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

// Where Runtime::load() stands, and what it built (published with release,
// before kReady). In srcbind_hot_data (hot_path.hpp), next to the instance itself.
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
  // The state once built, else nullptr without building it: for a fast path
  // that must make no call, and leaves the first call to the full one. One
  // load: the instance is published only once built (runtime.cpp, load()).
  static const Runtime* if_ready() noexcept { return runtime_instance.load(std::memory_order_acquire); }

  // Takes the snapshot, once. The constructor calls it; load() does when a hook
  // came first.
  static void take_snapshot() noexcept;

  // The rule for a call: the file's (longest matching prefix, first written),
  // else the quick-mode rule (SRCBIND_SOURCE), which loses every tie to it.
  // Protocol::any: not known yet (matcher.hpp). The usual unmatched destination
  // is turned away here, inlined into the hook's code page; the lookup is out
  // of line, on a page of its own (hot_path.hpp).
  const RuleRecord* find(const Endpoint& destination, Protocol protocol) const noexcept {
    const IpAddress& address = destination.address;
    if (!may_find(address.family, address.bytes[0], address.is_loopback())) return nullptr;
    return look_up(destination, protocol);
  }
  // find() for an IPv4 destination (`address` in host byte order), from a
  // hook's fast path: the short lookup, unless quick mode has a rule.
  const RuleRecord* find_v4(std::uint32_t address, std::uint16_t port, Protocol protocol) const noexcept {
    const unsigned first = address >> 24;
    if (!may_find(Family::v4, first, first == 127)) return nullptr;
    if (hot_.quick_count != 0 || hot_.matcher == nullptr) [[unlikely]] {
      Endpoint destination;
      destination.address = IpAddress::v4(in_addr{htonl(address)});
      destination.port = port;
      return look_up(destination, protocol);
    }
    const std::uint32_t index = hot_.matcher->find_index_v4(address, port, protocol);
    return index == Matcher::kNoRule ? nullptr : &hot_.rules[index];
  }
  // find()'s first test alone: false when no rule can match a destination of
  // this family, first byte and loopbackness (the hooks' fast path, steering.hpp).
  bool may_find(Family family, unsigned first_byte, bool loopback) const noexcept {
    if (family == Family::v4) return may_find_v4(static_cast<std::uint8_t>(first_byte));
    return hot_.quick_count != 0 || (hot_.matcher != nullptr && hot_.matcher->may_match(family, first_byte, loopback));
  }
  // The same for IPv4: one bit of the first-byte filter.
  bool may_find_v4(std::uint8_t first_byte) const noexcept {
    return ((hot_.v4_first_bytes[first_byte >> 6] >> (first_byte & 63)) & 1) != 0;
  }
  const ActionRecord& action(const RuleRecord& rule) const noexcept {
    return &rule == &quick_rule_ ? quick_action_ : actions_[rule.action];
  }
  // The action's decision for the two usual calls (plain_source.hpp).
  std::uint64_t plain_sources(const RuleRecord& rule) const noexcept {
    return hot_.plain_sources[&rule == &quick_rule_ ? quick_action_index_ : rule.action];
  }
  // Its name, decoded into `buffer`; empty for an unnamed rule (the log says
  // "at line N"). `rule`: one that find() returned.
  std::string_view label(const RuleRecord& rule, LabelBuffer& buffer) const noexcept;
  bool uses_protocol_filter() const noexcept { return hot_.matcher != nullptr && hot_.matcher->uses_protocol_filter(); }
  const Logger& logger() const noexcept { return logger_; }
  // Every applied rule is logged (info): the hooks' fast paths leave such calls
  // to the full path, which writes the line.
  bool logs_applied() const noexcept { return hot_.logs_applied; }
  // Some rule can match in this process: read on every call, and here it shares
  // the runtime's page (hot_path.hpp) instead of costing one on the heap.
  bool has_rules() const noexcept { return hot_.has_rules; }

 private:
  explicit Runtime(StartupSnapshot& snapshot);
  static const Runtime* load() noexcept;
  static const Runtime* build() noexcept;
  const RuleRecord* look_up(const Endpoint& destination, Protocol protocol) const noexcept;
  void take_quick_rule() noexcept;
  const RuleRecord* with_quick_rule(const Endpoint& destination, std::uint32_t file_rule,
                                    unsigned file_length) const noexcept;
  void report_load_problems() const noexcept;
  void report_table_use() const noexcept;

  // What a call reads of the runtime, in one cache line at its start: after a
  // syscall each line a hook reads is likely a miss, and these fields were
  // spread over four (bench/README.md, "Cache lines, not pages").
  struct alignas(64) HotLine {
    // Bit b: an IPv4 destination whose first byte is b may match a rule
    // (Matcher::ipv4_first_bytes), quick mode folded in; all clear without rules.
    std::uint64_t v4_first_bytes[4] = {};
    const Matcher* matcher = nullptr;      // loaded_'s
    const RuleRecord* rules = nullptr;     // loaded_.records, read on every match
    const std::uint64_t* plain_sources = nullptr;   // per action, the quick one last (plain_source.hpp)
    std::uint8_t quick_count = 0;          // patterns in use; 0: no quick-mode rule
    bool has_rules = false;                // some rule can match in this process
    bool logs_applied = false;             // the log level is info or more
  };
  static_assert(sizeof(HotLine) == 64);
  HotLine hot_;

  // A small configuration (the usual one) lives in the runtime's own page: its
  // records and the matcher's image, so that a send reads no heap page (measured
  // in bench/README.md). A larger one spills to the heap; a compiled table stays
  // where it was read.
  static constexpr std::size_t kHotBytes = 2048;
  // From this many rules on, the load ends with malloc_trim (runtime.cpp).
  static constexpr std::size_t kTrimAfterRules = 1000;
  alignas(std::max_align_t) std::byte hot_bytes_[kHotBytes];
  std::pmr::monotonic_buffer_resource hot_memory_{hot_bytes_, kHotBytes};

  LoadedRules loaded_{&hot_memory_};
  const ActionRecord* actions_ = nullptr;         // loaded_.records
  std::pmr::vector<std::uint64_t> plain_sources_{&hot_memory_};
  std::uint32_t quick_action_index_ = 0;          // the quick rule's, in plain_sources_
  RuleRecord quick_rule_;
  ActionRecord quick_action_;
  std::array<DestinationPattern, 2> quick_destinations_{};
  Logger logger_;
};

}  // namespace srcbind::preload
