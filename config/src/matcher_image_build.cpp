// Rules → a matcher image (matcher_image.hpp). Tuned for 100,000 and 1,000,000
// rules: every vector reserved exactly and prefaulted, the sort skipped when the
// entries come sorted, the image written in one pass over them.
#include "matcher_image_build.hpp"

#include "prefault.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <new>
#include <span>
#include <stdexcept>

namespace srcbind::image {
namespace {

// Counts the image keeps in 32 bits. A family's entries stay below 2^30 so that
// its slot counts (4/3 of its distinct prefixes, rounded up to a power of two)
// fit a 32-bit slot_mask, and a candidate's index fits a slot's 31 bits.
constexpr std::uint64_t kMaxRules = std::numeric_limits<std::uint32_t>::max() - 1;   // below kNoRule
constexpr std::uint64_t kMaxEntries = std::uint64_t{1} << 30;
constexpr std::uint64_t kMaxPortRanges = std::numeric_limits<std::uint32_t>::max();
// A candidate counts a rule's port ranges in 16 bits; past that the rule's
// ranges are merged, which leaves at most 32,768 (a gap between any two).
constexpr std::size_t kMaxRulePorts = std::numeric_limits<std::uint16_t>::max();

// SPEC: a rule without a source or an interface for a family is not for it.
bool indexed(const Rule& rule, const DestinationPattern& pattern) noexcept {
  return rule.applies_to(pattern.prefix.address.family);
}

template <class F>
void reserve_exact(std::vector<F>& values, std::uint64_t count) {
  values.reserve(count);
  detail::prefault(values.data(), count * sizeof(F));
}

void append_merged(std::span<const srcbind::PortRange> ranges, std::vector<PortRange>& out) {
  std::vector<srcbind::PortRange> sorted(ranges.begin(), ranges.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const std::size_t first = out.size();
  for (const auto& range : sorted) {
    if (out.size() > first && unsigned{range.first} <= unsigned{out.back().last} + 1) {
      out.back().last = std::max(out.back().last, range.last);
    } else {
      out.push_back({range.first, range.last});
    }
  }
}

// The flags of one rule's candidate under one prefix, from its entries there
// (the same rule twice under one prefix, `*` and 0.0.0.0/0: one candidate,
// matching loopback if either does).
template <class F>
std::uint8_t flags_of(const Rule& rule, const Entry<F>* first, const Entry<F>* last) noexcept {
  const bool wildcard = std::all_of(first, last, [](const Entry<F>& e) { return e.wildcard; });
  unsigned flags = wildcard ? Candidate::kWildcard : 0;
  if (first->port_count != 0) flags |= Candidate::kPorts;
  if (!rule.programs.empty()) flags |= Candidate::kProgram;
  if (rule.protocol == Protocol::tcp) flags |= Candidate::kTcp;
  if (rule.protocol == Protocol::udp) flags |= Candidate::kUdp;
  return static_cast<std::uint8_t>(flags);
}

// The end of the run of entries from `first` that share its prefix (and
// length), or its rule as well.
template <class F>
const Entry<F>* same_prefix_end(const Entry<F>* first, const Entry<F>* end) noexcept {
  const Entry<F>* e = first;
  while (e != end && e->length == first->length && e->prefix == first->prefix) ++e;
  return e;
}
template <class F>
const Entry<F>* same_rule_end(const Entry<F>* first, const Entry<F>* end) noexcept {
  const Entry<F>* e = first;
  while (e != end && e->rule == first->rule) ++e;
  return e;
}

// Whether a prefix's entries [first, last) are one rule without a filter,
// which its slot holds itself (SlotValue).
template <class F>
bool held_by_slot(std::span<const Rule> rules, const Entry<F>* first, const Entry<F>* last) noexcept {
  return first->rule == (last - 1)->rule && first->rule <= SlotValue::kMaxRule &&
         (flags_of(rules[first->rule], first, last) & Candidate::kFilters) == 0;
}

// Longest first; within one prefix, file order.
template <class F>
bool index_order(const Entry<F>& a, const Entry<F>& b) noexcept {
  if (a.length != b.length) return a.length > b.length;
  if (a.prefix != b.prefix) return a.prefix < b.prefix;
  return a.rule < b.rule;
}

}  // namespace

Builder::Builder(std::span<const Rule> rules) : rules_(rules) {
  if (rules.size() > kMaxRules) throw std::length_error("srcbind: too many rules for a matcher image");
  collect();
  plan(v4_);
  plan(v6_);
  place();
}

void Builder::collect() {
  std::uint64_t count[2] = {0, 0};
  std::uint64_t port_count = 0;
  for (const Rule& rule : rules_) {
    bool any = false;
    for (const auto& pattern : rule.destinations) {
      if (!indexed(rule, pattern)) continue;
      ++count[pattern.prefix.address.family == Family::v6];
      any = true;
    }
    if (any) port_count += rule.ports.size();
  }
  if (count[0] >= kMaxEntries || count[1] >= kMaxEntries || port_count > kMaxPortRanges) {
    throw std::length_error("srcbind: too many destinations or ports for a matcher image");
  }
  reserve_exact(v4_.entries, count[0]);
  reserve_exact(v6_.entries, count[1]);
  reserve_exact(ports_, port_count);
  for (std::uint32_t i = 0; i < rules_.size(); ++i) {
    const Rule& rule = rules_[i];
    std::uint32_t port_first = 0;
    std::uint16_t ports = 0;
    bool ports_added = false;
    for (const auto& pattern : rule.destinations) {
      if (!indexed(rule, pattern)) continue;
      if (!ports_added) add_ports(rule, port_first, ports);   // once per rule, shared by its candidates
      ports_added = true;
      const auto length = static_cast<std::uint8_t>(pattern.prefix.length);
      if (pattern.prefix.address.family == Family::v4) {
        v4_.entries.push_back({V4::key(pattern.prefix.address), i, port_first, ports, length, pattern.wildcard});
      } else {
        v6_.entries.push_back({V6::key(pattern.prefix.address), i, port_first, ports, length, pattern.wildcard});
      }
    }
  }
}

void Builder::add_ports(const Rule& rule, std::uint32_t& first, std::uint16_t& count) {
  if (rule.ports.empty()) return;   // any port: 0, 0
  first = static_cast<std::uint32_t>(ports_.size());
  if (rule.ports.size() <= kMaxRulePorts) {
    for (const auto& range : rule.ports) ports_.push_back({range.first, range.last});
  } else {
    append_merged(rule.ports, ports_);
  }
  count = static_cast<std::uint16_t>(ports_.size() - first);
}

// Sorts the entries and counts what they need: one table per length, a
// candidate per (prefix, rule) unless the slot holds the rule itself, and
// slots for at least 4/3 of the prefixes (a load factor of at most 3/4; the
// probe limit bounds every lookup).
template <class F>
void Builder::plan(FamilyPlan<F>& family) {
  auto& entries = family.entries;
  // Large generated lists often come in this order already: checking costs one
  // pass, sorting ~17.
  if (!std::is_sorted(entries.begin(), entries.end(), index_order<F>)) {
    std::sort(entries.begin(), entries.end(), index_order<F>);
  }
  std::vector<std::uint64_t> distinct;
  const Entry<F>* const end = entries.data() + entries.size();
  for (const Entry<F>* prefix = entries.data(); prefix != end;) {
    const Entry<F>* const next = same_prefix_end(prefix, end);
    if (prefix == entries.data() || prefix->length != (prefix - 1)->length) distinct.push_back(0);
    ++distinct.back();
    if (!held_by_slot(rules_, prefix, next)) {
      for (const Entry<F>* rule = prefix; rule != next; rule = same_rule_end(rule, next)) ++family.candidate_count;
    }
    prefix = next;
  }
  family.slot_counts.reserve(distinct.size());
  for (const std::uint64_t prefixes : distinct) {
    const auto slots = std::bit_ceil(std::max<std::uint64_t>((4 * prefixes + 2) / 3, 2));
    family.slot_counts.push_back(static_cast<std::uint32_t>(slots));   // at most 2^31: kMaxEntries
    family.slot_bytes += slots * sizeof(Slot<F>);
  }
}

// Header and tables first: every lookup reads them, so for a large image they
// share its first page; then what a lookup reaches through them.
void Builder::place() noexcept {
  std::uint64_t offset = align_up(sizeof(Header));
  const auto section = [&offset](std::uint64_t bytes) {
    const std::uint64_t at = offset;
    offset = align_up(offset + bytes);
    return at;
  };
  v4_.tables = section(v4_.slot_counts.size() * sizeof(Table<V4>));
  v6_.tables = section(v6_.slot_counts.size() * sizeof(Table<V6>));
  ports_offset_ = section(ports_.size() * sizeof(PortRange));
  v4_.candidates = section(v4_.candidate_count * sizeof(Candidate));
  v6_.candidates = section(v6_.candidate_count * sizeof(Candidate));
  v4_.slots = section(v4_.slot_bytes);
  v6_.slots = section(v6_.slot_bytes);
  size_ = offset;
}

void Builder::write(std::byte* out) const noexcept {
  Header& header = *new (out) Header{};
  header.magic = kMagic;
  header.format = kFormat;
  header.size = size_;
  header.rule_count = static_cast<std::uint32_t>(rules_.size());
  header.port_ranges = ports_offset_;
  header.port_range_count = static_cast<std::uint32_t>(ports_.size());
  if (!ports_.empty()) std::memcpy(out + ports_offset_, ports_.data(), ports_.size() * sizeof(PortRange));
  write_family(v4_, out, header);
  write_family(v6_, out, header);
}

template <class F>
void Builder::write_family(const FamilyPlan<F>& family, std::byte* out, Header& header) const noexcept {
  FamilyHeader& summary = family_header<F>(header);
  summary.tables = family.tables;
  summary.table_count = static_cast<std::uint32_t>(family.slot_counts.size());
  summary.candidates = family.candidates;
  summary.candidate_count = static_cast<std::uint32_t>(family.candidate_count);
  auto* const candidates = reinterpret_cast<Candidate*>(out + family.candidates);
  std::uint32_t written = 0;
  std::uint64_t slots_at = family.slots;
  const Entry<F>* const end = family.entries.data() + family.entries.size();
  const Entry<F>* prefix = family.entries.data();
  for (std::size_t t = 0; prefix != end; ++t) {
    const unsigned length = prefix->length;
    const std::uint32_t slot_count = family.slot_counts[t];
    auto& table = *new (out + family.tables + t * sizeof(Table<F>)) Table<F>{};
    table.mask = F::mask(length);
    table.slots = slots_at;
    table.slot_mask = slot_count - 1;
    table.shift = static_cast<std::uint8_t>(64 - std::countr_zero(slot_count));
    table.length = static_cast<std::uint8_t>(length);
    auto* const slots = reinterpret_cast<Slot<F>*>(out + slots_at);
    slots_at += std::uint64_t{slot_count} * sizeof(Slot<F>);
    for (; prefix != end && prefix->length == length;) {
      const Entry<F>* const next = same_prefix_end(prefix, end);
      const bool in_slot = held_by_slot(rules_, prefix, next);
      const std::uint32_t first = written;
      for (const Entry<F>* run = prefix; run != next;) {
        const Entry<F>* const run_end = same_rule_end(run, next);
        for (const Entry<F>* e = run; e != run_end; ++e) {
          const unsigned byte = F::first_byte(e->prefix);
          if (e->wildcard) summary.has_wildcard = 1;
          else if (length < 8) summary.has_short_prefix = 1;
          else summary.first_bytes[byte >> 6] |= std::uint64_t{1} << (byte & 63);
        }
        const Rule& rule = rules_[run->rule];
        const bool program = !rule.programs.empty();
        const bool protocol = rule.protocol != Protocol::any;
        header.unfiltered_candidates += !program;
        header.unfiltered_protocol_candidates += !program && protocol;
        header.filtered_protocol_candidates += program && protocol;
        if (!in_slot) candidates[written++] = {run->rule, run->port_first, run->port_count, flags_of(rule, run, run_end), 0};
        run = run_end;
      }
      std::uint32_t value = prefix->rule + 1;
      if (!in_slot) {
        candidates[written - 1].flags |= Candidate::kLast;
        value = SlotValue::kList | first;
      }
      std::uint64_t s = F::hash(prefix->prefix) >> table.shift;
      std::uint32_t probes = 1;
      for (; slots[s].value != SlotValue::kEmpty; ++probes) s = (s + 1) & table.slot_mask;
      slots[s] = {prefix->prefix, value};
      table.probes = std::max(table.probes, probes);
      prefix = next;
    }
  }
}

}  // namespace srcbind::image
