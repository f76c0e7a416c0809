// See kernel_rule_compiler.hpp and docs/kernel-backend.md ("Map layout").
#include "srcbind/kernel_rule_compiler.hpp"

#include "srcbind/decision.hpp"

#include <net/if.h>

#include <algorithm>
#include <cerrno>
#include <array>
#include <cstring>
#include <functional>
#include <map>
#include <type_traits>
#include <unordered_map>

namespace srcbind {
namespace {

using Bytes = std::array<std::uint8_t, 16>;

struct PrefixKey {
  unsigned length = 0;
  Bytes bytes{};
  friend bool operator==(const PrefixKey&, const PrefixKey&) = default;
};

struct PrefixKeyHash {
  std::size_t operator()(const PrefixKey& k) const noexcept {
    std::uint64_t h = k.length * 0x9E3779B97F4A7C15ull;
    for (std::uint8_t b : k.bytes) h = (h ^ b) * 0x100000001B3ull;
    return static_cast<std::size_t>(h);
  }
};

Bytes masked(const Bytes& bytes, unsigned length) {
  Bytes out{};
  for (unsigned i = 0; i < 16; ++i) {
    const unsigned bits = length >= 8 * (i + 1) ? 8 : length > 8 * i ? length - 8 * i : 0;
    out[i] = static_cast<std::uint8_t>(bytes[i] & (bits == 0 ? 0 : 0xFFu << (8 - bits)));
  }
  return out;
}

// One rule under one prefix, in file order.
struct Listing {
  std::uint32_t rule;
  bool wildcard;
};

// "FILE:LINE: rule NAME: ", as the configuration's own errors say where.
std::string where(const Rule& rule) {
  const std::string file = rule.file;
  return (rule.line == 0 ? file : file + ":" + std::to_string(rule.line)) + ": rule " + rule.label() + ": ";
}

std::uint8_t to_protocol(Protocol p) {
  switch (p) {
    case Protocol::tcp: return SB_PROTOCOL_TCP;
    case Protocol::udp: return SB_PROTOCOL_UDP;
    case Protocol::any: break;
  }
  return SB_PROTOCOL_ANY;
}

class Compiler {
 public:
  Compiler(std::span<const Rule> rules, KernelTables& out) : rules_(rules), out_(out) {}

  void program_ids() {
    std::map<std::string, std::uint32_t> ids;
    for (const Rule& rule : rules_) {
      for (const std::string& name : rule.programs) {
        if (name.size() >= SB_PROGRAM_NAME_MAX) {
          out_.errors.push_back(where(rule) + "program name '" + name + "' is longer than " +
                                std::to_string(SB_PROGRAM_NAME_MAX - 1) + " bytes, which the kernel backend cannot match");
          continue;
        }
        if (ids.emplace(name, 0).second) {
          out_.programs.push_back(name);
          ids[name] = static_cast<std::uint32_t>(out_.programs.size());
        }
      }
    }
    ids_ = std::move(ids);
  }

  // Fills the family's LPM entries and their slices.
  template <class Key>
  void family(Family family, std::vector<std::pair<Key, std::uint32_t>>& lpm) {
    std::unordered_map<PrefixKey, std::vector<Listing>, PrefixKeyHash> listed;
    std::vector<PrefixKey> order;   // distinct prefixes, first-seen
    bool lengths[129] = {};
    for (std::uint32_t r = 0; r < rules_.size(); ++r) {
      const Rule& rule = rules_[r];
      if (!rule.applies_to(family)) continue;   // SPEC: no source nor interface for the family
      for (const DestinationPattern& pattern : rule.destinations) {
        if (pattern.prefix.address.family != family) continue;
        const PrefixKey key{pattern.prefix.length, masked(pattern.prefix.address.bytes, pattern.prefix.length)};
        auto [it, fresh] = listed.try_emplace(key);
        if (fresh) order.push_back(key);
        lengths[key.length] = true;
        // The same rule twice under one prefix (`*` and 0.0.0.0/0): one listing,
        // matching loopback if either does.
        if (!it->second.empty() && it->second.back().rule == r) {
          it->second.back().wildcard = it->second.back().wildcard && pattern.wildcard;
          continue;
        }
        it->second.push_back({r, pattern.wildcard});
      }
    }
    // One slice per prefix, its candidates in file order.
    SliceOf slice_of;
    lpm.reserve(order.size());
    for (const PrefixKey& prefix : order) {
      const auto index = static_cast<std::uint32_t>(out_.slices.size());
      const auto first = static_cast<std::uint32_t>(out_.candidates.size());
      for (const Listing& listing : listed[prefix]) append(listing);
      out_.slices.push_back({first, static_cast<std::uint32_t>(out_.candidates.size()) - first, SB_NO_SLICE});
      slice_of.emplace(prefix, index);
      Key key{};
      key.prefixlen = prefix.length;
      std::memcpy(key.address, prefix.bytes.data(), sizeof key.address);
      lpm.push_back({key, index});
    }
    if constexpr (std::is_same_v<Key, sb_lpm_v4_key>) hash_tables(order, slice_of, out_.hashed_v4);
    else hash_tables(order, slice_of, out_.hashed_v6);
    // Each slice's parent: the next shorter listed prefix that contains it.
    for (const PrefixKey& prefix : order) {
      for (int length = static_cast<int>(prefix.length) - 1; length >= 0; --length) {
        if (!lengths[length]) continue;
        const auto it = slice_of.find({static_cast<unsigned>(length), masked(prefix.bytes, static_cast<unsigned>(length))});
        if (it == slice_of.end()) continue;
        out_.slices[slice_of[prefix]].parent = it->second;
        break;
      }
    }
  }

  void rule_actions(const HostInterfaces& host) {
    out_.rules.reserve(rules_.size());
    for (const Rule& rule : rules_) {
      sb_rule r{};
      if (rule.source_v4) std::memcpy(r.source_v4, rule.source_v4->bytes.data(), 4);
      if (rule.source_v6) {
        std::memcpy(r.source_v6, rule.source_v6->bytes.data(), 16);
        // fe80::/10 binds only with a scope: the rule's interface (SPEC; --check
        // reports a link-local source without one).
        const auto& b = rule.source_v6->bytes;
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80 && !rule.interface.empty())
          r.scope_v6 = ::if_nametoindex(rule.interface.c_str());
      }
      if (rule.on_error == OnError::proceed) r.flags |= SB_RULE_ON_ERROR_CONTINUE;
      if (rule.interface.size() >= SB_INTERFACE_NAME_MAX)
        out_.errors.push_back(where(rule) + "interface name '" + rule.interface + "' is too long");
      else
        std::memcpy(r.interface, rule.interface.data(), rule.interface.size());
      for (const Family family : {Family::v4, Family::v6}) {
        const auto& source = rule.source_for(family);
        const bool source_local = !source || local(host, *source);
        r.actions[situation(SocketCall::connect, family)] = action_for(rule, SocketCall::connect, family, source_local);
        r.actions[situation(SocketCall::datagram_send, family)] =
            action_for(rule, SocketCall::datagram_send, family, source_local);
      }
      out_.rules.push_back(r);
    }
  }

 private:
  using SliceOf = std::unordered_map<PrefixKey, std::uint32_t, PrefixKeyHash>;

  // The family's hash tables (kernel_tables.h), one per listed prefix length,
  // longest first. Each is a power of two at least twice its prefixes, doubled
  // (at most kMaxDoublings times) until no prefix is SB_HASH_PROBES or more
  // slots from its home; else the family keeps its trie (`used` false).
  template <class Slot>
  static void hash_tables(const std::vector<PrefixKey>& order, const SliceOf& slice_of, KernelHashTables<Slot>& out) {
    constexpr int kWords = sizeof(Slot::address) / sizeof(__u32);
    constexpr int kMaxDoublings = 3;
    std::map<unsigned, std::vector<PrefixKey>, std::greater<>> by_length;
    for (const PrefixKey& prefix : order) by_length[prefix.length].push_back(prefix);
    out = {};
    if (by_length.size() > SB_HASH_TABLES) return;
    Bytes all_ones;
    all_ones.fill(0xff);
    for (const auto& [length, prefixes] : by_length) {
      sb_hash_table table{};
      const Bytes mask = masked(all_ones, length);
      std::memcpy(table.address_mask, mask.data(), kWords * sizeof(__u32));
      table.first = static_cast<std::uint32_t>(out.slots.size());
      std::size_t size = 2;
      while (size < 2 * prefixes.size()) size *= 2;
      std::vector<Slot> slots;
      for (int doublings = 0;; ++doublings, size *= 2) {
        if (doublings > kMaxDoublings || size > (std::size_t{1} << 30)) {
          out = {};
          return;
        }
        if (fill_table(prefixes, slice_of, size, slots)) break;
      }
      table.slot_mask = static_cast<std::uint32_t>(size - 1);
      out.tables.push_back(table);
      out.slots.insert(out.slots.end(), slots.begin(), slots.end());
    }
    out.used = true;
  }

  // One table of `size` slots; false when a prefix would be too far from home.
  template <class Slot>
  static bool fill_table(const std::vector<PrefixKey>& prefixes, const SliceOf& slice_of, std::size_t size,
                         std::vector<Slot>& slots) {
    constexpr int kWords = sizeof(Slot::address) / sizeof(__u32);
    Slot empty{};
    empty.slice = SB_NO_SLICE;
    slots.assign(size, empty);
    for (const PrefixKey& prefix : prefixes) {
      Slot slot{};
      std::memcpy(slot.address, prefix.bytes.data(), kWords * sizeof(__u32));
      slot.slice = slice_of.at(prefix);
      const __u32 home = sb_hash(slot.address, kWords);
      int probe = 0;
      while (slots[(home + probe) & (size - 1)].slice != SB_NO_SLICE) {
        if (++probe == SB_HASH_PROBES) return false;
      }
      slots[(home + probe) & (size - 1)] = slot;
    }
    return true;
  }

  // One source checked once, however many rules share it.
  bool local(const HostInterfaces& host, const IpAddress& source) {
    const auto key = std::make_pair(source.family == Family::v4, source.bytes);
    auto it = local_.find(key);
    if (it == local_.end()) it = local_.emplace(key, host.is_local(source)).first;
    return it->second;
  }

  // Appends the candidates of one listing: one per (port range, program).
  void append(const Listing& listing) {
    const Rule& rule = rules_[listing.rule];
    std::vector<std::uint32_t> programs;
    for (const std::string& name : rule.programs) {
      const auto it = ids_.find(name);
      if (it != ids_.end()) programs.push_back(it->second);
    }
    if (rule.programs.empty()) programs.push_back(0);
    std::vector<PortRange> ports = rule.ports;
    if (ports.empty()) ports.push_back({0, 65535});
    for (std::uint32_t program : programs) {
      for (const PortRange& range : ports) {
        sb_candidate c{};
        c.rule = listing.rule;
        c.program = program;
        c.port_first = range.first;
        c.port_last = range.last;
        c.protocol = to_protocol(rule.protocol);
        c.flags = listing.wildcard ? SB_CANDIDATE_WILDCARD : 0;
        out_.candidates.push_back(c);
      }
    }
  }

  std::span<const Rule> rules_;
  KernelTables& out_;
  std::map<std::string, std::uint32_t> ids_;
  std::map<std::pair<bool, Bytes>, bool> local_;
};

bool is_loopback(const IpAddress& a) { return a.is_loopback(); }

}  // namespace

unsigned situation(SocketCall call, Family family) noexcept {
  const bool v4 = family == Family::v4;
  if (call == SocketCall::connect) return v4 ? SB_CONNECT_V4 : SB_CONNECT_V6;
  return v4 ? SB_DATAGRAM_V4 : SB_DATAGRAM_V6;
}

sb_action action_for(const Rule& rule, SocketCall call, Family family, bool source_local) noexcept {
  Endpoint destination;
  destination.address.family = family;
  SocketState fresh;
  fresh.datagram = call == SocketCall::datagram_send;
  const Decision d = decide(rule, destination, call, fresh);
  sb_action a{};
  if (d.verdict == Verdict::fail) {
    a.kind = SB_ACTION_FAIL;
    a.reason = SB_FAIL_SOURCE_MISSING;   // decide()'s only failure before anything is applied
    a.error = static_cast<__u8>(d.error);
    return a;
  }
  if (d.verdict != Verdict::steer) return a;
  if (call == SocketCall::connect) {
    // bind_no_port: bpf_bind() always lets connect() choose the port
    // (BIND_FORCE_ADDRESS_NO_PORT); rebind_kernel_port needs a port, which a
    // fresh socket does not have.
    a.kind = SB_ACTION_STEER;
    a.flags = static_cast<__u8>((d.set_device ? SB_ACTION_SET_DEVICE : 0) | (d.source ? SB_ACTION_BIND_SOURCE : 0));
    return a;
  }
  // A datagram: only its source can be set from BPF, not its device (README,
  // "Two backends"); and a source not on the host would be EINVAL from the
  // kernel's UDP path where the library and the SPEC say EADDRNOTAVAIL.
  if (!d.packet_info || d.source == nullptr) return a;
  if (!source_local) {
    a.kind = SB_ACTION_FAIL;
    a.reason = SB_FAIL_SOURCE_NOT_LOCAL;
    a.error = EADDRNOTAVAIL;
    return a;
  }
  a.kind = SB_ACTION_STEER;
  a.flags = SB_ACTION_PACKET_SOURCE;
  return a;
}

SocketState kernel_socket_state(unsigned bits) noexcept {
  SocketState s;
  s.datagram = (bits & SB_SOCKET_DATAGRAM) != 0;
  s.local_wildcard = (bits & SB_SOCKET_ADDRESS) == 0;
  s.has_port = (bits & SB_SOCKET_PORT) != 0;
  // A port without the lock was the kernel's choice: at a UDP socket's first
  // send, or at bind() to the wildcard with port 0 (the library's auto_bound).
  s.port_chosen_by_kernel = s.has_port && (bits & SB_SOCKET_PORT_LOCKED) == 0;
  // An address or port the program chose; and a TCP socket has a port before its
  // connect only from bind(), which the library's bind hook also counts as the
  // program's (preload/descriptor_hooks.cpp).
  s.bound_by_program = (bits & (SB_SOCKET_ADDRESS_LOCKED | SB_SOCKET_PORT_LOCKED)) != 0 || (!s.datagram && s.has_port);
  s.device_pinned = (bits & SB_SOCKET_DEVICE) != 0;
  // connect4/6 run at a TCP socket's first connect only (tcp_v4_pre_connect);
  // a UDP socket connecting again has its address set by the first connect.
  s.repeated_connect = false;
  return s;
}

const SocketVerdicts& socket_verdicts() {
  static const SocketVerdicts verdicts = [] {
    SocketVerdicts v;
    v.reasons.push_back(kKernelCannotGiveBackPort);
    // A rule with a source: what decide() says of the socket does not depend on
    // the rule, except that a source may need the port given back (rebind_kernel_port).
    Rule probe;
    probe.source_v4 = IpAddress::parse("127.0.0.1");
    Endpoint destination;
    destination.address.family = Family::v4;
    for (unsigned datagram_send = 0; datagram_send < SB_SOCKET_CALLS; ++datagram_send) {
      const SocketCall call = datagram_send != 0 ? SocketCall::datagram_send : SocketCall::connect;
      for (unsigned bits = 0; bits < SB_SOCKET_STATES; ++bits) {
        const Decision d = decide(probe, destination, call, kernel_socket_state(bits));
        std::uint8_t verdict = SB_SOCKET_APPLY;
        if (d.verdict == Verdict::unchanged) {
          verdict = SB_SOCKET_UNCHANGED;
        } else if (d.verdict == Verdict::left_alone) {
          const std::string_view reason = d.reason;
          auto it = std::find(v.reasons.begin(), v.reasons.end(), reason);
          if (it == v.reasons.end()) it = v.reasons.insert(v.reasons.end(), reason);
          verdict = static_cast<std::uint8_t>(SB_SOCKET_LEFT_ALONE + (it - v.reasons.begin()));
        } else if (d.rebind_kernel_port) {
          verdict = SB_SOCKET_APPLY_UNLESS_BIND;
        }
        v.table[sb_socket_verdict_index(datagram_send, bits)] = verdict;
      }
    }
    return v;
  }();
  return verdicts;
}

std::uint32_t KernelTables::program_id(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < programs.size(); ++i) {
    if (programs[i] == name) return static_cast<std::uint32_t>(i + 1);
  }
  return 0;
}

KernelTables compile_kernel_tables(std::span<const Rule> rules, const HostInterfaces& host) {
  KernelTables out;
  Compiler compiler(rules, out);
  compiler.program_ids();
  compiler.family<sb_lpm_v4_key>(Family::v4, out.v4);
  compiler.family<sb_lpm_v6_key>(Family::v6, out.v6);
  compiler.rule_actions(host);
  return out;
}

namespace {

// What the programs' hash lookup answers (kernel/bpf/srcbind.bpf.c: hashed_slice).
template <class Slot>
std::uint32_t hashed_slice(const KernelHashTables<Slot>& hashed, const Bytes& address) {
  constexpr int kWords = sizeof(Slot::address) / sizeof(__u32);
  __u32 words[4];
  std::memcpy(words, address.data(), sizeof words);
  for (const sb_hash_table& table : hashed.tables) {
    __u32 key[4] = {};
    for (int i = 0; i < kWords; ++i) key[i] = words[i] & table.address_mask[i];
    const __u32 home = sb_hash(key, kWords);
    __u32 found = SB_NO_SLICE;
    for (__u32 probe = 0; probe < SB_HASH_PROBES; ++probe) {
      const Slot& slot = hashed.slots.at(table.first + ((home + probe) & table.slot_mask));
      if (sb_hash_probe(slot.address, slot.slice, key, kWords, &found)) break;
    }
    if (found != SB_NO_SLICE) return found;
  }
  return SB_NO_SLICE;
}

}  // namespace

std::optional<std::uint32_t> kernel_tables_find(const KernelTables& tables, const Endpoint& destination,
                                                Protocol protocol, std::string_view program, bool trie_only) {
  const IpAddress& address = destination.address;
  const bool v4 = address.family == Family::v4;
  // The LPM trie's answer: the longest listed prefix that contains the address.
  const std::uint32_t* best = nullptr;
  unsigned best_length = 0;
  const auto consider = [&](const auto& entries) {
    for (const auto& [key, slice] : entries) {
      Bytes bytes{};
      std::memcpy(bytes.data(), key.address, sizeof key.address);
      if (masked(address.bytes, key.prefixlen) != bytes) continue;
      if (best == nullptr || key.prefixlen > best_length) {
        best = &slice;
        best_length = key.prefixlen;
      }
    }
  };
  std::uint32_t hashed = SB_NO_SLICE;
  const bool use_hash = !trie_only && (v4 ? tables.hashed_v4.used : tables.hashed_v6.used);
  if (use_hash) {
    hashed = v4 ? hashed_slice(tables.hashed_v4, address.bytes) : hashed_slice(tables.hashed_v6, address.bytes);
    if (hashed != SB_NO_SLICE) best = &hashed;
  } else if (v4) {
    consider(tables.v4);
  } else {
    consider(tables.v6);
  }
  if (best == nullptr) return std::nullopt;
  sb_query query{};
  query.port = destination.port;
  query.protocol = protocol == Protocol::udp ? SB_PROTOCOL_UDP : SB_PROTOCOL_TCP;
  query.loopback = is_loopback(address) ? 1 : 0;
  query.program = tables.program_id(program);
  const __s64 found = sb_scan_chain(tables.candidates.data(), tables.slices.data(), *best, &query);
  if (found == SB_NO_RULE) return std::nullopt;
  return static_cast<std::uint32_t>(found);
}

}  // namespace srcbind
