// The rule names seen so far and where: a flat open-addressing table, because a
// std::unordered_map costs a node allocation and a cache miss per rule, which
// was the largest single cost of loading 100,000 named rules.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace srcbind::detail {

class RuleNames {
 public:
  // Starts small and grows: most large files are unnamed rules, and a table
  // sized for them up front was 2 MB of zeroed pages for nothing.
  RuleNames();

  // 0 after recording `name` as first used on `line`; otherwise the line of its
  // first use. `name` must stay valid (it points into the file's text).
  unsigned first_use(std::string_view name, unsigned line);

 private:
  struct Name {
    std::string_view text;
    unsigned line;
  };
  struct Slot {
    std::uint32_t index_plus_one = 0;   // into names_; 0: empty
    std::uint32_t hash = 0;             // low bits of the name's hash, checked first
  };

  void grow();
  void insert_slot(std::uint32_t index, std::uint64_t hash);

  std::vector<Name> names_;
  std::vector<Slot> slots_;
};

}  // namespace srcbind::detail
