// The Matcher's index: per family, one hash table per distinct prefix length,
// probed longest first. A slot maps a masked prefix to its candidate rules, in
// file order, in one flat array. A lookup costs one probe per distinct length,
// whatever the number of rules. Everything a lookup reads is allocated from the
// memory resource the matcher was given.
#include "srcbind/matcher.hpp"

#include "prefault.hpp"

#include <algorithm>
#include <bit>

namespace srcbind {
namespace {

// A v6 address as two 64-bit halves (host order), so masking is two ANDs.
struct Key128 {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  friend bool operator==(const Key128&, const Key128&) = default;
  friend auto operator<=>(const Key128&, const Key128&) = default;
};

std::uint64_t load_be64(const std::uint8_t* bytes) noexcept {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | bytes[i];
  return value;
}

struct V4 {
  using Key = std::uint32_t;
  static constexpr Family family = Family::v4;
  static Key key(const IpAddress& a) noexcept {
    return (std::uint32_t{a.bytes[0]} << 24) | (std::uint32_t{a.bytes[1]} << 16) | (std::uint32_t{a.bytes[2]} << 8) |
           std::uint32_t{a.bytes[3]};
  }
  static Key mask(unsigned length) noexcept { return length == 0 ? 0 : ~Key{0} << (32 - length); }
  static unsigned first_byte(Key k) noexcept { return k >> 24; }
  static Key apply(Key k, Key m) noexcept { return k & m; }
  // Fibonacci hashing: the top bits of the product depend on every bit of the key.
  static std::uint64_t hash(Key k) noexcept { return std::uint64_t{k} * 0x9E3779B97F4A7C15ull; }
};

struct V6 {
  using Key = Key128;
  static constexpr Family family = Family::v6;
  static Key key(const IpAddress& a) noexcept { return {load_be64(a.bytes.data()), load_be64(a.bytes.data() + 8)}; }
  static Key mask(unsigned length) noexcept {
    const auto half = [](unsigned bits) { return bits == 0 ? 0 : bits >= 64 ? ~0ull : ~0ull << (64 - bits); };
    return {half(std::min(length, 64u)), half(length > 64 ? length - 64 : 0)};
  }
  static Key apply(Key k, Key m) noexcept { return {k.high & m.high, k.low & m.low}; }
  static unsigned first_byte(Key k) noexcept { return static_cast<unsigned>(k.high >> 56); }
  static std::uint64_t hash(Key k) noexcept {
    return (k.high ^ std::rotl(k.low * 0xC2B2AE3D27D4EB4Full, 29)) * 0x9E3779B97F4A7C15ull;
  }
};

// What a lookup needs to know about a candidate, without touching the Rule unless
// it has port ranges.
struct Candidate {
  const Rule* rule;
  Protocol protocol;
  bool wildcard;    // from `*`: not for loopback
  bool any_port;

  bool matches(std::uint16_t port, Protocol query, bool loopback) const noexcept {
    return !(wildcard && loopback) && (query == Protocol::any || protocol == Protocol::any || protocol == query) &&
           (any_port || rule->matches_port(port));
  }
};

template <class Family>
struct Slot {
  typename Family::Key key{};
  std::uint32_t first = 0;   // into the family's candidates
  std::uint32_t count = 0;   // 0: empty slot
};

template <class Family>
struct LengthTable {
  explicit LengthTable(std::pmr::memory_resource* memory) : slots(memory) {}

  typename Family::Key mask{};
  unsigned shift = 63;           // home slot: the top bits of the hash
  std::uint64_t slot_mask = 0;   // slots.size() - 1 (a power of two)
  std::pmr::vector<Slot<Family>> slots;

  std::uint64_t home(typename Family::Key prefix) const noexcept { return Family::hash(prefix) >> shift; }

  const Slot<Family>* find(typename Family::Key prefix) const noexcept {
    for (std::uint64_t i = home(prefix);; i = (i + 1) & slot_mask) {
      const Slot<Family>& slot = slots[i];
      if (slot.count == 0) return nullptr;   // load factor <= 1/2: an empty slot always exists
      if (slot.key == prefix) return &slot;
    }
  }
};

template <class Family>
struct FamilyIndex {
  explicit FamilyIndex(std::pmr::memory_resource* memory) : tables(memory), candidates(memory) {}

  std::pmr::vector<LengthTable<Family>> tables;   // longest prefix first
  std::pmr::vector<Candidate> candidates;
  // A first filter, kept with this header (which the preload library keeps in its
  // hot page): bit b is set when some prefix of 8 bits or more starts with byte b.
  // A destination starting with another byte matches nothing, unless a prefix is
  // shorter than a byte; it is turned away without reading the tables (for a
  // large file, pages of their own, each read costing a page walk after a syscall).
  // `*` is kept apart: it matches every first byte but never loopback, so a
  // loopback destination (a local DNS resolver, the usual unmatched datagram)
  // is turned away here too.
  std::uint64_t first_bytes[4] = {};
  bool has_short_prefix = false;   // shorter than a byte, `*` excepted
  bool has_wildcard = false;       // some `*`

  bool may_match(unsigned first_byte, bool loopback) const noexcept {
    return has_short_prefix || (has_wildcard && !loopback) ||
           ((first_bytes[first_byte >> 6] >> (first_byte & 63)) & 1) != 0;
  }

  const Rule* find(const Endpoint& destination, Protocol protocol) const noexcept {
    const auto key = Family::key(destination.address);
    const bool loopback = destination.address.is_loopback();
    if (!may_match(Family::first_byte(key), loopback)) return nullptr;
    for (const auto& table : tables) {
      const Slot<Family>* slot = table.find(Family::apply(key, table.mask));
      if (slot == nullptr) continue;
      const Candidate* begin = candidates.data() + slot->first;
      for (const Candidate* c = begin; c != begin + slot->count; ++c) {
        if (c->matches(destination.port, protocol, loopback)) return c->rule;
      }
    }
    return nullptr;
  }
};

// One (prefix, rule) pair to index.
template <class Family>
struct Entry {
  unsigned length;
  typename Family::Key prefix;
  std::uint32_t rule_index;
  bool wildcard;
};

// Fills `index` (empty, and allocating from the matcher's memory).
template <class Family>
void build_index(const std::vector<const Rule*>& rules, FamilyIndex<Family>& index) {
  const auto indexed = [](const Rule& rule, const DestinationPattern& pattern) {
    // SPEC: a rule without a source or an interface for a family is not for it.
    return pattern.prefix.address.family == Family::family && rule.applies_to(Family::family);
  };
  std::size_t count = 0;
  for (const Rule* rule : rules) {
    for (const auto& pattern : rule->destinations) count += indexed(*rule, pattern) ? 1 : 0;
  }
  std::vector<Entry<Family>> entries;
  entries.reserve(count);
  detail::prefault(entries.data(), count * sizeof(Entry<Family>));
  for (std::uint32_t i = 0; i < rules.size(); ++i) {
    for (const auto& pattern : rules[i]->destinations) {
      if (!indexed(*rules[i], pattern)) continue;
      entries.push_back({pattern.prefix.length, Family::key(pattern.prefix.address), i, pattern.wildcard});
    }
  }
  // Longest first; within one prefix, file order. Large generated lists often come
  // in this order already: checking costs one pass, sorting ~17.
  const auto index_order = [](const Entry<Family>& a, const Entry<Family>& b) {
    if (a.length != b.length) return a.length > b.length;
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return a.rule_index < b.rule_index;
  };
  if (!std::is_sorted(entries.begin(), entries.end(), index_order)) {
    std::sort(entries.begin(), entries.end(), index_order);
  }

  for (const auto& entry : entries) {
    const unsigned byte = Family::first_byte(entry.prefix);
    if (entry.wildcard) index.has_wildcard = true;
    else if (entry.length < 8) index.has_short_prefix = true;
    else index.first_bytes[byte >> 6] |= std::uint64_t{1} << (byte & 63);
  }
  std::pmr::memory_resource* memory = index.candidates.get_allocator().resource();
  std::size_t lengths = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) lengths += i == 0 || entries[i].length != entries[i - 1].length;
  index.tables.reserve(lengths);   // exact: a monotonic resource would keep every outgrown copy
  index.candidates.reserve(entries.size());
  detail::prefault(index.candidates.data(), entries.size() * sizeof(Candidate));
  for (std::size_t begin = 0; begin < entries.size();) {
    const unsigned length = entries[begin].length;
    std::size_t end = begin;
    std::size_t distinct = 0;
    for (; end < entries.size() && entries[end].length == length; ++end) {
      if (end == begin || entries[end].prefix != entries[end - 1].prefix) ++distinct;
    }

    LengthTable<Family> table(memory);
    table.mask = Family::mask(length);
    const std::size_t slot_count = std::bit_ceil(std::max<std::size_t>(2 * distinct, 2));
    table.slots.reserve(slot_count);
    detail::prefault(table.slots.data(), slot_count * sizeof(Slot<Family>));
    table.slots.resize(slot_count);
    table.slot_mask = table.slots.size() - 1;
    table.shift = 64 - static_cast<unsigned>(std::countr_zero(table.slots.size()));
    for (std::size_t i = begin; i < end;) {
      const auto prefix = entries[i].prefix;
      const auto first = static_cast<std::uint32_t>(index.candidates.size());
      for (; i < end && entries[i].prefix == prefix; ++i) {
        const Rule* rule = rules[entries[i].rule_index];
        // The same rule twice under one prefix (`*` and 0.0.0.0/0): keep one,
        // matching loopback if either does.
        if (index.candidates.size() > first && index.candidates.back().rule == rule) {
          index.candidates.back().wildcard = index.candidates.back().wildcard && entries[i].wildcard;
          continue;
        }
        index.candidates.push_back({rule, rule->protocol, entries[i].wildcard, rule->ports.empty()});
      }
      std::uint64_t s = table.home(prefix);
      while (table.slots[s].count != 0) s = (s + 1) & table.slot_mask;
      table.slots[s] = {prefix, first, static_cast<std::uint32_t>(index.candidates.size() - first)};
    }
    index.tables.push_back(std::move(table));
    begin = end;
  }
}

}  // namespace

struct Matcher::Index {
  explicit Index(std::pmr::memory_resource* memory) : v4(memory), v6(memory) {}

  FamilyIndex<V4> v4;
  FamilyIndex<V6> v6;
  bool empty = true;
  bool uses_protocol_filter = false;
};

Matcher::Matcher(std::span<const Rule> rules, std::span<const std::string> program_names,
                 std::pmr::memory_resource* memory)
    : allocator_(memory), index_(allocator_.new_object<Index>(memory)) {
  try {
    // A process has one name: rules for other programs are dropped here, once.
    std::vector<const Rule*> applicable;
    applicable.reserve(rules.size());
    for (const auto& rule : rules) {
      if (rule.matches_program(program_names)) applicable.push_back(&rule);
    }
    build_index(applicable, index_->v4);
    build_index(applicable, index_->v6);
  } catch (...) {
    allocator_.delete_object(index_);   // no destructor runs for a constructor that throws
    throw;
  }
  index_->empty = index_->v4.candidates.empty() && index_->v6.candidates.empty();
  const auto has_protocol = [](const auto& family) {
    return std::any_of(family.candidates.begin(), family.candidates.end(),
                       [](const Candidate& c) { return c.protocol != Protocol::any; });
  };
  index_->uses_protocol_filter = has_protocol(index_->v4) || has_protocol(index_->v6);
}

Matcher::~Matcher() { allocator_.delete_object(index_); }

// On the per-datagram path: the library's link-time optimisation inlines it
// into its hooks' page (checked by preload.hot_layout).
__attribute__((hot)) const Rule* Matcher::find(const Endpoint& destination, Protocol protocol) const noexcept {
  if (destination.address.family == Family::v4) return index_->v4.find(destination, protocol);
  return index_->v6.find(destination, protocol);
}

bool Matcher::empty() const noexcept { return index_->empty; }

bool Matcher::uses_protocol_filter() const noexcept { return index_->uses_protocol_filter; }

}  // namespace srcbind
