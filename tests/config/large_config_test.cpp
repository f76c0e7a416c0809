// A generated 100,000-rule file loads without errors, and the indexed matcher
// agrees with a brute-force reading of the SPEC's matching rules.
#include "srcbind/matcher.hpp"
#include "srcbind/rule_table.hpp"

#include "rule_sets.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <random>

namespace srcbind {
namespace {

using test::fake_host;

constexpr int kRuleCount = 100'000;
constexpr int kSamples = 300;   // each costs a brute-force pass over every rule

// The SPEC's reference (rule_sets.hpp), as a rule.
const Rule* brute_force_find(const std::vector<Rule>& rules, std::span<const std::string> programs,
                             const Endpoint& destination, Protocol protocol) {
  const std::uint32_t index = test::brute_force_find(rules, programs, destination, protocol);
  return index == Matcher::kNoRule ? nullptr : &rules[index];
}

IpAddress random_v4(std::mt19937& random) {
  // Inside 10.0.0.0/12, so that prefixes overlap often.
  IpAddress a;
  const std::uint32_t bits = (10u << 24) | (random() & 0x000FFFFFu);
  for (int i = 0; i < 4; ++i) a.bytes[i] = static_cast<std::uint8_t>(bits >> (24 - 8 * i));
  return a;
}

IpAddress random_v6(std::mt19937& random) {
  // Inside 2001:db8::/44.
  IpAddress a;
  a.family = Family::v6;
  for (auto& b : a.bytes) b = static_cast<std::uint8_t>(random());
  a.bytes[0] = 0x20, a.bytes[1] = 0x01, a.bytes[2] = 0x0d, a.bytes[3] = 0xb8, a.bytes[4] = 0;
  a.bytes[5] &= 0x0f;
  return a;
}

Prefix network(const IpAddress& address, unsigned length) {
  const auto parsed = parse_prefix(address.to_string() + "/" + std::to_string(length));
  return parsed.prefix ? *parsed.prefix : parsed.network;
}

std::string generate_rules(std::mt19937& random) {
  std::string text = "[srcbind]\non_error = continue\n";
  text.reserve(8 << 20);
  for (int i = 0; i < kRuleCount; ++i) {
    text += i % 2 ? "[rule]\n" : "[rule r" + std::to_string(i) + "]\n";
    const bool v6 = random() % 10 == 0;
    static constexpr unsigned kV4Lengths[] = {32, 32, 32, 32, 32, 24, 24, 24, 20, 16, 12};
    static constexpr unsigned kV6Lengths[] = {128, 64, 64, 56, 48};
    const Prefix p = v6 ? network(random_v6(random), kV6Lengths[random() % 5])
                        : network(random_v4(random), kV4Lengths[random() % 11]);
    text += "destination = " + p.to_string() + "\n";
    if (random() % 10 == 0) {
      const unsigned first = 1 + random() % 1000;
      text += "port = " + std::to_string(first) + "-" + std::to_string(first + random() % 100) + ", 443\n";
    }
    if (const unsigned r = random() % 20; r < 2) text += r == 0 ? "protocol = tcp\n" : "protocol = udp\n";
    if (const unsigned r = random() % 20; r < 2) text += r == 0 ? "program = ftp, curl\n" : "program = wget\n";
    if (random() % 20 == 0) {
      text += "interface = eth0\n";
    } else {
      text += v6 ? "source = 2001:db8:2::12\n" : "source = 198.51.100.12\n";
    }
  }
  return text;
}

TEST(ConfigAtScale, HundredThousandRulesLoadAndMatchLikeTheBruteForceReference) {
  std::mt19937 random(2024);
  const test::TempDir dir;
  const std::string path = dir.write("large.ini", generate_rules(random));
  const RuleTable table = load_config_file(path, fake_host());
  ASSERT_TRUE(table.diagnostics.empty()) << table.diagnostics[0].to_string();
  ASSERT_EQ(table.rules.size(), static_cast<std::size_t>(kRuleCount));

  const std::vector<std::string> programs{"curl"};
  const Matcher matcher(table.rules, programs);
  int matched = 0;
  for (int sample = 0; sample < kSamples; ++sample) {
    Endpoint destination;
    if (sample % 3 != 0) {   // near a rule: its prefix with random host bits
      const Rule& rule = table.rules[random() % table.rules.size()];
      const Prefix& p = rule.destinations[0].prefix;
      destination.address = p.address.family == Family::v4 ? random_v4(random) : random_v6(random);
      for (unsigned bit = 0; bit < p.length; ++bit) {
        const auto mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
        destination.address.bytes[bit / 8] = static_cast<std::uint8_t>(
            (destination.address.bytes[bit / 8] & ~mask) | (p.address.bytes[bit / 8] & mask));
      }
    } else {
      destination.address = random() % 2 ? random_v4(random) : random_v6(random);
    }
    static constexpr std::uint16_t kPorts[] = {21, 80, 443, 500, 1000};
    destination.port = kPorts[random() % 5];
    const Protocol protocol = static_cast<Protocol>(random() % 3);

    const Rule* expected = brute_force_find(table.rules, programs, destination, protocol);
    const Rule* actual = matcher.find(destination, protocol);
    ASSERT_EQ(actual, expected) << destination.address.to_string() << " port " << destination.port << " "
                                << to_string(protocol) << ": expected "
                                << (expected ? expected->label() + " line " + std::to_string(expected->line) : "none")
                                << ", got " << (actual ? actual->label() + " line " + std::to_string(actual->line) : "none");
    if (actual != nullptr) ++matched;
  }
  EXPECT_GT(matched, kSamples / 2);   // the sample exercises matches, not only misses
}

}  // namespace
}  // namespace srcbind
