// fuzz_matcher: random rule sets and destinations; every Matcher::find() must
// agree with the plain reading of SPEC in reference_matcher.hpp.
#include "fuzz_input.hpp"
#include "reference_matcher.hpp"
#include "srcbind/matcher.hpp"

#include <cstddef>
#include <cstdint>

using namespace srcbind;
using namespace srcbind::fuzz;

namespace {

// What empty() and uses_protocol_filter() should say: is there a rule for this
// process with a pattern of a family it applies to (and a protocol filter)?
void check_summary(const Matcher& matcher, const MatcherCase& c) {
  bool any = false;
  bool protocol_filter = false;
  for (const Rule& rule : c.rules) {
    if (!reference::program_matches(rule, c.program_names)) continue;
    for (const auto& pattern : rule.destinations) {
      if (!reference::applies_to(rule, pattern.prefix.address.family)) continue;
      any = true;
      protocol_filter = protocol_filter || rule.protocol != Protocol::any;
    }
  }
  if (matcher.empty() == any) fail("Matcher::empty() = " + std::to_string(matcher.empty()));
  if (matcher.uses_protocol_filter() != protocol_filter) {
    fail("Matcher::uses_protocol_filter() = " + std::to_string(matcher.uses_protocol_filter()));
  }
}

// A destination inside the rule's first pattern: the pattern's own address (or
// one past the network for short prefixes), on the rule's first port.
RawDestination inside(const Rule& rule) {
  const Prefix& prefix = rule.destinations.front().prefix;
  RawDestination d;
  d.v6 = prefix.address.family == Family::v6;
  d.bytes = prefix.address.bytes;
  if (prefix.length < (d.v6 ? 128 : 32)) d.bytes[d.v6 ? 15 : 3] |= 1;
  d.port = rule.ports.empty() ? 80 : rule.ports.front().first;
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const MatcherCase c = decode_matcher_case(data, size);
  const Matcher matcher(c.rules, c.program_names);
  check_summary(matcher, c);
  for (const MatcherQuery& q : c.queries) check_find(matcher, c.rules, c.program_names, q.destination, q.protocol);
  // Queries that hit something, whatever the input's queries are.
  for (const Rule& rule : c.rules) {
    if (rule.destinations.empty()) continue;
    const RawDestination d = inside(rule);
    check_find(matcher, c.rules, c.program_names, d, rule.protocol);
    if (!d.v6) check_find(matcher, c.rules, c.program_names, mapped_destination(d), Protocol::any);
  }
  return 0;
}
