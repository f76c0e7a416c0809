// Matcher::open's check of an image (matcher_image.hpp) that may come from
// anywhere: a file truncated, corrupted, or written by another version. Every
// offset, count and candidate is checked here, once, against the image's size;
// the slots are not read (a 1,000,000-rule image has ~1.5 million: reading
// them would cost a first connection milliseconds), so the lookup checks the
// one slot value it reads (matcher.cpp, two compares). Fields a lookup does not
// read for addresses (masks, lengths, the header's counts) are checked too.
#include "matcher_image.hpp"
#include "srcbind/rule.hpp"

namespace srcbind::image {
namespace {

// `count` objects of type T at `offset`: inside the image, and aligned.
template <class T>
bool fits(std::span<const std::byte> image, std::uint64_t offset, std::uint64_t count) noexcept {
  return offset % kAlign == 0 && offset <= image.size() && count <= (image.size() - offset) / sizeof(T);
}

struct Counts {
  std::uint64_t candidates = 0;
  std::uint64_t unfiltered = 0;
  std::uint64_t unfiltered_protocol = 0;
  std::uint64_t filtered_protocol = 0;
};

class Checker {
 public:
  Checker(std::span<const std::byte> image, std::uint32_t rule_count) noexcept
      : image_(image), header_(*at<Header>(image.data(), 0)), rule_count_(rule_count) {}

  bool ports() const noexcept {
    if (!fits<PortRange>(image_, header_.port_ranges, header_.port_range_count)) return false;
    const PortRange* ranges = at<PortRange>(image_.data(), header_.port_ranges);
    for (std::uint32_t i = 0; i < header_.port_range_count; ++i) {
      if (ranges[i].first > ranges[i].last) return false;
    }
    return true;
  }

  template <class F>
  bool family(Counts& counts) const noexcept {
    const FamilyHeader& family = family_header<F>(header_);
    if (family.has_short_prefix > 1 || family.has_wildcard > 1) return false;
    if (!fits<Table<F>>(image_, family.tables, family.table_count) ||
        !fits<Candidate>(image_, family.candidates, family.candidate_count)) {
      return false;
    }
    const Table<F>* tables = at<Table<F>>(image_.data(), family.tables);
    unsigned longer = F::kBits + 1;
    for (std::uint32_t t = 0; t < family.table_count; ++t) {
      if (tables[t].length >= longer || !table(tables[t])) return false;
      longer = tables[t].length;
    }
    const Candidate* candidates = at<Candidate>(image_.data(), family.candidates);
    for (std::uint32_t i = 0; i < family.candidate_count; ++i) {
      if (!candidate(candidates[i], counts)) return false;
    }
    return true;
  }

 private:
  // The slots must be a power of two (the probe wraps with slot_mask), and a
  // lookup's probes at most all of them.
  template <class F>
  bool table(const Table<F>& table) const noexcept {
    if (table.length > F::kBits || table.mask != F::mask(table.length)) return false;
    const std::uint64_t slot_count = std::uint64_t{table.slot_mask} + 1;
    return slot_count >= 2 && std::has_single_bit(slot_count) &&
           table.shift == 64 - static_cast<unsigned>(std::countr_zero(slot_count)) &&
           table.probes <= slot_count && fits<Slot<F>>(image_, table.slots, slot_count);
  }

  bool candidate(const Candidate& c, Counts& counts) const noexcept {
    if (c.rule >= rule_count_ || (c.flags & ~Candidate::kKnownFlags) != 0 ||
        (c.flags & Candidate::kProtocol) == Candidate::kProtocol || c.reserved != 0) {
      return false;
    }
    if (((c.flags & Candidate::kPorts) != 0) != (c.port_count != 0) ||
        c.port_first > header_.port_range_count || c.port_count > header_.port_range_count - c.port_first) {
      return false;
    }
    const bool program = (c.flags & Candidate::kProgram) != 0;
    const bool protocol = (c.flags & Candidate::kProtocol) != 0;
    ++counts.candidates;
    counts.unfiltered += !program;
    counts.unfiltered_protocol += !program && protocol;
    counts.filtered_protocol += program && protocol;
    return true;
  }

  std::span<const std::byte> image_;
  const Header& header_;
  std::uint32_t rule_count_;
};

}  // namespace

bool valid(std::span<const std::byte> image, std::size_t rule_count, std::size_t applies_words) noexcept {
  if (reinterpret_cast<std::uintptr_t>(image.data()) % kAlign != 0 || image.size() < sizeof(Header)) return false;
  const Header& header = *at<Header>(image.data(), 0);
  if (header.magic != kMagic || header.format != kFormat || header.size != image.size() ||
      header.rule_count != rule_count) {
    return false;
  }
  const Checker check(image, header.rule_count);
  Counts counts;
  if (!check.ports() || !check.family<V4>(counts) || !check.family<V6>(counts)) return false;
  // Rules held by slots count as unfiltered too: the header may say more.
  if (counts.unfiltered > header.unfiltered_candidates ||
      counts.unfiltered_protocol != header.unfiltered_protocol_candidates ||
      counts.filtered_protocol != header.filtered_protocol_candidates) {
    return false;
  }
  // A lookup reads `applies` for the rules of candidates with a program filter.
  const bool filtered = counts.candidates > counts.unfiltered;
  return !filtered || applies_words >= (std::uint64_t{header.rule_count} + 63) / 64;
}

}  // namespace srcbind::image
