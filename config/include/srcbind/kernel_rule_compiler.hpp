// The rule compiler of the kernel backend: the validated rules → the contents
// of the BPF maps (kernel_tables.h). One pure function, so that what the kernel
// decides can be checked on the host against Matcher::find (tests/config).
#pragma once

#include "srcbind/address.hpp"
#include "srcbind/decision.hpp"
#include "srcbind/host_interfaces.hpp"
#include "srcbind/kernel_tables.h"
#include "srcbind/rule.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace srcbind {

// A family's exact hash tables (kernel_tables.h), longest prefix length first.
// `used` false: the family has more listed lengths than SB_HASH_TABLES, or a
// table would need more than SB_HASH_PROBES probes; the programs then walk the
// family's trie.
template <class Slot>
struct KernelHashTables {
  bool used = false;
  std::vector<sb_hash_table> tables;
  std::vector<Slot> slots;
};

struct KernelTables {
  std::vector<std::pair<sb_lpm_v4_key, std::uint32_t>> v4;   // one per distinct IPv4 prefix → its slice
  std::vector<std::pair<sb_lpm_v6_key, std::uint32_t>> v6;
  KernelHashTables<sb_hash_slot_v4> hashed_v4;                 // the same prefixes, hashed
  KernelHashTables<sb_hash_slot_v6> hashed_v6;
  std::vector<sb_slice> slices;
  std::vector<sb_candidate> candidates;
  std::vector<sb_rule> rules;              // parallel to the rules compiled
  std::vector<std::string> programs;       // program id N is programs[N - 1]
  std::vector<std::string> errors;         // what the kernel cannot express ("FILE:LINE: rule x: ...")

  bool ok() const noexcept { return errors.empty(); }
  // The id a process called `name` gets (0: no rule names it), as the BPF
  // programs find it in their programs map.
  std::uint32_t program_id(std::string_view name) const noexcept;
};

// `host` answers "is this source on the host?" (is_local): a source that is not
// makes its rule fail with EADDRNOTAVAIL at every call, TCP and UDP alike, as
// the library does.
KernelTables compile_kernel_tables(std::span<const Rule> rules, const HostInterfaces& host);

// The index of `call` on a destination of `family` in sb_rule::actions.
unsigned situation(SocketCall call, Family family) noexcept;

// What `rule` does to a fresh socket in that situation: decide() (the library's
// one decision, config/include/srcbind/decision.hpp) in the terms the BPF
// programs apply. `source_local`: the family's source is on this host.
sb_action action_for(const Rule& rule, SocketCall call, Family family, bool source_local) noexcept;

// The socket's state as decide() takes it, from what the BPF programs see of
// the socket (enum sb_socket_bits).
SocketState kernel_socket_state(unsigned bits) noexcept;

// decide() for every socket state, in the form the programs read it
// (enum sb_socket_verdict), and the reasons their left-alone events name.
struct SocketVerdicts {
  std::array<std::uint8_t, SB_SOCKET_VERDICTS> table{};
  std::vector<std::string_view> reasons;   // verdict SB_SOCKET_LEFT_ALONE + i: reasons[i]
};
const SocketVerdicts& socket_verdicts();

// Reason 0: the one state in which the kernel cannot do what decide() says.
inline constexpr std::string_view kKernelCannotGiveBackPort =
    "bound to a port the kernel chose, which a BPF program cannot give back to rebind it";

// The kernel's lookup done on the host: the longest listed prefix (from the
// family's hash tables where they are used, else as its LPM trie answers), then
// the shared scan (sb_scan_chain). Returns the rule index or nullopt.
// IPv4-mapped destinations arrive as IPv4 (Endpoint normalises them).
// `trie_only`: as if no family were hashed (the tests compare the two ways).
std::optional<std::uint32_t> kernel_tables_find(const KernelTables& tables, const Endpoint& destination,
                                                Protocol protocol, std::string_view program, bool trie_only = false);

}  // namespace srcbind
