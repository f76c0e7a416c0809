// The Matcher's lookup in an image (matcher_image.hpp): per family, one hash
// table per distinct prefix length, probed longest first. A slot maps a masked
// prefix to its one unfiltered rule, or to its candidate rules, in file order,
// in one flat array. A lookup costs one probe per distinct length, whatever
// the number of rules, and reads nothing but the image and the `applies` bits.
#include "srcbind/matcher.hpp"

#include "matcher_image.hpp"
#include "matcher_image_build.hpp"
#include "prefault.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <utility>

namespace srcbind {
namespace {

using image::Candidate;
using image::FamilyHeader;
using image::Header;
using image::Slot;
using image::Table;
using image::V4;
using image::V6;

// What a moved-from matcher looks up in: no tables, a first-byte filter that
// turns every destination away.
constexpr Header empty_header() noexcept {
  Header h{};
  h.magic = image::kMagic;
  h.format = image::kFormat;
  h.size = sizeof(Header);
  return h;
}
constexpr Header kEmptyImage = empty_header();

const Header& header_of(const std::byte* image) noexcept { return *image::at<Header>(image, 0); }

bool bit(const std::uint64_t* bits, std::uint32_t i) noexcept { return ((bits[i >> 6] >> (i & 63)) & 1) != 0; }

// The flags that refuse a candidate by the query's protocol: the other one's
// filter. A conditional, not a table: a table is one more cache line a lookup
// reads.
constexpr std::uint8_t refused_by_protocol(Protocol protocol) noexcept {
  return protocol == Protocol::tcp ? Candidate::kUdp : protocol == Protocol::udp ? Candidate::kTcp : 0;
}

// One lookup's question, and where its answers are.
struct Query {
  const std::byte* image;
  const std::uint64_t* applies;
  std::uint16_t port;
  std::uint8_t refused;   // flags that refuse a candidate outright: `*` for loopback, a protocol
  std::uint8_t checked;   // refused, and the filters to look into

  Query(const std::byte* image, const std::uint64_t* applies, std::uint16_t port, bool loopback,
        Protocol protocol) noexcept
      : image(image), applies(applies), port(port),
        refused(static_cast<std::uint8_t>((loopback ? Candidate::kWildcard : 0) |
                                          refused_by_protocol(protocol))),
        checked(static_cast<std::uint8_t>(refused | Candidate::kPorts | Candidate::kProgram)) {}

  bool in_ports(const Candidate& c) const noexcept {
    const Header& header = header_of(image);
    const image::PortRange* range = image::at<image::PortRange>(image, header.port_ranges) + c.port_first;
    for (const image::PortRange* end = range + c.port_count; range != end; ++range) {
      if (range->first <= port && port <= range->last) return true;
    }
    return false;
  }

  bool accepts(const Candidate& c) const noexcept {
    if ((c.flags & checked) == 0) return true;   // the usual candidate: one test
    return (c.flags & refused) == 0 && ((c.flags & Candidate::kPorts) == 0 || in_ports(c)) &&
           ((c.flags & Candidate::kProgram) == 0 || bit(applies, c.rule));
  }
};

// The value of `prefix`'s slot, or SlotValue::kEmpty. Reads at most
// table.probes slots, which open() checked are in the table.
template <class F>
std::uint32_t probe(const std::byte* image, const Table<F>& table, typename F::Key prefix) noexcept {
  const Slot<F>* slots = image::at<Slot<F>>(image, table.slots);
  std::uint64_t i = F::hash(prefix) >> table.shift;
  for (std::uint32_t left = table.probes; left != 0; --left, i = (i + 1) & table.slot_mask) {
    const Slot<F>& slot = slots[i];
    if (slot.key == prefix) return slot.value;
    if (slot.value == image::SlotValue::kEmpty) break;
  }
  return image::SlotValue::kEmpty;
}

// The first of a prefix's candidates (from the slot's `value`) that the query
// accepts, or Matcher::kNoRule. Out of line, in the lookup's section: the usual
// lookup (a slot holding its one rule) runs none of it, nor builds the query.
template <class F>
[[gnu::noinline, gnu::section("srcbind_lookup_text")]] std::uint32_t first_accepted(
    const std::byte* image, const std::uint64_t* applies, std::uint32_t value, std::uint16_t port, bool loopback,
    Protocol protocol) noexcept {
  const FamilyHeader& family = image::family_header<F>(header_of(image));
  const Candidate* const candidates = image::at<Candidate>(image, family.candidates);
  const Query query(image, applies, port, loopback, protocol);
  for (std::uint32_t c = value & ~image::SlotValue::kList; c < family.candidate_count; ++c) {
    if (query.accepts(candidates[c])) return candidates[c].rule;
    if ((candidates[c].flags & Candidate::kLast) != 0) break;
  }
  return Matcher::kNoRule;
}

// The winning rule in one family, or Matcher::kNoRule; `length`, when asked
// for, gets the length of its prefix. The caller has asked the family's
// first-byte filter (Matcher::FirstByteFilter) already. A slot's value is
// checked here, where it is read (open() does not read the slots): a rule index
// past the rules, or candidates past the family's, count as no match.
template <class F>
[[gnu::always_inline]] inline std::uint32_t family_lookup(const std::byte* image, const std::uint64_t* applies,
                                                          typename F::Key key, std::uint16_t port, bool loopback,
                                                          Protocol protocol, unsigned* length = nullptr) noexcept {
  const Header& header = header_of(image);
  const FamilyHeader& family = image::family_header<F>(header);
  const Table<F>* table = image::at<Table<F>>(image, family.tables);
  const Table<F>* const end = table + family.table_count;
  for (; table != end; ++table) {
    const std::uint32_t value = probe(image, *table, F::apply(key, table->mask));
    std::uint32_t rule = Matcher::kNoRule;
    if ((value & image::SlotValue::kList) == 0) {
      if (value - 1 < header.rule_count) rule = value - 1;   // kEmpty wraps past it
    } else {   // filters, or `*`
      rule = first_accepted<F>(image, applies, value, port, loopback, protocol);
    }
    if (rule == Matcher::kNoRule) continue;
    if (length != nullptr) *length = F::length(table->mask);
    return rule;
  }
  return Matcher::kNoRule;
}

template <class F>
[[gnu::always_inline]] inline std::uint32_t family_lookup(const std::byte* image, const std::uint64_t* applies,
                                                          const Endpoint& destination, Protocol protocol,
                                                          unsigned* length = nullptr) noexcept {
  return family_lookup<F>(image, applies, F::key(destination.address), destination.port,
                          destination.address.is_loopback(), protocol, length);
}

template <class F>
const Candidate* candidates_of(const std::byte* image) noexcept {
  const FamilyHeader& family = image::family_header<F>(header_of(image));
  return image::at<Candidate>(image, family.candidates);
}

template <Family family>
using Traits = std::conditional_t<family == Family::v4, V4, V6>;

bool has_program_filter(std::span<const Rule> rules) noexcept {
  return std::any_of(rules.begin(), rules.end(), [](const Rule& rule) { return !rule.programs.empty(); });
}

}  // namespace

void Matcher::ipv4_first_bytes(std::uint64_t (&bits)[4]) const noexcept {
  for (unsigned byte = 0; byte < 256; ++byte) {
    if (may_match(Family::v4, byte, byte == 127)) bits[byte >> 6] |= std::uint64_t{1} << (byte & 63);
  }
}

std::vector<std::byte> Matcher::build_image(std::span<const Rule> rules) {
  const image::Builder builder(rules);
  std::vector<std::byte> bytes;
  bytes.reserve(builder.size());   // operator new: aligned for any fundamental type, 8 included
  detail::prefault(bytes.data(), builder.size());
  bytes.resize(builder.size());    // zeroed: empty slots and padding
  builder.write(bytes.data());
  return bytes;
}

std::optional<Matcher> Matcher::open(std::span<const std::byte> image, std::span<const std::uint64_t> applies,
                                     std::size_t rule_count) noexcept {
  if (!image::valid(image, rule_count, applies.size())) return std::nullopt;
  Matcher matcher;
  matcher.image_ = image.data();
  matcher.applies_ = applies.data();
  matcher.summarize();
  return matcher;
}

Matcher::Matcher() noexcept : image_(reinterpret_cast<const std::byte*>(&kEmptyImage)) {}

Matcher::Matcher(std::span<const Rule> rules, std::span<const std::string> program_names,
                 std::pmr::memory_resource* memory)
    : Matcher() {
  const image::Builder builder(rules);
  // A process has one name: the program filters are resolved here, once.
  const std::size_t words = has_program_filter(rules) ? (rules.size() + 63) / 64 : 0;
  const std::size_t bytes = builder.size() + words * sizeof(std::uint64_t);
  auto* block = static_cast<std::byte*>(memory->allocate(bytes, image::kAlign));
  detail::prefault(block, bytes);
  std::memset(block, 0, bytes);
  builder.write(block);
  auto* applies = reinterpret_cast<std::uint64_t*>(block + builder.size());
  for (std::size_t i = 0; words != 0 && i < rules.size(); ++i) {
    if (!rules[i].programs.empty() && rules[i].matches_program(program_names)) {
      applies[i >> 6] |= std::uint64_t{1} << (i & 63);
    }
  }
  image_ = block;
  applies_ = words != 0 ? applies : nullptr;
  rules_ = rules.data();
  memory_ = memory;
  owned_bytes_ = bytes;
  summarize();
}

Matcher::~Matcher() { release(); }

Matcher::Matcher(Matcher&& other) noexcept : Matcher() { take(other); }

Matcher& Matcher::operator=(Matcher&& other) noexcept {
  if (this != &other) {
    release();
    take(other);
  }
  return *this;
}

void Matcher::take(Matcher& other) noexcept {
  image_ = std::exchange(other.image_, reinterpret_cast<const std::byte*>(&kEmptyImage));
  applies_ = std::exchange(other.applies_, nullptr);
  rules_ = std::exchange(other.rules_, nullptr);
  memory_ = std::exchange(other.memory_, nullptr);
  owned_bytes_ = std::exchange(other.owned_bytes_, 0);
  std::copy(std::begin(other.filters_), std::end(other.filters_), std::begin(filters_));
  std::fill(std::begin(other.filters_), std::end(other.filters_), FirstByteFilter{});
  empty_ = std::exchange(other.empty_, true);
  uses_protocol_filter_ = std::exchange(other.uses_protocol_filter_, false);
}

void Matcher::release() noexcept {
  if (memory_ != nullptr) memory_->deallocate(const_cast<std::byte*>(image_), owned_bytes_, image::kAlign);
  image_ = reinterpret_cast<const std::byte*>(&kEmptyImage);
  applies_ = nullptr;
  rules_ = nullptr;
  memory_ = nullptr;
  owned_bytes_ = 0;
  std::fill(std::begin(filters_), std::end(filters_), FirstByteFilter{});
  empty_ = true;
  uses_protocol_filter_ = false;
}

// The header's counts answer both questions unless the candidates that could
// decide them all have program filters: only then are those read with `applies`.
void Matcher::summarize() noexcept {
  const Header& header = header_of(image_);
  const auto filter_of = [](const FamilyHeader& family) {
    FirstByteFilter filter;
    std::copy(std::begin(family.first_bytes), std::end(family.first_bytes), std::begin(filter.bytes));
    filter.any_byte = family.has_short_prefix != 0;
    filter.wildcard = family.has_wildcard != 0;
    return filter;
  };
  filters_[0] = filter_of(header.v4);
  filters_[1] = filter_of(header.v6);
  empty_ = header.unfiltered_candidates == 0;
  uses_protocol_filter_ = header.unfiltered_protocol_candidates != 0;
  const std::uint64_t total = std::uint64_t{header.v4.candidate_count} + header.v6.candidate_count;
  const bool scan_empty = empty_ && total > header.unfiltered_candidates;
  const bool scan_protocol = !uses_protocol_filter_ && header.filtered_protocol_candidates != 0;
  if (!scan_empty && !scan_protocol) return;
  // True once both are known.
  const auto scan = [this, scan_protocol](const Candidate* c, std::uint32_t count) {
    for (const Candidate* const end = c + count; c != end; ++c) {
      if ((c->flags & Candidate::kProgram) == 0 || !bit(applies_, c->rule)) continue;
      empty_ = false;
      uses_protocol_filter_ = uses_protocol_filter_ || (c->flags & Candidate::kProtocol) != 0;
      if (uses_protocol_filter_ || !scan_protocol) return true;
    }
    return false;
  };
  if (!scan(candidates_of<V4>(image_), header.v4.candidate_count)) {
    scan(candidates_of<V6>(image_), header.v6.candidate_count);
  }
}

// One function per family, out of line (matcher.hpp): the lookup's cost is a
// call, as when find() was itself the function.
template <Family family>
[[gnu::noinline, gnu::hot]] std::uint32_t Matcher::find_index_in(const Endpoint& destination,
                                                                 Protocol protocol, unsigned* length) const noexcept {
  if (!may_match(destination)) return kNoRule;
  return family_lookup<Traits<family>>(image_, applies_, destination, protocol, length);
}

// In the section libsrcbind.so's linker script puts on the page of its rule
// lookup (preload/hot_text.ld); other programs keep it with their code.
[[gnu::noinline, gnu::hot, gnu::section("srcbind_lookup_text")]] std::uint32_t Matcher::find_index_v4(
    std::uint32_t address, std::uint16_t port, Protocol protocol) const noexcept {
  return family_lookup<V4>(image_, applies_, address, port, (address >> 24) == 127, protocol);
}

template <Family family>
[[gnu::noinline, gnu::hot]] const Rule* Matcher::find_in(const Endpoint& destination,
                                                         Protocol protocol) const noexcept {
  if (!may_match(destination)) return nullptr;
  const std::uint32_t winner = family_lookup<Traits<family>>(image_, applies_, destination, protocol);
  return winner == kNoRule || rules_ == nullptr ? nullptr : rules_ + winner;
}

template std::uint32_t Matcher::find_index_in<Family::v4>(const Endpoint&, Protocol, unsigned*) const noexcept;
template std::uint32_t Matcher::find_index_in<Family::v6>(const Endpoint&, Protocol, unsigned*) const noexcept;
template const Rule* Matcher::find_in<Family::v4>(const Endpoint&, Protocol) const noexcept;
template const Rule* Matcher::find_in<Family::v6>(const Endpoint&, Protocol) const noexcept;

}  // namespace srcbind
