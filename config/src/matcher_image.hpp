// The matcher's index as one position-independent image: plain structs at
// offsets from the image's start, each section 8-byte aligned (the first,
// after the header, 64), host byte order
// (little-endian on the machines srcbind runs on; the magic read on another
// order does not match). Nothing in it is a pointer, so the same bytes can be
// written to a file, read back anywhere and looked up in place.
//
//   Header                       magic, format, size, rule count, candidate counts,
//                                one FamilyHeader per family (first-byte filter,
//                                where its tables and candidates are)
//   PortRange[port_range_count]  every rule's port ranges, once per rule
//   per family:
//     Table<F>[table_count]      one per distinct prefix length, longest first
//     Candidate[candidate_count] the prefixes whose rules need more than the slot
//     Slot<F>[...]               each table's open-addressing slots
//
// A slot is a key and one 32-bit value: the usual prefix, one rule without a
// filter, is the rule itself, so a 1,000,000-rule image is ~13 bytes a rule
// (docs/compiled-table.md, "Layout"). Matcher::open (matcher_image_check.cpp)
// checks every offset and count, in time that does not grow with the rules;
// a slot's value is checked where a lookup reads it (matcher.cpp).
// build_image (matcher_image_build.cpp) writes them.
#pragma once

#include "srcbind/address.hpp"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace srcbind::image {

inline constexpr std::uint32_t kMagic = 0x494D4253;   // "SBMI" as little-endian bytes
inline constexpr std::uint32_t kFormat = 3;           // changes with any struct below
inline constexpr std::size_t kAlign = 8;
inline constexpr std::size_t kLine = 64;   // a cache line

// A v6 address as two 64-bit halves (host order), so masking is two ANDs.
struct Key128 {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  friend bool operator==(const Key128&, const Key128&) = default;
  friend auto operator<=>(const Key128&, const Key128&) = default;
};

inline std::uint64_t load_be64(const std::uint8_t* bytes) noexcept {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | bytes[i];
  return value;
}

struct V4 {
  using Key = std::uint32_t;
  static constexpr Family family = Family::v4;
  static constexpr unsigned kBits = 32;
  static Key key(const IpAddress& a) noexcept {
    return (std::uint32_t{a.bytes[0]} << 24) | (std::uint32_t{a.bytes[1]} << 16) | (std::uint32_t{a.bytes[2]} << 8) |
           std::uint32_t{a.bytes[3]};
  }
  static Key mask(unsigned length) noexcept { return length == 0 ? 0 : ~Key{0} << (32 - length); }
  static unsigned first_byte(Key k) noexcept { return k >> 24; }
  static Key apply(Key k, Key m) noexcept { return k & m; }
  static unsigned length(Key m) noexcept { return static_cast<unsigned>(std::popcount(m)); }
  // Fibonacci hashing: the top bits of the product depend on every bit of the key.
  static std::uint64_t hash(Key k) noexcept { return std::uint64_t{k} * 0x9E3779B97F4A7C15ull; }
};

struct V6 {
  using Key = Key128;
  static constexpr Family family = Family::v6;
  static constexpr unsigned kBits = 128;
  static Key key(const IpAddress& a) noexcept { return {load_be64(a.bytes.data()), load_be64(a.bytes.data() + 8)}; }
  static Key mask(unsigned length) noexcept {
    const auto half = [](unsigned bits) { return bits == 0 ? 0 : bits >= 64 ? ~0ull : ~0ull << (64 - bits); };
    return {half(std::min(length, 64u)), half(length > 64 ? length - 64 : 0)};
  }
  static Key apply(Key k, Key m) noexcept { return {k.high & m.high, k.low & m.low}; }
  static unsigned length(Key m) noexcept { return static_cast<unsigned>(std::popcount(m.high) + std::popcount(m.low)); }
  static unsigned first_byte(Key k) noexcept { return static_cast<unsigned>(k.high >> 56); }
  static std::uint64_t hash(Key k) noexcept {
    return (k.high ^ std::rotl(k.low * 0xC2B2AE3D27D4EB4Full, 29)) * 0x9E3779B97F4A7C15ull;
  }
};

struct PortRange {
  std::uint16_t first;
  std::uint16_t last;
};

// What a lookup needs to know about a candidate: everything, so that it never
// reads the Rule. 12 bytes. Every filter is a flag, so that the usual candidate
// (no filter, or none that this query refuses) is accepted with one mask test
// (matcher.cpp, Query).
struct Candidate {
  static constexpr std::uint8_t kWildcard = 1;   // from `*`: not for loopback
  static constexpr std::uint8_t kProgram = 2;    // the rule has a program filter: ask `applies`
  static constexpr std::uint8_t kTcp = 4;        // protocol = tcp
  static constexpr std::uint8_t kUdp = 8;        // protocol = udp
  static constexpr std::uint8_t kPorts = 16;     // port_count != 0: read the port ranges
  static constexpr std::uint8_t kLast = 32;      // the last of its prefix's candidates
  static constexpr std::uint8_t kProtocol = kTcp | kUdp;
  static constexpr std::uint8_t kFilters = kWildcard | kProgram | kProtocol | kPorts;
  static constexpr std::uint8_t kKnownFlags = kFilters | kLast;

  std::uint32_t rule;         // the rule's position in the rules the image was built from
  std::uint32_t port_first;   // into the port ranges
  std::uint16_t port_count;   // 0: any port
  std::uint8_t flags;
  std::uint8_t reserved;
};

// A slot's value: 0 empty; with kList set, the index of the prefix's first
// candidate (they run to one marked kLast); otherwise 1 + the index of its one
// rule, which has no filter (no candidate needed).
struct SlotValue {
  static constexpr std::uint32_t kEmpty = 0;
  static constexpr std::uint32_t kList = 0x80000000u;
  static constexpr std::uint32_t kMaxRule = kList - 2;   // the largest rule index a slot holds itself
};

template <class F>
struct Slot {
  typename F::Key key;
  std::uint32_t value;   // SlotValue
};

template <class F>
struct Table {
  typename F::Key mask;     // F::mask(length)
  std::uint64_t slots;      // offset of slot_mask + 1 Slot<F>
  std::uint32_t slot_mask;  // slot count - 1 (a power of two, at least 2)
  std::uint32_t probes;     // the most slots a lookup reads: every prefix is that close to its home
  std::uint8_t shift;       // home slot: the hash's top bits, 64 - log2(slot count)
  std::uint8_t length;
  std::uint8_t reserved[6];
};

struct FamilyHeader {
  // What every lookup of the family reads, first: the v4 lookup's fields share
  // the image's first cache line with the header's own (see Header).
  std::uint64_t tables;           // offset of table_count Table<F>
  std::uint64_t candidates;       // offset of candidate_count Candidate
  std::uint32_t table_count;
  std::uint32_t candidate_count;
  // A first filter, read before any table: bit b is set when some prefix of 8
  // bits or more starts with byte b. A destination starting with another byte
  // matches nothing, unless a prefix is shorter than a byte; it is turned away
  // without reading the tables (for a large file, pages of their own, each read
  // costing a page walk after a syscall). `*` is kept apart: it matches every
  // first byte but never loopback, so a loopback destination (a local DNS
  // resolver, the usual unmatched datagram) is turned away here too. Copied
  // out when the image is opened (Matcher), so no lookup reads it here.
  std::uint64_t first_bytes[4];
  std::uint8_t has_short_prefix;  // shorter than a byte, `*` excepted
  std::uint8_t has_wildcard;      // some `*`
  std::uint8_t reserved[6];
};

// What an IPv4 lookup reads of it (magic to v4's candidate_count) is in its
// first 48 bytes: one cache line. Its size is a whole number of lines, so the
// tables after it start a line (docs/compiled-table.md, "Layout").
struct Header {
  std::uint32_t magic;
  std::uint32_t format;
  std::uint64_t size;                             // the image's bytes
  std::uint32_t rule_count;                       // rules it was built from
  std::uint32_t reserved;
  FamilyHeader v4;
  FamilyHeader v6;
  // (Prefix, rule) pairs of both families without a program filter, in
  // candidates or held by slots, and of those and of the others how many have
  // a protocol filter (all in candidates): empty() and uses_protocol_filter()
  // read the `applies` bits only when these cannot say.
  std::uint32_t unfiltered_candidates;
  std::uint32_t unfiltered_protocol_candidates;
  std::uint32_t filtered_protocol_candidates;
  std::uint32_t port_range_count;
  std::uint64_t port_ranges;                      // offset of port_range_count PortRange
  std::uint8_t padding[16];
};

template <class T>
inline constexpr bool kPlain = std::is_trivially_copyable_v<T> && std::is_standard_layout_v<T> && alignof(T) <= kAlign;
static_assert(kPlain<Header> && kPlain<FamilyHeader> && kPlain<Candidate> && kPlain<PortRange>);
static_assert(kPlain<Table<V4>> && kPlain<Table<V6>> && kPlain<Slot<V4>> && kPlain<Slot<V6>>);
static_assert(sizeof(Candidate) == 12 && sizeof(Slot<V4>) == 8 && sizeof(Slot<V6>) == 24);
static_assert(sizeof(Table<V4>) == 32 && sizeof(Table<V6>) == 40);
static_assert(sizeof(FamilyHeader) == 64 && sizeof(Header) == 192 && sizeof(Header) % kLine == 0);
static_assert(offsetof(Header, v4) + offsetof(FamilyHeader, first_bytes) <= kLine, "the v4 lookup's fields in line 0");

template <class F>
const FamilyHeader& family_header(const Header& h) noexcept {
  if constexpr (F::family == Family::v4) return h.v4;
  else return h.v6;
}

template <class F>
FamilyHeader& family_header(Header& h) noexcept {
  if constexpr (F::family == Family::v4) return h.v4;
  else return h.v6;
}

// The T at `offset` of an image (checked by open(), or written by build_image()).
template <class T>
const T* at(const std::byte* image, std::uint64_t offset) noexcept {
  return reinterpret_cast<const T*>(image + offset);
}

// Whether `image` is an image of `rule_count` rules whose offsets, counts,
// tables, candidates and port ranges stay inside it, and whose lookups end
// (each table's probe limit is within its slots). Slots are not read: their
// values are checked where a lookup reads them. `applies_words`: the size of
// the caller's `applies` bitmap, which must cover every rule when some
// candidate has a program filter. Reads only inside `image`
// (matcher_image_check.cpp).
bool valid(std::span<const std::byte> image, std::size_t rule_count, std::size_t applies_words) noexcept;

constexpr std::uint64_t align_up(std::uint64_t bytes) noexcept {
  return (bytes + kAlign - 1) & ~std::uint64_t{kAlign - 1};
}

}  // namespace srcbind::image
