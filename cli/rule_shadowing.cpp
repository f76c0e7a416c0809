#include "rule_shadowing.hpp"

#include <algorithm>

namespace srcbind::cli {
namespace {

// Every port of `inner` is in one of the `outer` ranges (ranges merged first).
bool ports_cover(std::vector<PortRange> outer, const std::vector<PortRange>& inner) {
  std::sort(outer.begin(), outer.end(), [](const PortRange& x, const PortRange& y) { return x.first < y.first; });
  std::vector<PortRange> merged;
  for (const PortRange& r : outer) {
    if (!merged.empty() && static_cast<unsigned>(r.first) <= static_cast<unsigned>(merged.back().last) + 1)
      merged.back().last = std::max(merged.back().last, r.last);
    else
      merged.push_back(r);
  }
  return std::all_of(inner.begin(), inner.end(), [&](const PortRange& r) {
    return std::any_of(merged.begin(), merged.end(),
                       [&](const PortRange& m) { return m.first <= r.first && r.last <= m.last; });
  });
}

bool pattern_covers(const DestinationPattern& a, const DestinationPattern& b) {
  return a.prefix == b.prefix && (!a.wildcard || b.wildcard);
}

}  // namespace

bool filters_cover(const Rule& a, const Rule& b) {
  if (!a.ports.empty() && (b.ports.empty() || !ports_cover(a.ports, b.ports))) return false;
  if (a.protocol != Protocol::any && a.protocol != b.protocol) return false;
  if (!a.programs.empty()) {
    if (b.programs.empty()) return false;
    for (const std::string& p : b.programs)
      if (std::find(a.programs.begin(), a.programs.end(), p) == a.programs.end()) return false;
  }
  return true;
}

std::vector<ShadowedRule> find_shadowed_rules(const std::vector<Rule>& rules) {
  std::vector<ShadowedRule> shadowed;
  for (std::size_t b = 0; b < rules.size(); ++b) {
    const Rule& rule = rules[b];
    ShadowedRule entry{&rule, {}};
    bool any_live_pattern = false;
    bool all_covered = true;
    for (const DestinationPattern& pattern : rule.destinations) {
      const Family family = pattern.prefix.address.family;
      if (!rule.applies_to(family)) continue;  // can never match this pattern anyway
      any_live_pattern = true;
      const Rule* winner = nullptr;
      for (std::size_t a = 0; a < b && winner == nullptr; ++a) {
        const Rule& earlier = rules[a];
        if (!earlier.applies_to(family) || !filters_cover(earlier, rule)) continue;
        for (const DestinationPattern& p : earlier.destinations) {
          if (pattern_covers(p, pattern)) {
            winner = &earlier;
            break;
          }
        }
      }
      if (winner == nullptr) {
        all_covered = false;
        break;
      }
      if (std::find(entry.winners.begin(), entry.winners.end(), winner) == entry.winners.end())
        entry.winners.push_back(winner);
    }
    if (any_live_pattern && all_covered) shadowed.push_back(std::move(entry));
  }
  return shadowed;
}

}  // namespace srcbind::cli
