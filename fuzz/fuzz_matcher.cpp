// fuzz_matcher: random rule sets and destinations; every Matcher::find() must
// agree with the plain reading of SPEC in reference_matcher.hpp, and the rules'
// image opened elsewhere with the matcher.
#include "fuzz_input.hpp"
#include "reference_matcher.hpp"
#include "srcbind/matcher.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>

using namespace srcbind;
using namespace srcbind::fuzz;

namespace {

// What empty() and uses_protocol_filter() should say: is there a rule for this
// process with a pattern of a family it applies to (and a protocol filter)?
void check_summary(const Matcher& matcher, const MatcherCase& c) {
  bool any = false;
  bool protocol_filter = false;
  for (const Rule& rule : c.rules) {
    if (!reference::program_matches(rule, c.program_names)) continue;
    for (const auto& pattern : rule.destinations) {
      if (!reference::applies_to(rule, pattern.prefix.address.family)) continue;
      any = true;
      protocol_filter = protocol_filter || rule.protocol != Protocol::any;
    }
  }
  if (matcher.empty() == any) fail("Matcher::empty() = " + std::to_string(matcher.empty()));
  if (matcher.uses_protocol_filter() != protocol_filter) {
    fail("Matcher::uses_protocol_filter() = " + std::to_string(matcher.uses_protocol_filter()));
  }
}

// A destination inside the rule's first pattern: the pattern's own address (or
// one past the network for short prefixes), on the rule's first port.
RawDestination inside(const Rule& rule) {
  const Prefix& prefix = rule.destinations.front().prefix;
  RawDestination d;
  d.v6 = prefix.address.family == Family::v6;
  d.bytes = prefix.address.bytes;
  if (prefix.length < (d.v6 ? 128 : 32)) d.bytes[d.v6 ? 15 : 3] |= 1;
  d.port = rule.ports.empty() ? 80 : rule.ports.front().first;
  return d;
}

// The same rules' image (config/src/matcher_image.hpp), copied into a buffer of
// exactly its size and opened with this process's `applies` bits, decides as the
// matcher; with one byte of it changed, open() refuses it or its lookups stay in
// range (ASan watches the buffer's end).
void check_image(const Matcher& matcher, const MatcherCase& c, const std::uint8_t* data, std::size_t size) {
  const std::vector<std::byte> built = Matcher::build_image(c.rules);
  std::vector<std::uint64_t> applies((c.rules.size() + 63) / 64);
  for (std::size_t i = 0; i < c.rules.size(); ++i) {
    if (!c.rules[i].programs.empty() && reference::program_matches(c.rules[i], c.program_names)) {
      applies[i / 64] |= std::uint64_t{1} << (i % 64);
    }
  }
  const auto copy = std::make_unique<std::byte[]>(built.size());
  std::memcpy(copy.get(), built.data(), built.size());
  const std::span<const std::byte> image(copy.get(), built.size());
  const std::optional<Matcher> opened = Matcher::open(image, applies, c.rules.size());
  if (!opened) fail("Matcher::open() refused the image of build_image()");
  if (opened->empty() != matcher.empty() || opened->uses_protocol_filter() != matcher.uses_protocol_filter()) {
    fail("the opened image's empty() / uses_protocol_filter() differ from the matcher's");
  }
  for (const MatcherQuery& q : c.queries) {
    const Endpoint destination = to_endpoint(q.destination);
    const Rule* expected = matcher.find(destination, q.protocol);
    const std::uint32_t actual = opened->find_index(destination, q.protocol);
    if (actual != (expected == nullptr ? Matcher::kNoRule : static_cast<std::uint32_t>(expected - c.rules.data()))) {
      fail("the opened image's find_index(" + describe(q.destination) + ") = " + std::to_string(actual) +
           ", the matcher says " + describe(expected));
    }
  }
  if (size == 0) return;
  std::size_t at = 0;
  for (std::size_t i = 0; i < size; ++i) at = at * 31 + data[i];
  copy[at % built.size()] ^= static_cast<std::byte>(data[size - 1] | 1);
  const std::optional<Matcher> changed = Matcher::open(image, applies, c.rules.size());
  if (!changed) return;
  for (const MatcherQuery& q : c.queries) {
    const std::uint32_t index = changed->find_index(to_endpoint(q.destination), q.protocol);
    if (index != Matcher::kNoRule && index >= c.rules.size()) {
      fail("a changed image's lookup gave rule " + std::to_string(index));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const MatcherCase c = decode_matcher_case(data, size);
  const Matcher matcher(c.rules, c.program_names);
  check_summary(matcher, c);
  for (const MatcherQuery& q : c.queries) check_find(matcher, c.rules, c.program_names, q.destination, q.protocol);
  // Queries that hit something, whatever the input's queries are.
  for (const Rule& rule : c.rules) {
    if (rule.destinations.empty()) continue;
    const RawDestination d = inside(rule);
    check_find(matcher, c.rules, c.program_names, d, rule.protocol);
    if (!d.v6) check_find(matcher, c.rules, c.program_names, mapped_destination(d), Protocol::any);
  }
  check_image(matcher, c, data, size);
  return 0;
}
