// The rules as the preload library keeps them once loaded: plain records that
// mean the same at any address, so that a compiled table (compiled_table.hpp)
// is used where it was read, without parsing or building anything per rule.
//
//   RuleRecord    one per rule, in file order: its line and its action
//   ActionRecord  what a matched rule does; rules that do the same share one
//                 (a 1,000,000-rule table has a handful of sources)
//   labels        the rules' names, in rule order, front-coded (label_pool.hpp)
//   text          program names, one pool
//   programs      an action's program names: references into the pool
//
// decide() (decision.hpp) takes an ActionRecord as it takes a Rule. The library
// builds these from the parsed file when there is no compiled table, so both
// ways end in the same records and the same lookup.
#pragma once

#include "srcbind/address.hpp"
#include "srcbind/label_pool.hpp"
#include "srcbind/rule.hpp"

#include <net/if.h>

#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace srcbind {

// An interface name as SO_BINDTODEVICE takes it: at most IFNAMSIZ - 1 bytes,
// NUL-padded. Empty: the rule sets no device.
struct InterfaceName {
  char text[IFNAMSIZ] = {};

  bool empty() const noexcept { return text[0] == '\0'; }
  const char* c_str() const noexcept { return text; }
  std::size_t size() const noexcept { return ::strnlen(text, IFNAMSIZ - 1); }
  friend bool operator==(const InterfaceName&, const InterfaceName&) = default;
};

// A piece of the text pool.
struct TextRef {
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

struct ActionRecord {
  IpAddress source_v4_address;
  IpAddress source_v6_address;
  InterfaceName interface;
  std::uint8_t reserved[2] = {};      // no padding: actions are compared and written as bytes
  std::uint32_t programs_first = 0;   // into the program list; count 0: any program
  std::uint32_t programs_count = 0;
  OnError on_error = OnError::fail;
  bool has_source_v4 = false;
  bool has_source_v6 = false;
  bool source_missing = false;        // `@NAME` named nothing on this host: fails closed

  // What decide() reads, spelled as on Rule.
  const IpAddress* source_for(Family f) const noexcept {
    if (f == Family::v4) return has_source_v4 ? &source_v4_address : nullptr;
    return has_source_v6 ? &source_v6_address : nullptr;
  }
  bool applies_to(Family f) const noexcept { return source_for(f) != nullptr || !interface.empty() || source_missing; }
  friend bool operator==(const ActionRecord&, const ActionRecord&) = default;
};

// 8 bytes: a 1,000,000-rule table has as many. Its label is in the labels, at its index.
struct RuleRecord {
  std::uint32_t line = 0;   // of its section header; 0 for quick mode (its label is the variable's name)
  std::uint32_t action = 0; // index of its ActionRecord
};

static_assert(std::is_trivially_copyable_v<RuleRecord> && std::is_trivially_copyable_v<ActionRecord> &&
              std::is_trivially_copyable_v<TextRef>);
static_assert(std::has_unique_object_representations_v<ActionRecord> &&
              std::has_unique_object_representations_v<RuleRecord>, "no padding: written to files as they are");

// A view of the records, checked once: every action and program reference
// stays inside what it refers to; a label is checked as it is decoded.
class RuleRecords {
 public:
  RuleRecords() = default;
  // nullopt when some action or program reference points outside what it
  // refers to, or the labels' block offsets do not fit (label_pool.hpp).
  static std::optional<RuleRecords> view(std::span<const RuleRecord> rules, std::span<const ActionRecord> actions,
                                         std::string_view text, std::span<const TextRef> programs,
                                         std::span<const std::uint32_t> label_blocks,
                                         std::string_view labels) noexcept;

  std::span<const RuleRecord> rules() const noexcept { return rules_; }
  std::span<const ActionRecord> actions() const noexcept { return actions_; }
  const ActionRecord& action(const RuleRecord& rule) const noexcept { return actions_[rule.action]; }
  // The name of rule `index`, decoded into `buffer`; empty for an unnamed rule
  // (the log says "at line N").
  std::string_view label(std::size_t index, LabelBuffer& buffer) const noexcept { return labels_.get(index, buffer); }
  // Whether some action is for named programs only.
  bool has_program_filter() const noexcept { return has_program_filter_; }
  // Bit i (of word i / 64) set when rule i's action names one of `names`: the
  // matcher's `applies` (matcher.hpp). Bits of rules for any program are not
  // read: without a program filter in the table, it is empty.
  std::vector<std::uint64_t> rules_for_programs(std::span<const std::string> names) const;

 private:
  std::string_view text(TextRef ref) const noexcept { return text_.substr(ref.offset, ref.size); }

  std::span<const RuleRecord> rules_;
  std::span<const ActionRecord> actions_;
  std::string_view text_;
  std::span<const TextRef> programs_;
  LabelPool labels_;
  bool has_program_filter_ = false;
};

// Records built from validated rules (the library's in-memory way, and what
// `srcbind --compile` writes), allocated from `memory`.
struct CompiledRules {
  explicit CompiledRules(std::pmr::memory_resource* memory = std::pmr::get_default_resource())
      : rules(memory), actions(memory), text(memory), programs(memory), labels(memory) {}

  std::pmr::vector<RuleRecord> rules;
  std::pmr::vector<ActionRecord> actions;
  std::pmr::string text;
  std::pmr::vector<TextRef> programs;
  LabelPoolData labels;

  RuleRecords view() const noexcept;
};

// The records of `rules`, in their order. Quick mode's rule is labelled with its
// variable's name, as Rule::label() does.
CompiledRules compile_rules(std::span<const Rule> rules,
                            std::pmr::memory_resource* memory = std::pmr::get_default_resource());

}  // namespace srcbind
