// The rules' labels (their names), front-coded: a 1,000,000-rule table's
// labels ("customer-17", "customer-18" ...) take ~4 bytes a rule instead of
// ~15, and every byte of a compiled table is copied at a first connection
// (docs/compiled-table.md, "Layout").
//
//   blocks  one offset into `bytes` per 16 labels (where the block starts),
//           and bytes.size() last
//   bytes   per label: one byte, how many leading bytes it shares with the
//           label before it in its block (0 for a block's first, at most 255),
//           then the length of the rest (LEB128) and the rest
//
// Reading a label decodes at most 16 of them into a caller's buffer: a log
// line's work, never a lookup's. Labels are kept up to kMaxLabel bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace srcbind {

// Where a label is decoded; a longer one is cut to its first kMaxLabel bytes.
struct LabelBuffer {
  static constexpr std::size_t kMaxLabel = 256;
  char text[kMaxLabel];
};

struct LabelPoolData {
  explicit LabelPoolData(std::pmr::memory_resource* memory) : blocks(memory), bytes(memory) {}

  std::pmr::vector<std::uint32_t> blocks;
  std::pmr::string bytes;
};

// Appends labels in rule order; finish() writes the last offset. Throws
// std::length_error past 4 GiB of labels (the offsets are 32 bits).
class LabelPoolWriter {
 public:
  explicit LabelPoolWriter(LabelPoolData& out) : out_(out) {}
  void add(std::string_view label);
  void finish();

 private:
  std::uint32_t offset() const;

  LabelPoolData& out_;
  std::size_t count_ = 0;
  std::string previous_;   // the label before, whole
};

class LabelPool {
 public:
  static constexpr std::size_t kBlock = 16;

  LabelPool() = default;
  // nullopt unless `blocks` has one offset per kBlock of `count` labels and a
  // last one, rising, from 0 to bytes.size(), or all three are empty (no
  // labels written). The bytes inside a block are checked as they are decoded.
  static std::optional<LabelPool> view(std::span<const std::uint32_t> blocks, std::string_view bytes,
                                       std::size_t count) noexcept;

  // Label `index` (< count), decoded into `buffer`; empty for an index past
  // the labels or a block that does not decode.
  std::string_view get(std::size_t index, LabelBuffer& buffer) const noexcept;

 private:
  std::span<const std::uint32_t> blocks_;
  std::string_view bytes_;
  std::size_t count_ = 0;
};

}  // namespace srcbind
