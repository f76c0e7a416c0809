// compile_rules and the checked view over the records (compiled_rules.hpp).
#include "srcbind/compiled_rules.hpp"

#include <algorithm>
#include <map>

namespace srcbind {
namespace {

bool inside(TextRef ref, std::size_t size) noexcept {
  return ref.offset <= size && ref.size <= size - ref.offset;
}

// Appends `text` to the pool once and says where it is.
class TextPool {
 public:
  explicit TextPool(std::pmr::string& pool) : pool_(pool) {}

  TextRef add(std::string_view text) {
    if (text.empty()) return {};
    const auto [it, fresh] = seen_.try_emplace(std::string(text), TextRef{});
    if (fresh) {
      it->second = {static_cast<std::uint32_t>(pool_.size()), static_cast<std::uint32_t>(text.size())};
      pool_.append(text);
    }
    return it->second;
  }

 private:
  std::pmr::string& pool_;
  std::map<std::string, TextRef, std::less<>> seen_;
};

ActionRecord action_of(const Rule& rule, CompiledRules& out, TextPool& names) {
  ActionRecord a;
  if (rule.source_v4) {
    a.has_source_v4 = true;
    a.source_v4_address = *rule.source_v4;
  }
  if (rule.source_v6) {
    a.has_source_v6 = true;
    a.source_v6_address = *rule.source_v6;
  }
  // The parser refuses longer names (rule_values.cpp): IFNAMSIZ - 1 bytes at most.
  std::memcpy(a.interface.text, rule.interface.data(), std::min(rule.interface.size(), sizeof a.interface.text - 1));
  a.on_error = rule.on_error;
  a.source_missing = rule.source_missing;
  if (!rule.programs.empty()) {
    std::vector<TextRef> refs;
    for (const std::string& program : rule.programs) refs.push_back(names.add(program));
    // Rules naming the same programs share the list.
    const auto same = std::search(out.programs.begin(), out.programs.end(), refs.begin(), refs.end(),
                                  [](const TextRef& x, const TextRef& y) { return x.offset == y.offset && x.size == y.size; });
    if (same == out.programs.end() || refs.empty()) {
      a.programs_first = static_cast<std::uint32_t>(out.programs.size());
      out.programs.insert(out.programs.end(), refs.begin(), refs.end());
    } else {
      a.programs_first = static_cast<std::uint32_t>(same - out.programs.begin());
    }
    a.programs_count = static_cast<std::uint32_t>(refs.size());
  }
  return a;
}

// Actions compared as bytes: plain data without padding (compiled_rules.hpp).
struct ActionLess {
  bool operator()(const ActionRecord& a, const ActionRecord& b) const noexcept {
    return std::memcmp(&a, &b, sizeof a) < 0;
  }
};

}  // namespace

CompiledRules compile_rules(std::span<const Rule> rules, std::pmr::memory_resource* memory) {
  CompiledRules out(memory);
  out.rules.reserve(rules.size());
  TextPool names(out.text);
  LabelPoolWriter labels(out.labels);
  std::map<ActionRecord, std::uint32_t, ActionLess> actions;
  for (const Rule& rule : rules) {
    const ActionRecord action = action_of(rule, out, names);
    const auto [it, fresh] = actions.try_emplace(action, static_cast<std::uint32_t>(out.actions.size()));
    if (fresh) out.actions.push_back(action);
    RuleRecord record;
    record.line = rule.line;
    record.action = it->second;
    // Quick mode's label is its variable's name (Rule::label()).
    const std::string_view label = !rule.name.empty() ? std::string_view(rule.name)
                                   : rule.line == 0  ? std::string_view(rule.file.str())
                                                     : std::string_view();
    labels.add(label);
    out.rules.push_back(record);
  }
  labels.finish();
  return out;
}

RuleRecords CompiledRules::view() const noexcept {
  // Built here, so it holds; a view of nothing rather than undefined behaviour otherwise.
  return RuleRecords::view(rules, actions, text, programs, labels.blocks, labels.bytes).value_or(RuleRecords{});
}

std::optional<RuleRecords> RuleRecords::view(std::span<const RuleRecord> rules, std::span<const ActionRecord> actions,
                                             std::string_view text, std::span<const TextRef> programs,
                                             std::span<const std::uint32_t> label_blocks,
                                             std::string_view labels) noexcept {
  RuleRecords r;
  const std::optional<LabelPool> pool = LabelPool::view(label_blocks, labels, rules.size());
  if (!pool) return std::nullopt;
  for (const TextRef& program : programs) {
    if (!inside(program, text.size())) return std::nullopt;
  }
  for (const ActionRecord& a : actions) {
    if (a.programs_first > programs.size() || a.programs_count > programs.size() - a.programs_first) return std::nullopt;
    if (a.interface.text[IFNAMSIZ - 1] != '\0') return std::nullopt;
    r.has_program_filter_ = r.has_program_filter_ || a.programs_count != 0;
  }
  // One pass with no branch to take: a 1,000,000-rule table is checked in well under a millisecond.
  std::uint32_t largest = 0;
  for (const RuleRecord& rule : rules) largest = std::max(largest, rule.action);
  if (!rules.empty() && largest >= actions.size()) return std::nullopt;
  r.rules_ = rules;
  r.actions_ = actions;
  r.text_ = text;
  r.programs_ = programs;
  r.labels_ = *pool;
  return r;
}

std::vector<std::uint64_t> RuleRecords::rules_for_programs(std::span<const std::string> names) const {
  if (!has_program_filter_) return {};   // no bit is read (matcher.hpp)
  std::vector<std::uint64_t> bits((rules_.size() + 63) / 64, 0);
  // Per action, once: most rules share a few.
  std::vector<bool> names_one(actions_.size(), false);
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    const ActionRecord& a = actions_[i];
    for (std::uint32_t p = 0; p < a.programs_count; ++p) {
      const std::string_view program = text(programs_[a.programs_first + p]);
      if (std::find(names.begin(), names.end(), program) != names.end()) names_one[i] = true;
    }
  }
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    if (names_one[rules_[i].action]) bits[i / 64] |= std::uint64_t{1} << (i % 64);
  }
  return bits;
}

}  // namespace srcbind
