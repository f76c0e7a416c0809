// The values of a rule's keys, parsed and checked against this host. Shared by the
// INI parser and the quick mode (SRCBIND_SOURCE / SRCBIND_INTERFACE), so both say
// the same thing about the same mistake.
//
// Each function reports every problem it finds through the Reporter and returns
// false when the value is not usable.
#pragma once

#include "srcbind/host_interfaces.hpp"
#include "srcbind/rule.hpp"
#include "reporter.hpp"
#include "text.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace srcbind::detail {

// Sources are checked against the host, and warned about, once per address, not
// once per rule (a generated file may repeat one address thousands of times, and
// each check asks the kernel).
// Keyed by the address itself: formatting each source just to look it up was a
// quarter of the load time of a 100,000-rule file.
struct SourceWarnings {
  struct Hash {
    std::size_t operator()(const IpAddress& a) const noexcept {
      std::size_t h = static_cast<std::size_t>(a.family);
      for (auto b : a.bytes) h = h * 131 + b;
      return h;
    }
  };
  std::unordered_set<IpAddress, Hash> checked;
};

// `*` as two patterns, 0.0.0.0/0 and ::/0, that never match loopback.
void add_wildcard_destinations(std::vector<DestinationPattern>& out);

bool parse_destinations(std::string_view value, Rule& rule, const Reporter& report);
bool parse_ports(std::string_view value, Rule& rule, const Reporter& report);
bool parse_protocol(std::string_view value, Rule& rule, const Reporter& report);
bool parse_programs(std::string_view value, Rule& rule, const Reporter& report);
// Addresses and `@NAME`; at most one per family.
bool parse_sources(std::string_view value, Rule& rule, const HostInterfaces& host, SourceWarnings& warnings,
                   const Reporter& report);
bool parse_interface(std::string_view value, Rule& rule, const HostInterfaces& host, const Reporter& report);
// SPEC: a source assigned to another device than the rule's interface is an error.
bool check_sources_on_interface(const Rule& rule, const HostInterfaces& host, const Reporter& report);

std::optional<OnError> parse_on_error(std::string_view value, const Reporter& report);
std::optional<LogLevel> parse_log(std::string_view value, const Reporter& report);
std::optional<std::string> parse_log_file(std::string_view value, const Reporter& report);

}  // namespace srcbind::detail
