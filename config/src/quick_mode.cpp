// quick_mode_rule: SRCBIND_SOURCE / SRCBIND_INTERFACE as one `destination = *` rule.
#include "srcbind/rule_table.hpp"

#include "rule_values.hpp"
#include "text.hpp"

namespace srcbind {
namespace {

// SPEC's `*` never matches loopback, and a loopback source can reach nothing but
// loopback. So a loopback quick-mode source applies to loopback destinations
// only: `srcbind -s 127.0.0.2 -- curl http://127.0.0.1/` does what it says, and
// a real source still leaves loopback alone. (A documented deviation, README.)
void confine_loopback_sources(Rule& rule) {
  for (DestinationPattern& d : rule.destinations) {
    const Family family = d.prefix.address.family;
    const auto& source = rule.source_for(family);
    if (!source || !source->is_loopback()) continue;
    d.wildcard = false;
    d.prefix = *Prefix::parse(family == Family::v4 ? "127.0.0.0/8" : "::1/128");
  }
}

}  // namespace

std::optional<Rule> quick_mode_rule(std::string_view sources, std::string_view interface,
                                    const HostInterfaces& host, std::vector<Diagnostic>& out) {
  sources = detail::trim(sources);
  interface = detail::trim(interface);
  if (sources.empty() && interface.empty()) return std::nullopt;

  Rule rule;
  rule.file = sources.empty() ? "SRCBIND_INTERFACE" : "SRCBIND_SOURCE";
  detail::add_wildcard_destinations(rule.destinations);

  bool ok = true;
  detail::SourceWarnings warnings;
  if (!sources.empty()) {
    const detail::Reporter report{&out, "SRCBIND_SOURCE"};
    ok = detail::parse_sources(sources, rule, host, warnings, report) && ok;
  }
  if (!interface.empty()) {
    const detail::Reporter report{&out, "SRCBIND_INTERFACE"};
    ok = detail::parse_interface(interface, rule, host, report) && ok;
  }
  if (ok) ok = detail::check_sources_on_interface(rule, host, detail::Reporter{&out, "SRCBIND_SOURCE"});
  if (!ok) return std::nullopt;
  confine_loopback_sources(rule);
  return rule;
}

}  // namespace srcbind
