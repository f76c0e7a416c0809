// The matching rules of SPEC, written as plainly as possible, to check the
// Matcher's index against: a linear scan over every rule and every pattern.
//
// SPEC: "among rules whose filters (port, protocol, program, address family) all
// match, the one with the longest matching destination prefix wins; ties go to the
// rule written first"; `*` never matches loopback (127.0.0.0/8, ::1); a rule
// applies to a family for which it has a source or an interface; IPv4-mapped
// destinations match IPv4 rules; Protocol::any in a query ignores protocol filters.
//
// Deliberately shares no code with config/src except the Rule data structure.
#pragma once

#include "srcbind/rule.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace srcbind::fuzz {

// A destination as a socket call hands it over: the sockaddr's family and raw bytes
// (an AF_INET6 one may carry an IPv4-mapped address).
struct RawDestination {
  bool v6 = false;                      // AF_INET6 sockaddr
  std::array<std::uint8_t, 16> bytes{}; // AF_INET: bytes[0..3]
  std::uint16_t port = 0;
};

namespace reference {

// The address a rule sees: family and bytes, ::ffff:a.b.c.d turned into a.b.c.d.
struct Address {
  Family family = Family::v4;
  std::array<std::uint8_t, 16> bytes{};
};

inline Address effective_address(const RawDestination& d) {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  Address a;
  if (!d.v6) {
    std::copy_n(d.bytes.begin(), 4, a.bytes.begin());
  } else if (std::memcmp(d.bytes.data(), kMapped, sizeof kMapped) == 0) {
    std::copy_n(d.bytes.begin() + 12, 4, a.bytes.begin());
  } else {
    a.family = Family::v6;
    a.bytes = d.bytes;
  }
  return a;
}

inline bool is_loopback(const Address& a) {
  if (a.family == Family::v4) return a.bytes[0] == 127;
  static constexpr std::array<std::uint8_t, 16> kLoopback6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return a.bytes == kLoopback6;
}

// The first `length` bits of `a` and `b` are equal.
inline bool same_leading_bits(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                              unsigned length) {
  const unsigned whole = length / 8;
  if (std::memcmp(a.data(), b.data(), whole) != 0) return false;
  const unsigned rest = length % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

inline bool program_matches(const Rule& rule, std::span<const std::string> names) {
  if (rule.programs.empty()) return true;
  for (const auto& program : rule.programs) {
    for (const auto& name : names) {
      if (program == name) return true;
    }
  }
  return false;
}

inline bool port_matches(const Rule& rule, std::uint16_t port) {
  if (rule.ports.empty()) return true;
  for (const auto& range : rule.ports) {
    if (range.first <= port && port <= range.last) return true;
  }
  return false;
}

inline bool protocol_matches(const Rule& rule, Protocol query) {
  return query == Protocol::any || rule.protocol == Protocol::any || rule.protocol == query;
}

inline bool applies_to(const Rule& rule, Family family) {
  const bool has_source = family == Family::v4 ? rule.source_v4.has_value() : rule.source_v6.has_value();
  // A rule whose @NAME was missing at load stays, to fail closed: it applies to both.
  return has_source || !rule.interface.empty() || rule.source_missing;
}

}  // namespace reference

// The rule SPEC says wins, or nullptr.
inline const Rule* reference_find(const std::vector<Rule>& rules, std::span<const std::string> program_names,
                                  const RawDestination& destination, Protocol protocol) {
  using namespace reference;
  const Address address = effective_address(destination);
  const Rule* best = nullptr;
  int best_length = -1;
  for (const Rule& rule : rules) {
    if (!applies_to(rule, address.family) || !protocol_matches(rule, protocol) ||
        !port_matches(rule, destination.port) || !program_matches(rule, program_names)) {
      continue;
    }
    for (const DestinationPattern& pattern : rule.destinations) {
      if (pattern.prefix.address.family != address.family) continue;
      if (pattern.wildcard && is_loopback(address)) continue;
      if (!same_leading_bits(pattern.prefix.address.bytes, address.bytes, pattern.prefix.length)) continue;
      // Strictly longer: an equal length found later belongs to a later rule
      // (or to this one again), and the rule written first keeps it.
      if (pattern.prefix.length > best_length) {
        best = &rule;
        best_length = pattern.prefix.length;
      }
    }
  }
  return best;
}

}  // namespace srcbind::fuzz
