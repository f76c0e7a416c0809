// Rules that can never win (for --check).
//
// The longest matching prefix wins whatever the order, and ties go to the rule
// written first. So rule B can never win exactly when, for each of its destination
// patterns (of a family B applies to), some earlier rule A has the same pattern
// (same network and length; an explicit 0.0.0.0/0 covers `*`, not the reverse
// since `*` skips loopback) and filters at least as wide:
//   - ports: A has none, or A's ranges contain all of B's (B has some);
//   - protocol: A's is `any` or equal to B's;
//   - programs: A has none, or A's contain all of B's (B has some);
//   - A applies to that pattern's family (has a source of it or an interface).
// Only single covering rules are found: B split across two earlier rules is not
// reported (no false alarms, a few misses).
#pragma once

#include "srcbind/rule.hpp"

#include <vector>

namespace srcbind::cli {

struct ShadowedRule {
  const Rule* rule;  // the rule that can never win
  std::vector<const Rule*> winners;  // earlier rules covering its patterns, first one per pattern, deduplicated
};

std::vector<ShadowedRule> find_shadowed_rules(const std::vector<Rule>& rules);

// A's filters (ports, protocol, programs) accept everything B's accept.
bool filters_cover(const Rule& a, const Rule& b);

}  // namespace srcbind::cli
