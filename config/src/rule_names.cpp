#include "rule_names.hpp"

#include <functional>

namespace srcbind::detail {
namespace {

std::uint64_t hash_of(std::string_view text) { return std::hash<std::string_view>{}(text); }

}  // namespace

RuleNames::RuleNames() : slots_(16) {}

unsigned RuleNames::first_use(std::string_view name, unsigned line) {
  const std::uint64_t hash = hash_of(name);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.index_plus_one == 0) break;
    if (slot.hash == static_cast<std::uint32_t>(hash) && names_[slot.index_plus_one - 1].text == name) {
      return names_[slot.index_plus_one - 1].line;
    }
  }
  names_.push_back({name, line});
  if (2 * names_.size() > slots_.size()) {
    grow();   // re-inserts every name, this one included
  } else {
    insert_slot(static_cast<std::uint32_t>(names_.size() - 1), hash);
  }
  return 0;
}

void RuleNames::grow() {
  slots_.assign(slots_.size() * 2, Slot{});
  for (std::uint32_t i = 0; i < names_.size(); ++i) insert_slot(i, hash_of(names_[i].text));
}

void RuleNames::insert_slot(std::uint32_t index, std::uint64_t hash) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = hash & mask;
  while (slots_[i].index_plus_one != 0) i = (i + 1) & mask;
  slots_[i] = {index + 1, static_cast<std::uint32_t>(hash)};
}

}  // namespace srcbind::detail
