#include "rule_shadowing.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <climits>
#include <tuple>

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

namespace {

// One destination pattern of one rule, for a family the rule applies to.
struct PatternEntry {
  std::array<std::uint8_t, 16> bytes;
  std::uint8_t family;
  std::uint8_t length;
  std::uint32_t rule;
  std::uint32_t pattern;   // index into the rule's destinations

  auto order() const { return std::tie(family, length, bytes, rule, pattern); }
  bool same_prefix(const PatternEntry& other) const {
    return family == other.family && length == other.length && bytes == other.bytes;
  }
};

}  // namespace

// Patterns are compared only with earlier rules' patterns of the same prefix:
// every live pattern is listed once, sorted by prefix then file order, and
// each is matched within its run of equal prefixes. 100,000 rules take one sort,
// not 100,000 scans of the rules before them.
std::vector<ShadowedRule> find_shadowed_rules(const std::vector<Rule>& rules) {
  std::vector<std::size_t> first_pattern(rules.size() + 1, 0);   // rule -> its slots in `winner`
  for (std::size_t r = 0; r < rules.size(); ++r) first_pattern[r + 1] = first_pattern[r] + rules[r].destinations.size();
  constexpr std::uint32_t kNone = UINT32_MAX;
  std::vector<std::uint32_t> winner(first_pattern.back(), kNone);   // kNone: live and uncovered, or not live

  std::vector<PatternEntry> entries;
  entries.reserve(first_pattern.back());
  for (std::uint32_t r = 0; r < rules.size(); ++r) {
    const Rule& rule = rules[r];
    for (std::uint32_t p = 0; p < rule.destinations.size(); ++p) {
      const Prefix& prefix = rule.destinations[p].prefix;
      if (!rule.applies_to(prefix.address.family)) continue;   // can never match this pattern anyway
      entries.push_back({prefix.address.bytes, static_cast<std::uint8_t>(prefix.address.family), prefix.length, r, p});
    }
  }
  std::sort(entries.begin(), entries.end(), [](const PatternEntry& a, const PatternEntry& b) { return a.order() < b.order(); });

  for (std::size_t begin = 0; begin < entries.size();) {
    std::size_t end = begin + 1;
    while (end < entries.size() && entries[end].same_prefix(entries[begin])) ++end;
    for (std::size_t later = begin + 1; later < end; ++later) {
      const Rule& rule = rules[entries[later].rule];
      const DestinationPattern& pattern = rule.destinations[entries[later].pattern];
      for (std::size_t earlier = begin; earlier < later; ++earlier) {
        if (entries[earlier].rule == entries[later].rule) break;   // only earlier rules; sorted by rule
        const Rule& candidate = rules[entries[earlier].rule];
        if (pattern_covers(candidate.destinations[entries[earlier].pattern], pattern) && filters_cover(candidate, rule)) {
          winner[first_pattern[entries[later].rule] + entries[later].pattern] = entries[earlier].rule;
          break;
        }
      }
    }
    begin = end;
  }

  std::vector<ShadowedRule> shadowed;
  for (std::size_t r = 0; r < rules.size(); ++r) {
    const Rule& rule = rules[r];
    ShadowedRule entry{&rule, {}};
    bool any_live_pattern = false;
    bool all_covered = true;
    for (std::size_t p = 0; p < rule.destinations.size() && all_covered; ++p) {
      if (!rule.applies_to(rule.destinations[p].prefix.address.family)) continue;
      any_live_pattern = true;
      const std::uint32_t w = winner[first_pattern[r] + p];
      if (w == kNone) {
        all_covered = false;
      } else if (std::find(entry.winners.begin(), entry.winners.end(), &rules[w]) == entry.winners.end()) {
        entry.winners.push_back(&rules[w]);
      }
    }
    if (any_live_pattern && all_covered) shadowed.push_back(std::move(entry));
  }
  return shadowed;
}

}  // namespace srcbind::cli
