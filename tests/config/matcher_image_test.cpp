// The matcher's position-independent image (config/src/matcher_image.hpp): built
// once for every program, copied to another address, opened with the `applies`
// bits of one process, it decides as the matcher built for that process and as
// the SPEC's sentence read literally; an image truncated or corrupted is refused
// by open() or looked up without a read outside it (the ASan build checks that:
// every image here sits in a buffer of exactly its size).
#include "srcbind/matcher.hpp"
#include "srcbind/rule_table.hpp"

#include "matcher_image.hpp"
#include "rule_sets.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>
#include <memory>
#include <random>

namespace srcbind::test {
namespace {

// An image copied into a buffer of its own, of exactly its size: at another
// address than where it was built, and with nothing after it to read by mistake.
class ImageCopy {
 public:
  explicit ImageCopy(std::span<const std::byte> image, std::size_t size = SIZE_MAX)
      : size_(std::min(size, image.size())), bytes_(new std::byte[size_ == 0 ? 1 : size_]) {
    std::memcpy(bytes_.get(), image.data(), size_);
  }
  std::span<const std::byte> bytes() const { return {bytes_.get(), size_}; }
  std::byte* data() { return bytes_.get(); }

 private:
  std::size_t size_;
  std::unique_ptr<std::byte[]> bytes_;
};

// Bit i set when rule i has a program filter naming one of `names`; exactly as
// many words as the rules need.
std::vector<std::uint64_t> applies_for(std::span<const Rule> rules, std::span<const std::string> names) {
  std::vector<std::uint64_t> bits((rules.size() + 63) / 64);
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (!rules[i].programs.empty() && rules[i].matches_program(names)) bits[i / 64] |= std::uint64_t{1} << (i % 64);
  }
  return bits;
}

std::uint32_t index_of(std::span<const Rule> rules, const Rule* rule) {
  return rule == nullptr ? Matcher::kNoRule : static_cast<std::uint32_t>(rule - rules.data());
}

// The SPEC's sentence, literally: among rules whose filters all match, the longest
// matching prefix wins; ties go to the rule written first.

std::string describe(std::span<const Rule> rules, std::uint32_t index) {
  if (index == Matcher::kNoRule) return "none";
  if (index >= rules.size()) return "out of range " + std::to_string(index);
  return rules[index].label() + " (line " + std::to_string(rules[index].line) + ")";
}

// Random rule sets built to collide, as in kernel_rule_compiler_test.cpp: nested
// prefixes in a small space, `*`, loopback, ports, protocols, programs.

std::string random_prefix(std::mt19937& random) {
  if (random() % 10 == 0) return "*";
  const bool v6 = random() % 3 == 0;
  const IpAddress a = v6 ? small_v6(random) : small_v4(random);
  const unsigned length =
      v6 ? (random() % 8 == 0 ? random() % 4 : 120 + random() % 9)
         : (random() % 8 == 0 ? random() % 8 : random() % 5 == 0 ? 8 + random() % 8 : 24 + random() % 9);
  const auto parsed = parse_prefix(a.to_string() + "/" + std::to_string(length));
  return (parsed.prefix ? *parsed.prefix : parsed.network).to_string();
}

std::string random_rules(std::mt19937& random, int count) {
  return test::random_rules(random, count, random_prefix);
}

// As the library decodes it: an IPv4 address sent to an AF_INET6 socket.
Endpoint mapped(const IpAddress& v4, std::uint16_t port) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(port);
  sa.sin6_addr.s6_addr[10] = 0xff;
  sa.sin6_addr.s6_addr[11] = 0xff;
  std::memcpy(&sa.sin6_addr.s6_addr[12], v4.bytes.data(), 4);
  Endpoint e;
  EXPECT_TRUE(Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&sa), sizeof sa, e));
  EXPECT_TRUE(e.mapped && e.address.family == Family::v4);
  return e;
}

Endpoint random_destination(std::mt19937& random) {
  static constexpr std::uint16_t kPorts[] = {20, 21, 22, 23, 80, 440, 445, 450, 451};
  const std::uint16_t port = kPorts[random() % 9];
  switch (random() % 5) {
    case 0: return mapped(small_v4(random), port);
    case 1:
    case 2: return {small_v4(random), port};
    default: return {small_v6(random), port};
  }
}

const std::string kPrograms[] = {"ftp", "curl", "wget", "other"};

TEST(MatcherImage, RandomRuleSetsDecideLikeTheMatcherAndTheSpec) {
  std::mt19937 random(23);
  int matched = 0, compared = 0, filtered_matches = 0;
  for (int set = 0; set < 300; ++set) {
    const RuleTable table = parse(random_rules(random, 1 + static_cast<int>(random() % 12)));
    ASSERT_TRUE(table.ok()) << messages(table)[0];
    const std::vector<std::byte> built = Matcher::build_image(table.rules);
    const ImageCopy image(built);
    ASSERT_NE(image.bytes().data(), built.data());
    for (const std::string& program : kPrograms) {
      const std::vector<std::string> names{program};
      const Matcher matcher(table.rules, names);
      const std::vector<std::uint64_t> applies = applies_for(table.rules, names);
      const std::optional<Matcher> opened = Matcher::open(image.bytes(), applies, table.rules.size());
      ASSERT_TRUE(opened) << "set " << set;
      EXPECT_EQ(opened->empty(), matcher.empty()) << "set " << set << " program " << program;
      EXPECT_EQ(opened->uses_protocol_filter(), matcher.uses_protocol_filter()) << "set " << set;
      for (int sample = 0; sample < 40; ++sample) {
        const Endpoint destination = random_destination(random);
        const Protocol protocol = static_cast<Protocol>(random() % 3);
        const std::uint32_t expected = brute_force_find(table.rules, names, destination, protocol);
        const std::uint32_t from_rules = index_of(table.rules, matcher.find(destination, protocol));
        const std::uint32_t from_image = opened->find_index(destination, protocol);
        ASSERT_EQ(from_rules, expected) << "set " << set << ", " << destination.address.to_string() << " port "
                                        << destination.port << " " << to_string(protocol) << " program " << program
                                        << ": SPEC " << describe(table.rules, expected) << ", matcher "
                                        << describe(table.rules, from_rules);
        ASSERT_EQ(from_image, expected) << "set " << set << ", " << destination.address.to_string() << " port "
                                        << destination.port << " " << to_string(protocol) << " program " << program
                                        << ": SPEC " << describe(table.rules, expected) << ", image "
                                        << describe(table.rules, from_image);
        EXPECT_EQ(matcher.find_index(destination, protocol), expected);
        EXPECT_EQ(opened->find(destination, protocol), nullptr);   // no rules to point into
        // The library asks the first-byte filter alone before the lookup
        // (preload/runtime.hpp): it must let every match through.
        if (expected != Matcher::kNoRule) {
          EXPECT_TRUE(matcher.may_match(destination)) << "set " << set << ", " << destination.address.to_string();
          EXPECT_TRUE(opened->may_match(destination)) << "set " << set << ", " << destination.address.to_string();
        }
        ++compared;
        matched += expected != Matcher::kNoRule;
        filtered_matches += expected != Matcher::kNoRule && !table.rules[expected].programs.empty();
      }
    }
  }
  EXPECT_GT(matched, compared / 4);   // the samples exercise matches, not only misses
  EXPECT_LT(matched, compared);       // and misses
  EXPECT_GT(filtered_matches, compared / 50);   // and rules with a program filter
}

TEST(MatcherImage, HundredThousandRulesDecideLikeTheMatcher) {
  std::mt19937 random(2024);
  const TempDir dir;
  const RuleTable table = load_config_file(dir.write("large.ini", hundred_thousand_rules(random)), fake_host());
  ASSERT_TRUE(table.ok());
  const ImageCopy image(Matcher::build_image(table.rules));
  int matched = 0;
  for (const std::string& program : {std::string("curl"), std::string("wget")}) {
    const std::vector<std::string> names{program};
    const Matcher matcher(table.rules, names);
    const std::vector<std::uint64_t> applies = applies_for(table.rules, names);
    const std::optional<Matcher> opened = Matcher::open(image.bytes(), applies, table.rules.size());
    ASSERT_TRUE(opened);
    EXPECT_FALSE(opened->empty());
    EXPECT_TRUE(opened->uses_protocol_filter());
    for (int sample = 0; sample < 2000; ++sample) {
      Endpoint destination;
      const Rule& near = table.rules[random() % table.rules.size()];
      destination.address = near.destinations[0].prefix.address;
      const std::size_t last = destination.address.family == Family::v4 ? 3 : 15;
      destination.address.bytes[last] ^= static_cast<std::uint8_t>(random() % 4);
      static constexpr std::uint16_t kPorts[] = {21, 80, 443, 500, 1000};
      destination.port = kPorts[random() % 5];
      const Protocol protocol = static_cast<Protocol>(random() % 3);
      const std::uint32_t expected = index_of(table.rules, matcher.find(destination, protocol));
      ASSERT_EQ(opened->find_index(destination, protocol), expected)
          << destination.address.to_string() << " port " << destination.port << " program " << program;
      if (sample % 50 == 0) {   // a pass over every rule: the reference for a few
        ASSERT_EQ(brute_force_find(table.rules, names, destination, protocol), expected)
            << destination.address.to_string() << " port " << destination.port << " program " << program;
      }
      matched += expected != Matcher::kNoRule;
    }
  }
  EXPECT_GT(matched, 2000);
}

TEST(MatcherImage, TheImageIsTheSameWhereverAndWhateverItIsBuiltFor) {
  std::mt19937 random(5);
  const RuleTable table = parse(random_rules(random, 40));
  const std::vector<std::byte> first = Matcher::build_image(table.rules);
  EXPECT_EQ(Matcher::build_image(table.rules), first);
  EXPECT_EQ(first.size() % 8, 0u);
  const std::vector<Rule> copy = table.rules;   // other addresses, same rules
  EXPECT_EQ(Matcher::build_image(copy), first);
}

// A small image with every section: both families, ports, protocols, programs, `*`.
RuleTable small_table() {
  return parse(
      "[rule ftp]\ndestination = 203.0.113.0/24, 2001:db8::/32\nport = 21, 1000-2000\nprogram = ftp\n"
      "source = 198.51.100.12, 2001:db8:2::12\n"
      "[rule dns]\ndestination = *\nport = 53\nprotocol = udp\nsource = 198.51.100.12, 2001:db8:2::12\n"
      "[rule lo]\ndestination = 127.0.0.0/8, 0.0.0.0/0\ninterface = eth0\n"
      "[rule host]\ndestination = 203.0.113.7\nprotocol = tcp\nsource = 198.51.100.110\n");
}

TEST(MatcherImage, EveryTruncationIsRefused) {
  const RuleTable table = small_table();
  const std::vector<std::byte> built = Matcher::build_image(table.rules);
  const std::vector<std::uint64_t> applies = applies_for(table.rules, std::vector<std::string>{"ftp"});
  ASSERT_TRUE(Matcher::open(ImageCopy(built).bytes(), applies, table.rules.size()));
  for (std::size_t size = 0; size < built.size(); ++size) {
    const ImageCopy truncated(built, size);
    EXPECT_FALSE(Matcher::open(truncated.bytes(), applies, table.rules.size())) << size << " of " << built.size();
  }
  std::vector<std::byte> longer = built;
  longer.resize(built.size() + 8);
  EXPECT_FALSE(Matcher::open(ImageCopy(longer).bytes(), applies, table.rules.size())) << "not its exact size";
}

TEST(MatcherImage, OpenRefusesAMisalignedImageAWrongRuleCountOrMissingBits) {
  const RuleTable table = small_table();
  const std::vector<std::byte> built = Matcher::build_image(table.rules);
  const std::vector<std::uint64_t> applies(1);
  std::vector<std::uint64_t> storage(built.size() / 8 + 1);
  auto* shifted = reinterpret_cast<std::byte*>(storage.data()) + 4;
  std::memcpy(shifted, built.data(), built.size());
  EXPECT_FALSE(Matcher::open({shifted, built.size()}, applies, table.rules.size()));
  EXPECT_FALSE(Matcher::open(built, applies, table.rules.size() + 1));
  EXPECT_FALSE(Matcher::open(built, applies, table.rules.size() - 1));
  EXPECT_FALSE(Matcher::open(built, {}, table.rules.size())) << "rule ftp has a program filter";
  EXPECT_TRUE(Matcher::open(built, applies, table.rules.size()));

  // Without program filters, no bits are read, and none need be given.
  const RuleTable unfiltered = parse("[rule a]\ndestination = *\nsource = 198.51.100.12\n");
  EXPECT_TRUE(Matcher::open(Matcher::build_image(unfiltered.rules), {}, 1));
}

// Looks up destinations around every prefix of the table (and a few others) in
// whatever open() accepted: the answers may be wrong, but must be a rule or none.
int look_up_everywhere(const Matcher& matcher, std::span<const Rule> rules, std::mt19937& random) {
  int found = 0;
  const auto check = [&](const Endpoint& destination) {
    for (const Protocol protocol : {Protocol::any, Protocol::tcp, Protocol::udp}) {
      const std::uint32_t index = matcher.find_index(destination, protocol);
      EXPECT_TRUE(index == Matcher::kNoRule || index < rules.size()) << index;
      found += index != Matcher::kNoRule;
    }
  };
  for (const Rule& rule : rules) {
    for (const auto& pattern : rule.destinations) {
      Endpoint destination{pattern.prefix.address, rule.ports.empty() ? std::uint16_t{80} : rule.ports[0].first};
      check(destination);
      destination.address.bytes[destination.address.family == Family::v4 ? 3 : 15] ^= 1;
      check(destination);
    }
  }
  for (int i = 0; i < 8; ++i) check(random_destination(random));
  check(endpoint("127.0.0.1", 53));
  check(endpoint("::1", 53));
  return found;
}

TEST(MatcherImage, CorruptedImagesAreRefusedOrLookedUpInBounds) {
  std::mt19937 random(99);
  std::vector<RuleTable> tables;
  tables.push_back(small_table());
  tables.push_back(parse(random_rules(random, 6)));
  tables.push_back(parse(random_rules(random, 30)));
  int opened = 0, refused = 0;
  for (const RuleTable& table : tables) {
    ASSERT_TRUE(table.ok());
    const std::vector<std::byte> built = Matcher::build_image(table.rules);
    for (const std::string& program : kPrograms) {
      const std::vector<std::uint64_t> applies = applies_for(table.rules, std::vector<std::string>{program});
      for (int iteration = 0; iteration < 3000; ++iteration) {
        ImageCopy image(built);
        for (unsigned flips = 1 + random() % 4; flips > 0; --flips) {
          std::byte& b = image.data()[random() % built.size()];
          b = random() % 2 ? static_cast<std::byte>(random()) : b ^ static_cast<std::byte>(1u << (random() % 8));
        }
        const std::optional<Matcher> matcher = Matcher::open(image.bytes(), applies, table.rules.size());
        if (!matcher) {
          ++refused;
          continue;
        }
        ++opened;
        (void)matcher->empty();
        look_up_everywhere(*matcher, table.rules, random);
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
  RecordProperty("opened", opened);
  RecordProperty("refused", refused);
  EXPECT_GT(opened, 1000);    // most flips land in keys, bits and padding: looked up
  EXPECT_GT(refused, 1000);   // and the others are caught
}

// The fields a lookup trusts, each made wrong in turn: open() says no.
class CorruptedField : public ::testing::Test {
 protected:
  CorruptedField() : table_(small_table()), built_(Matcher::build_image(table_.rules)), image_(built_) {}
  image::Header& header() { return *reinterpret_cast<image::Header*>(image_.data()); }
  template <class T>
  T* at(std::uint64_t offset) { return reinterpret_cast<T*>(image_.data() + offset); }
  image::Table<image::V4>& v4_table(std::size_t i) { return at<image::Table<image::V4>>(header().v4.tables)[i]; }
  image::Slot<image::V4>* v4_slots(std::size_t table) { return at<image::Slot<image::V4>>(v4_table(table).slots); }
  image::Candidate& v4_candidate(std::size_t i) { return at<image::Candidate>(header().v4.candidates)[i]; }
  bool opens() {
    const std::vector<std::uint64_t> applies(1, ~std::uint64_t{0});
    return Matcher::open(image_.bytes(), applies, table_.rules.size()).has_value();
  }

  RuleTable table_;
  std::vector<std::byte> built_;
  ImageCopy image_;
};

TEST_F(CorruptedField, NoneIsAcceptedAsItIs) { EXPECT_TRUE(opens()); }
TEST_F(CorruptedField, Magic) {
  header().magic ^= 0x01000000;
  EXPECT_FALSE(opens());
}
TEST_F(CorruptedField, Format) {
  header().format += 1;
  EXPECT_FALSE(opens());
}
TEST_F(CorruptedField, TablesOffsetPastTheEnd) {
  header().v4.tables = header().size;
  EXPECT_FALSE(opens());
}
TEST_F(CorruptedField, TableCount) {
  header().v6.table_count += 1000;
  EXPECT_FALSE(opens());
}
TEST_F(CorruptedField, CandidateCount) {
  header().v4.candidate_count = 0xFFFFFFFF;
  EXPECT_FALSE(opens());
}
TEST_F(CorruptedField, SlotCountNotAPowerOfTwo) {
  v4_table(0).slot_mask = 2;
  EXPECT_FALSE(opens());
}
TEST_F(CorruptedField, ShiftThatWouldHomeOutsideTheSlots) {
  v4_table(0).shift -= 1;
  EXPECT_FALSE(opens());
}
TEST_F(CorruptedField, ProbeLimitPastTheSlots) {
  v4_table(0).probes = v4_table(0).slot_mask + 2;
  EXPECT_FALSE(opens());
}

// open() does not read the slots (matcher_image_check.cpp): what they say is
// checked where a lookup reads it, and a wrong one is no rule, or a rule.
class CorruptedSlots : public CorruptedField {
 protected:
  // Every slot of every v4 table made `value`, with a key from the rules'.
  void fill_v4(std::uint32_t value, bool keep_empty) {
    for (std::size_t t = 0; t < header().v4.table_count; ++t) {
      image::Slot<image::V4>* slots = v4_slots(t);
      for (std::uint32_t s = 0; s <= v4_table(t).slot_mask; ++s) {
        if (keep_empty && slots[s].value == image::SlotValue::kEmpty) continue;
        slots[s] = {slots[s].value == image::SlotValue::kEmpty ? (v4_table(t).mask & 0xCB007100u) : slots[s].key, value};
      }
      v4_table(t).probes = v4_table(t).slot_mask + 1;
    }
  }
  int found() {
    const std::vector<std::uint64_t> applies(1, ~std::uint64_t{0});
    const std::optional<Matcher> matcher = Matcher::open(image_.bytes(), applies, table_.rules.size());
    EXPECT_TRUE(matcher.has_value());
    if (!matcher) return -1;
    std::mt19937 random(7);
    return look_up_everywhere(*matcher, table_.rules, random);
  }
};

TEST_F(CorruptedSlots, NoEmptySlotEndsAProbeAtItsLimit) {
  fill_v4(1, false);   // every slot rule 0, no empty one
  EXPECT_GT(found(), 0);
}
TEST_F(CorruptedSlots, RuleIndexPastTheRules) {
  fill_v4(static_cast<std::uint32_t>(table_.rules.size()) + 1, true);
  found();
}
TEST_F(CorruptedSlots, CandidatesPastTheEnd) {
  fill_v4(image::SlotValue::kList | header().v4.candidate_count, true);
  found();
}
TEST_F(CorruptedSlots, TheLastCandidateUnmarked) {
  for (std::uint32_t i = 0; i < header().v4.candidate_count; ++i) v4_candidate(i).flags &= ~image::Candidate::kLast;
  fill_v4(image::SlotValue::kList | 0, true);
  found();
}
TEST_F(CorruptedField, RuleIndex) {
  v4_candidate(0).rule = static_cast<std::uint32_t>(table_.rules.size());
  EXPECT_FALSE(opens());
}
TEST_F(CorruptedField, PortRange) {
  for (std::uint32_t i = 0; i < header().v4.candidate_count; ++i) {
    if (v4_candidate(i).port_count == 0) continue;
    v4_candidate(i).port_count = static_cast<std::uint16_t>(header().port_range_count + 1);
  }
  EXPECT_FALSE(opens());
}
TEST_F(CorruptedField, PortsFlagWithoutPorts) {
  for (std::uint32_t i = 0; i < header().v4.candidate_count; ++i) {
    if (v4_candidate(i).port_count == 0) v4_candidate(i).flags |= image::Candidate::kPorts;
  }
  EXPECT_FALSE(opens());
}
TEST_F(CorruptedField, BothProtocols) {
  v4_candidate(0).flags |= image::Candidate::kProtocol;
  EXPECT_FALSE(opens());
}
TEST_F(CorruptedField, PortRangesOffset) {
  header().port_ranges += 4;   // misaligned
  EXPECT_FALSE(opens());
}
TEST_F(CorruptedField, TablesNotLongestFirst) {
  std::swap(v4_table(0), v4_table(1));
  EXPECT_FALSE(opens());
}
TEST_F(CorruptedField, CandidateCountsInTheHeader) {
  header().filtered_protocol_candidates += 1;
  EXPECT_FALSE(opens());
}

TEST(MatcherImage, EmptyOnlyWhenNoRuleAppliesToTheProcess) {
  const auto empty_for = [](std::string_view text, std::vector<std::string> names) {
    const RuleTable table = parse(text);
    EXPECT_TRUE(table.ok()) << messages(table)[0];
    const std::vector<std::byte> image = Matcher::build_image(table.rules);
    const std::vector<std::uint64_t> applies = applies_for(table.rules, names);
    const std::optional<Matcher> opened = Matcher::open(image, applies, table.rules.size());
    EXPECT_TRUE(opened);
    const Matcher built(table.rules, names);
    EXPECT_EQ(built.empty(), opened->empty()) << text;
    return opened->empty();
  };
  EXPECT_TRUE(empty_for("", {"curl"}));
  EXPECT_FALSE(empty_for("[rule a]\ndestination = *\nsource = 198.51.100.12\n", {"curl"}));
  const std::string ftp_only = "[rule a]\ndestination = *\nprogram = ftp\nsource = 198.51.100.12\n";
  EXPECT_TRUE(empty_for(ftp_only, {"curl"}));
  EXPECT_FALSE(empty_for(ftp_only, {"curl", "ftp"}));
  // A rule whose only pattern is of a family it has no source for is not indexed.
  EXPECT_TRUE(empty_for("[rule a]\ndestination = 2001:db8::/32\nsource = 198.51.100.12\n", {"curl"}));
  // Many rules for other programs, one for this one, last.
  std::string many;
  for (int i = 0; i < 200; ++i) {
    many += "[rule]\ndestination = 10.0." + std::to_string(i) + ".0/24\nprogram = ftp\nsource = 198.51.100.12\n";
  }
  EXPECT_TRUE(empty_for(many, {"curl"}));
  const std::string last = "[rule]\ndestination = 10.1.0.0/16\nprogram = curl\nsource = 198.51.100.12\n";
  EXPECT_FALSE(empty_for(many + last, {"curl"}));
}

TEST(MatcherImage, ProtocolFiltersCountOnlyForRulesThatApply) {
  const std::string text =
      "[rule a]\ndestination = *\nsource = 198.51.100.12\n"
      "[rule b]\ndestination = 10.0.0.0/8\nprotocol = udp\nprogram = ftp\nsource = 198.51.100.12\n";
  const RuleTable table = parse(text);
  const std::vector<std::byte> image = Matcher::build_image(table.rules);
  for (const auto& [program, uses] : {std::pair{"curl", false}, std::pair{"ftp", true}}) {
    const std::vector<std::string> names{program};
    const std::vector<std::uint64_t> applies = applies_for(table.rules, names);
    EXPECT_EQ(Matcher::open(image, applies, table.rules.size())->uses_protocol_filter(), uses) << program;
    EXPECT_EQ(Matcher(table.rules, names).uses_protocol_filter(), uses) << program;
  }
}

TEST(MatcherImage, AMovedMatcherKeepsItsImageAndTheOneMovedFromMatchesNothing) {
  const RuleTable table = small_table();
  const std::vector<std::string> names{"ftp"};
  Matcher first(table.rules, names);
  Matcher second(std::move(first));
  EXPECT_EQ(second.find(endpoint("203.0.113.9", 21), Protocol::tcp), &table.rules[0]);
  EXPECT_EQ(first.find_index(endpoint("203.0.113.9", 21), Protocol::tcp), Matcher::kNoRule);
  EXPECT_TRUE(first.empty());
  const std::vector<std::byte> image = Matcher::build_image(table.rules);
  const std::vector<std::uint64_t> applies = applies_for(table.rules, names);
  first = *Matcher::open(image, applies, table.rules.size());
  EXPECT_EQ(first.find_index(endpoint("203.0.113.9", 21), Protocol::tcp), 0u);
  second = std::move(first);
  EXPECT_EQ(second.find_index(endpoint("2001:db8::9", 1500), Protocol::udp), 0u);
  EXPECT_EQ(second.find(endpoint("2001:db8::9", 1500), Protocol::udp), nullptr);   // opened: no rules
}

// A candidate counts its rule's port ranges in 16 bits: a rule with more has
// them merged, and still matches the same ports.
TEST(MatcherImage, ARuleWithMoreThan65535PortRangesMatchesTheSamePorts) {
  std::vector<Rule> rules(1);
  rules[0].destinations.push_back({*Prefix::parse("203.0.113.0/24"), false});
  rules[0].source_v4 = ip("198.51.100.12");
  for (int i = 0; i < 70'000; ++i) {
    const auto port = static_cast<std::uint16_t>(2 * (i % 500) + 1);   // odd ports below 1,000, repeated
    rules[0].ports.push_back({port, port});
  }
  rules[0].ports.push_back({50'000, 50'010});
  rules[0].ports.push_back({50'005, 50'020});
  std::vector<bool> listed(65536);
  for (const PortRange& range : rules[0].ports) {
    for (unsigned port = range.first; port <= range.last; ++port) listed[port] = true;
  }
  const std::vector<std::string> names{"curl"};
  const Matcher matcher(rules, names);
  for (unsigned port = 0; port <= 65535; ++port) {
    const Endpoint destination = endpoint("203.0.113.1", static_cast<std::uint16_t>(port));
    ASSERT_EQ(matcher.find(destination, Protocol::tcp) != nullptr, listed[port]) << port;
  }
}

// The usual rule (a destination and a source, nothing else) needs no
// candidate: its slot holds it (matcher_image.hpp, SlotValue). A prefix with a
// filter, or with more than one rule, keeps its candidates.
TEST(MatcherImage, ASlotHoldsItsOneUnfilteredRule) {
  const RuleTable table = parse(
      "[rule net]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n"
      "[rule host]\ndestination = 203.0.113.7\nsource = 198.51.100.110\n"
      "[rule ftp]\ndestination = 198.51.100.0/24\nport = 21\nsource = 198.51.100.12\n"
      "[rule first]\ndestination = 198.51.100.128/25\nsource = 198.51.100.12\n"
      "[rule second]\ndestination = 198.51.100.128/25\nsource = 198.51.100.110\n");
  ASSERT_TRUE(table.ok());
  const ImageCopy image(Matcher::build_image(table.rules));
  const auto& header = *reinterpret_cast<const image::Header*>(image.bytes().data());
  EXPECT_EQ(header.v4.candidate_count, 3u) << "ftp's port filter, and the /25's two rules";
  EXPECT_EQ(header.unfiltered_candidates, 5u);
  const std::optional<Matcher> opened = Matcher::open(image.bytes(), {}, table.rules.size());
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->find_index(endpoint("203.0.113.7", 80), Protocol::any), 1u);
  EXPECT_EQ(opened->find_index(endpoint("203.0.113.8", 80), Protocol::any), 0u);
  EXPECT_EQ(opened->find_index(endpoint("198.51.100.1", 21), Protocol::any), 2u);
  EXPECT_EQ(opened->find_index(endpoint("198.51.100.1", 22), Protocol::any), Matcher::kNoRule);
  EXPECT_EQ(opened->find_index(endpoint("198.51.100.200", 22), Protocol::any), 3u) << "the first written";
}

// A large file of such rules: about 16 bytes a rule (8-byte slots, at most 3/4
// full, rounded up to a power of two), where a candidate per rule made ~50.
TEST(MatcherImage, UnfilteredRulesTakeASlotEachAndNoMore) {
  std::string text;
  for (int i = 0; i < 30000; ++i) {
    text += "[rule customer-" + std::to_string(i) + "]\ndestination = 10." + std::to_string(i >> 8) + "." +
            std::to_string(i & 255) + (i % 3 == 0 ? ".0/24" : ".1") + "\nsource = 198.51.100.12\n";
  }
  const RuleTable table = parse(text);
  ASSERT_TRUE(table.ok());
  const std::vector<std::byte> built = Matcher::build_image(table.rules);
  const auto& header = *reinterpret_cast<const image::Header*>(built.data());
  EXPECT_EQ(header.v4.candidate_count, 0u);
  RecordProperty("bytes_per_rule", static_cast<int>(built.size() / table.rules.size()));
  EXPECT_LE(built.size(), 24 * table.rules.size());
  const ImageCopy image(built);
  const std::optional<Matcher> opened = Matcher::open(image.bytes(), {}, table.rules.size());
  ASSERT_TRUE(opened);
  for (std::uint32_t i = 0; i < table.rules.size(); i += 7) {
    const std::string address = "10." + std::to_string(i >> 8) + "." + std::to_string(i & 255) + ".1";
    ASSERT_EQ(opened->find_index(endpoint(address, 80), Protocol::any), i) << address;
  }
}

// The preload library keeps a small configuration's index in a 2 KiB buffer of
// its hot data page (preload/runtime.hpp): a few rules' image must stay small.
TEST(MatcherImage, AFewRulesMakeASmallImage) {
  const RuleTable table = parse(
      "[rule ftp]\ndestination = 203.0.113.0/24\nport = 20-21\nsource = 198.51.100.12\n"
      "[rule host]\ndestination = 203.0.113.7\nsource = 198.51.100.110\n"
      "[rule rest]\ndestination = *\nsource = 198.51.100.12, 2001:db8:2::12\n");
  const std::size_t size = Matcher::build_image(table.rules).size();
  RecordProperty("image_bytes", static_cast<int>(size));
  EXPECT_LE(size, 512u);
}

}  // namespace
}  // namespace srcbind::test
