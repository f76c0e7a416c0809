// The lookup: (destination, port, protocol) → the winning rule, per SPEC:
// among rules whose filters (port, protocol, program, family) all match, the
// longest matching destination prefix wins; ties go to the rule written first;
// `*` never matches loopback. Program filters are resolved when the matcher is
// built (a process has one name), so a lookup never compares strings.
//
// find() allocates nothing, takes no lock, makes no syscall and is async-signal-safe.
// Its cost depends on the number of distinct prefix lengths, not on the number of rules
// (one hash probe per length, longest first).
#pragma once

#include "srcbind/address.hpp"
#include "srcbind/rule.hpp"

#include <cstdint>
#include <memory_resource>
#include <span>
#include <string>
#include <vector>

namespace srcbind {

class Matcher {
 public:
  // Indexes the rules that can apply to a process called by one of
  // `program_names` (basename of /proc/self/exe, basename of argv[0]). Rules with
  // a `program` filter that names none of them are left out. `rules` must outlive
  // the matcher and must not move. The index is allocated from `memory` (the
  // preload library passes a buffer in its hot data page, hot_path.hpp), which
  // must outlive the matcher.
  Matcher(std::span<const Rule> rules, std::span<const std::string> program_names,
          std::pmr::memory_resource* memory = std::pmr::get_default_resource());
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Protocol::any means "not known": protocol filters are ignored. The hooks use
  // that to skip the SO_TYPE syscall when no rule can match by address anyway.
  const Rule* find(const Endpoint& destination, Protocol protocol) const noexcept;

  bool empty() const noexcept;             // no rule applies to this process
  bool uses_protocol_filter() const noexcept;  // some indexed rule has protocol tcp|udp

 private:
  struct Index;
  std::pmr::polymorphic_allocator<> allocator_;
  Index* index_;
};

}  // namespace srcbind
