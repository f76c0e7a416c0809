// Building a matcher image (matcher_image.hpp) in two steps: the plan (sorted
// entries, every section's size) and the write into a buffer of exactly that
// size, so that the caller chooses where the image lives (a std::vector for a
// file, the preload library's hot buffer for its own index).
#pragma once

#include "matcher_image.hpp"
#include "srcbind/rule.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace srcbind::image {

// One (prefix, rule) pair to index.
template <class F>
struct Entry {
  typename F::Key prefix;
  std::uint32_t rule;
  std::uint32_t port_first;   // the rule's ranges in the image's port ranges
  std::uint16_t port_count;
  std::uint8_t length;
  bool wildcard;
};

// A family's entries, sorted into index order, and the sizes they need.
template <class F>
struct FamilyPlan {
  std::vector<Entry<F>> entries;
  std::vector<std::uint32_t> slot_counts;   // per table, longest prefix first
  std::uint64_t candidate_count = 0;
  std::uint64_t tables = 0;                 // offsets in the image
  std::uint64_t candidates = 0;
  std::uint64_t slots = 0;
  std::uint64_t slot_bytes = 0;
};

class Builder {
 public:
  // Sorts and sizes; throws std::bad_alloc, or std::length_error when a count
  // would not fit the image's 32-bit fields.
  explicit Builder(std::span<const Rule> rules);

  std::size_t size() const noexcept { return size_; }
  // Writes the image into `out`: size() bytes, zeroed, 8-byte aligned.
  void write(std::byte* out) const noexcept;

 private:
  void collect();
  void add_ports(const Rule& rule, std::uint32_t& first, std::uint16_t& count);
  template <class F>
  void plan(FamilyPlan<F>& family);
  template <class F>
  void write_family(const FamilyPlan<F>& family, std::byte* out, Header& header) const noexcept;
  void place() noexcept;

  std::span<const Rule> rules_;
  std::vector<PortRange> ports_;
  FamilyPlan<V4> v4_;
  FamilyPlan<V6> v6_;
  std::uint64_t ports_offset_ = 0;
  std::size_t size_ = 0;
};

}  // namespace srcbind::image
