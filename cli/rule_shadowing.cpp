#include "rule_shadowing.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <string_view>
#include <unordered_map>

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

// The rules seen so far, by destination prefix, in file order: a later rule's
// pattern is compared only with earlier rules that list the same prefix, so a
// check of 100,000 rules stays linear.
struct PrefixKey {
  std::array<std::uint8_t, 16> bytes;
  std::uint8_t family;
  std::uint8_t length;
  friend bool operator==(const PrefixKey&, const PrefixKey&) = default;
};

struct PrefixKeyHash {
  std::size_t operator()(const PrefixKey& key) const noexcept {
    std::size_t h = std::hash<std::string_view>{}(
        std::string_view(reinterpret_cast<const char*>(key.bytes.data()), key.bytes.size()));
    return h ^ (static_cast<std::size_t>(key.family) << 8 | key.length) * 0x9E3779B97F4A7C15ull;
  }
};

PrefixKey key_of(const Prefix& prefix) {
  return {prefix.address.bytes, static_cast<std::uint8_t>(prefix.address.family), prefix.length};
}

using RulesByPrefix = std::unordered_map<PrefixKey, std::vector<std::size_t>, PrefixKeyHash>;

// The first earlier rule that wins every call `pattern` of `rule` could match.
const Rule* first_covering_rule(const std::vector<Rule>& rules, const RulesByPrefix& seen, const Rule& rule,
                                const DestinationPattern& pattern) {
  const auto it = seen.find(key_of(pattern.prefix));
  if (it == seen.end()) return nullptr;
  const Family family = pattern.prefix.address.family;
  for (std::size_t a : it->second) {
    const Rule& earlier = rules[a];
    if (!earlier.applies_to(family) || !filters_cover(earlier, rule)) continue;
    for (const DestinationPattern& p : earlier.destinations) {
      if (pattern_covers(p, pattern)) return &earlier;
    }
  }
  return nullptr;
}

}  // namespace

std::vector<ShadowedRule> find_shadowed_rules(const std::vector<Rule>& rules) {
  std::vector<ShadowedRule> shadowed;
  RulesByPrefix seen;
  for (std::size_t b = 0; b < rules.size(); ++b) {
    const Rule& rule = rules[b];
    ShadowedRule entry{&rule, {}};
    bool any_live_pattern = false;
    bool all_covered = true;
    for (const DestinationPattern& pattern : rule.destinations) {
      if (!rule.applies_to(pattern.prefix.address.family)) continue;  // can never match this pattern anyway
      any_live_pattern = true;
      const Rule* winner = first_covering_rule(rules, seen, rule, pattern);
      if (winner == nullptr) {
        all_covered = false;
        break;
      }
      if (std::find(entry.winners.begin(), entry.winners.end(), winner) == entry.winners.end())
        entry.winners.push_back(winner);
    }
    if (any_live_pattern && all_covered) shadowed.push_back(std::move(entry));
    for (const DestinationPattern& pattern : rule.destinations) {
      std::vector<std::size_t>& list = seen[key_of(pattern.prefix)];
      if (list.empty() || list.back() != b) list.push_back(b);
    }
  }
  return shadowed;
}

}  // namespace srcbind::cli
