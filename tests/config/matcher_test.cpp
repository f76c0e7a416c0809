// The matching rules of the SPEC: filters, longest prefix, first written, `*` and
// loopback, families.
#include "srcbind/matcher.hpp"

#include "test_support.hpp"

#include <gmock/gmock.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <initializer_list>
#include <memory_resource>
#include <string_view>
#include <utility>

namespace srcbind::test {
namespace {

// A parsed file and its matcher, for one program name.
class Rules {
 public:
  explicit Rules(std::string_view text, std::vector<std::string> programs = {"curl"})
      : table_(parse(text)), programs_(std::move(programs)), matcher_(table_.rules, programs_) {
    EXPECT_TRUE(table_.ok()) << (table_.diagnostics.empty() ? "" : table_.diagnostics[0].to_string());
  }

  // The label of the rule that wins, or "none".
  std::string match(std::string_view address, std::uint16_t port = 80, Protocol protocol = Protocol::any) const {
    return match(endpoint(address, port), protocol);
  }
  std::string match(const Endpoint& destination, Protocol protocol = Protocol::any) const {
    const Rule* rule = matcher_.find(destination, protocol);
    return rule == nullptr ? "none" : rule->label();
  }
  // For each {destination, label}: the label of the rule that wins at port 80, any protocol.
  void expect_winners(std::initializer_list<std::pair<std::string_view, std::string_view>> winners) const {
    for (const auto& [destination, label] : winners) EXPECT_EQ(match(destination), label) << "to " << destination;
  }
  const Matcher& matcher() const { return matcher_; }

 private:
  RuleTable table_;
  std::vector<std::string> programs_;
  Matcher matcher_;
};

TEST(Matcher, LongestPrefixWinsOverEarlierShorterRule) {
  const Rules rules(
      "[rule wide]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n"
      "[rule narrow]\ndestination = 203.0.113.64/26\nsource = 198.51.100.12\n");
  rules.expect_winners({{"203.0.113.70", "narrow"}, {"203.0.113.10", "wide"}, {"203.0.114.1", "none"}});
}

TEST(Matcher, TieGoesToTheRuleWrittenFirst) {
  const Rules rules(
      "[rule first]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n"
      "[rule second]\ndestination = 203.0.113.0/24\nsource = 198.51.100.110\n");
  EXPECT_EQ(rules.match("203.0.113.1"), "first");
}

TEST(Matcher, AShorterPrefixWinsWhenTheLongerOnesFiltersDoNotMatch) {
  const Rules rules(
      "[rule web]\ndestination = 203.0.113.10\nport = 80, 443\nsource = 198.51.100.12\n"
      "[rule rest]\ndestination = 203.0.113.0/24\nsource = 198.51.100.110\n");
  EXPECT_EQ(rules.match("203.0.113.10", 443), "web");
  EXPECT_EQ(rules.match("203.0.113.10", 22), "rest");
}

TEST(Matcher, PortRangesIncludeBothEdges) {
  const Rules rules("[rule r]\ndestination = *\nport = 1, 1000-2000, 65535\nsource = 198.51.100.12\n");
  for (std::uint16_t port : {1, 1000, 1500, 2000, 65535}) EXPECT_EQ(rules.match("203.0.113.1", port), "r") << port;
  for (std::uint16_t port : {0, 2, 999, 2001, 65534}) EXPECT_EQ(rules.match("203.0.113.1", port), "none") << port;
}

TEST(Matcher, ProtocolFilterIsIgnoredWhenTheProtocolIsNotKnown) {
  const Rules rules(
      "[rule tcp]\ndestination = *\nprotocol = tcp\nsource = 198.51.100.12\n"
      "[rule udp]\ndestination = *\nprotocol = udp\nsource = 198.51.100.110\n");
  EXPECT_EQ(rules.match("203.0.113.1", 53, Protocol::udp), "udp");
  EXPECT_EQ(rules.match("203.0.113.1", 53, Protocol::tcp), "tcp");
  EXPECT_EQ(rules.match("203.0.113.1", 53, Protocol::any), "tcp");
  EXPECT_TRUE(rules.matcher().uses_protocol_filter());
}

TEST(Matcher, NoProtocolFilterIsReported) {
  const Rules rules("[rule any]\ndestination = *\nprotocol = any\nsource = 198.51.100.12\n");
  EXPECT_FALSE(rules.matcher().uses_protocol_filter());
  EXPECT_EQ(rules.match("203.0.113.1", 53, Protocol::udp), "any");
}

TEST(Matcher, ProgramFilterIsAppliedWhenTheMatcherIsBuilt) {
  const std::string text =
      "[rule ftp]\ndestination = *\nprogram = ftp, lftp\nsource = 198.51.100.12\n"
      "[rule all]\ndestination = *\nsource = 198.51.100.110\n";
  EXPECT_EQ(Rules(text, {"lftp"}).match("203.0.113.1"), "ftp");
  EXPECT_EQ(Rules(text, {"python3", "lftp"}).match("203.0.113.1"), "ftp");
  EXPECT_EQ(Rules(text, {"curl"}).match("203.0.113.1"), "all");
  EXPECT_EQ(Rules(text, {}).match("203.0.113.1"), "all");
  EXPECT_TRUE(Rules("[rule ftp]\ndestination = *\nprogram = ftp\nsource = 198.51.100.12\n", {"curl"}).matcher().empty());
}

TEST(Matcher, PrefixesOfLengthZeroAnd32And128) {
  const Rules rules(
      "[rule v4all]\ndestination = 0.0.0.0/0\nsource = 198.51.100.12\n"
      "[rule v4host]\ndestination = 203.0.113.10/32\nsource = 198.51.100.12\n"
      "[rule v6all]\ndestination = ::/0\nsource = 2001:db8:2::12\n"
      "[rule v6host]\ndestination = 2001:db8::5/128\nsource = 2001:db8:2::12\n");
  // 127.0.0.1: an explicit /0 is not `*`, loopback included.
  rules.expect_winners({{"203.0.113.10", "v4host"}, {"203.0.113.11", "v4all"}, {"2001:db8::5", "v6host"},
                        {"2001:db8::6", "v6all"}, {"127.0.0.1", "v4all"}});
}

TEST(Matcher, StarNeverMatchesLoopback) {
  const Rules rules("[rule any]\ndestination = *\nsource = 198.51.100.12, 2001:db8:2::12\n");
  rules.expect_winners({{"203.0.113.1", "any"}, {"2001:db8::1", "any"}, {"127.0.0.1", "none"}, {"127.1.2.3", "none"},
                        {"::1", "none"}, {"::ffff:127.0.0.1", "none"}});
}

TEST(Matcher, LoopbackListedExplicitlyMatches) {
  const Rules rules(
      "[rule any]\ndestination = *\nsource = 198.51.100.12\n"
      "[rule local]\ndestination = 127.0.0.0/8, ::1\ninterface = lo\n");
  rules.expect_winners({{"127.0.0.1", "local"}, {"::1", "local"}, {"203.0.113.1", "any"}});
}

// The first-byte filter turns loopback away when only `*` could match it, and
// still finds a short explicit prefix that contains loopback.
TEST(Matcher, LoopbackIsTurnedAwayOnlyWhenNoExplicitPrefixCoversIt) {
  const Rules star_and_networks(
      "[rule any]\ndestination = *\nsource = 198.51.100.12\n"
      "[rule ten]\ndestination = 10.0.0.0/8\nsource = 198.51.100.13\n");
  star_and_networks.expect_winners({{"127.0.0.1", "none"}, {"10.1.2.3", "ten"}, {"203.0.113.1", "any"}});
  const Rules star_and_short_prefix(
      "[rule any]\ndestination = *\nsource = 198.51.100.12\n"
      "[rule quarter]\ndestination = 64.0.0.0/2\nsource = 198.51.100.13\n");
  EXPECT_EQ(star_and_short_prefix.match("127.0.0.1"), "quarter");
  EXPECT_EQ(star_and_short_prefix.match("203.0.113.1"), "any");
}

// may_match() is that filter alone, which the library asks before the lookup;
// a moved-from matcher turns everything away.
TEST(Matcher, MayMatchTurnsAwayWhatTheFilterDoesAndNothingElse) {
  const RuleTable table = parse(
      "[rule any]\ndestination = *\nsource = 198.51.100.12\n"
      "[rule ten]\ndestination = 10.0.0.0/8\nsource = 198.51.100.13\n"
      "[rule v6]\ndestination = 2001:db8::/32\nsource = 2001:db8::12\n");
  ASSERT_TRUE(table.ok());
  Matcher matcher(table.rules, {});
  for (const char* let_through : {"10.1.2.3", "203.0.113.1", "::ffff:10.1.2.3", "2001:db8::1", "20ff::1"}) {
    EXPECT_TRUE(matcher.may_match(endpoint(let_through))) << let_through;
  }
  for (const char* turned_away : {"127.0.0.1", "::ffff:127.0.0.1", "::1", "2100::1", "4000::1"}) {
    EXPECT_FALSE(matcher.may_match(endpoint(turned_away))) << turned_away;
  }
  const Matcher moved = std::move(matcher);
  EXPECT_TRUE(moved.may_match(endpoint("10.1.2.3")));
  EXPECT_FALSE(matcher.may_match(endpoint("10.1.2.3")));   // NOLINT(bugprone-use-after-move): moved from on purpose
  EXPECT_FALSE(matcher.may_match(endpoint("2001:db8::1")));
}

// The library's fast paths read the IPv4 filter as 256 bits and look up with
// find_index_v4(): both must say what may_match() and find_index() say, for
// every first byte, filters of every kind included.
TEST(Matcher, TheIpv4ViewsOfTheFilterAndTheLookupAgreeWithTheGeneralOnes) {
  const RuleTable table = parse(
      "[rule any]\ndestination = *\nsource = 198.51.100.12\n"
      "[rule ten]\ndestination = 10.0.0.0/8\nsource = 198.51.100.13\n"
      "[rule web]\ndestination = 10.1.0.0/16\nport = 80,443\nsource = 198.51.100.14\n"
      "[rule dns]\ndestination = 10.1.2.0/24\nprotocol = udp\nsource = 198.51.100.15\n"
      "[rule host]\ndestination = 127.0.0.5\nsource = 127.0.0.2\n"
      "[rule quarter]\ndestination = 192.0.0.0/3\nprogram = other\nsource = 198.51.100.16\n"
      "[rule v6]\ndestination = 2001:db8::/32\nsource = 2001:db8::12\n");
  ASSERT_TRUE(table.ok());
  const std::vector<std::string> programs{"curl"};
  const Matcher matcher(table.rules, programs);
  std::uint64_t bits[4] = {};
  matcher.ipv4_first_bytes(bits);
  int let_through = 0;
  for (unsigned byte = 0; byte < 256; ++byte) {
    const bool bit = ((bits[byte >> 6] >> (byte & 63)) & 1) != 0;
    EXPECT_EQ(bit, matcher.may_match(Family::v4, byte, byte == 127)) << byte;
    let_through += bit;
  }
  EXPECT_EQ(let_through, 256);   // `*` lets every byte through, and `host` the loopback one
  for (const char* address : {"10.1.2.3", "10.1.9.9", "10.2.0.1", "127.0.0.5", "127.0.0.6", "203.0.113.1",
                              "200.0.0.1", "0.0.0.1"}) {
    for (const std::uint16_t port : {53, 80, 8080}) {
      for (const Protocol protocol : {Protocol::any, Protocol::tcp, Protocol::udp}) {
        const Endpoint destination = endpoint(address, port);
        in_addr network_order{};
        ASSERT_EQ(inet_pton(AF_INET, address, &network_order), 1);
        EXPECT_EQ(matcher.find_index_v4(ntohl(network_order.s_addr), port, protocol),
                  matcher.find_index(destination, protocol))
            << address << " port " << port << " protocol " << static_cast<int>(protocol);
      }
    }
  }
}

TEST(Matcher, StarTogetherWithAnExplicitSlashZeroInOneRuleMatchesLoopback) {
  const Rules rules("[rule both]\ndestination = *, 0.0.0.0/0\nsource = 198.51.100.12\n");
  EXPECT_EQ(rules.match("127.0.0.1"), "both");
  EXPECT_EQ(rules.match("::1"), "none");   // no source and no interface for IPv6
}

TEST(Matcher, MappedDestinationMatchesAnIpv4Rule) {
  const Rules rules("[rule v4]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n");
  Endpoint mapped = endpoint("::ffff:203.0.113.10");
  mapped.mapped = true;
  EXPECT_EQ(rules.match(mapped), "v4");
  EXPECT_EQ(rules.match("2001:db8::1"), "none");
}

TEST(Matcher, RuleWithoutASourceOfTheDestinationsFamilyDoesNotMatchIt) {
  const Rules rules("[rule v4only]\ndestination = *\nsource = 198.51.100.12\n");
  EXPECT_EQ(rules.match("203.0.113.1"), "v4only");
  EXPECT_EQ(rules.match("2001:db8::1"), "none");
}

TEST(Matcher, InterfaceOnlyRuleAppliesToBothFamilies) {
  const Rules rules("[rule dev]\ndestination = *\ninterface = eth0\n");
  EXPECT_EQ(rules.match("203.0.113.1"), "dev");
  EXPECT_EQ(rules.match("2001:db8::1"), "dev");
}

TEST(Matcher, Ipv4SourceAndInterfaceRuleAppliesToIpv6WithTheInterfaceOnly) {
  const Rules rules("[rule both]\ndestination = *\nsource = 198.51.100.110\ninterface = eth0\n");
  EXPECT_EQ(rules.match("2001:db8::1"), "both");
  const Rule* rule = rules.matcher().find(endpoint("2001:db8::1"), Protocol::any);
  ASSERT_NE(rule, nullptr);
  EXPECT_FALSE(rule->source_for(Family::v6));
  EXPECT_EQ(rule->interface, "eth0");
}

TEST(Matcher, FamilyWithoutSourceFallsThroughToAShorterRuleThatHasOne) {
  const Rules rules(
      "[rule v4only]\ndestination = 2001:db8::/32, 203.0.113.0/24\nsource = 198.51.100.12\n"
      "[rule v6]\ndestination = ::/0\nsource = 2001:db8:2::12\n");
  EXPECT_EQ(rules.match("2001:db8::1"), "v6");
}

TEST(Matcher, EmptyMatcherMatchesNothing) {
  const std::vector<Rule> none;
  const Matcher matcher(none, {});
  EXPECT_TRUE(matcher.empty());
  EXPECT_FALSE(matcher.uses_protocol_filter());
  EXPECT_EQ(matcher.find(endpoint("203.0.113.1"), Protocol::tcp), nullptr);
  EXPECT_EQ(matcher.find(endpoint("2001:db8::1"), Protocol::tcp), nullptr);
}

TEST(Matcher, QuickRuleLosesToEveryFileRule) {
  RuleTable table = parse("[rule file]\ndestination = 0.0.0.0/0\nsource = 198.51.100.110\n");
  std::vector<Diagnostic> diagnostics;
  table.rules.push_back(*quick_mode_rule("198.51.100.12", "", fake_host(), diagnostics));
  const std::vector<std::string> programs{"curl"};
  const Matcher matcher(table.rules, programs);
  EXPECT_EQ(matcher.find(endpoint("203.0.113.1"), Protocol::any)->label(), "file");
}

TEST(Matcher, ManyLengthsInBothFamilies) {
  std::string text;
  for (int length = 0; length <= 32; ++length) {
    // 203.0.113.255 masked to `length` bits, written as the network address.
    const std::uint32_t host = 0xCB0071FFu;
    const std::uint32_t network = length == 0 ? 0 : host & (~0u << (32 - length));
    text += "[rule v4-" + std::to_string(length) + "]\ndestination = " + std::to_string(network >> 24) + "." +
            std::to_string((network >> 16) & 255) + "." + std::to_string((network >> 8) & 255) + "." +
            std::to_string(network & 255) + "/" + std::to_string(length) + "\nsource = 198.51.100.12\n";
  }
  for (int length : {0, 16, 32, 48, 63, 64, 65, 96, 127, 128}) {
    const auto parsed = parse_prefix("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff/" + std::to_string(length));
    const Prefix p = parsed.prefix ? *parsed.prefix : parsed.network;
    text += "[rule v6-" + std::to_string(length) + "]\ndestination = " + p.to_string() +
            "\nsource = 2001:db8:2::12\n";
  }
  const Rules rules(text);
  rules.expect_winners({{"203.0.113.255", "v4-32"}, {"203.0.113.254", "v4-31"}, {"203.0.113.127", "v4-24"},
                        {"203.0.112.1", "v4-23"}, {"75.0.0.1", "v4-0"},
                        {"2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", "v6-128"},
                        {"2001:db8:aaaa:bbbb:cccc:dddd:eeee:fffe", "v6-127"},
                        {"2001:db8:aaaa:bbbb:cccc:dddd:0:1", "v6-96"}, {"2001:db8:aaaa:bbbb::", "v6-64"},
                        {"2001:db8:aaaa:bbbb:cccc::", "v6-65"}, {"2001:db8:aaaa:bbba::", "v6-63"},
                        {"2001:db8:1::", "v6-32"}, {"2001::", "v6-16"}, {"3000::", "v6-0"}});
}

// The lookup first turns away destinations by their first byte (matcher.cpp):
// a prefix shorter than a byte covers several first bytes.
TEST(Matcher, PrefixesShorterThanAByteMatchEveryFirstByteTheyCover) {
  const Rules rules(
      "[rule v4]\ndestination = 198.0.0.0/7\nsource = 198.51.100.12\n"
      "[rule v6]\ndestination = 2000::/3\nsource = 2001:db8::12\n");
  rules.expect_winners({{"198.0.0.1", "v4"}, {"199.255.0.1", "v4"}, {"200.0.0.1", "none"}, {"197.255.255.255", "none"},
                        {"2001:db8::1", "v6"}, {"3fff::1", "v6"}, {"4000::1", "none"}});
}

TEST(Matcher, FirstBytesOfLongPrefixesAreEachLetThrough) {
  const Rules rules(
      "[rule a]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n"
      "[rule b]\ndestination = 63.0.0.0/8\nsource = 198.51.100.12\n"
      "[rule c]\ndestination = 64.1.0.0/16\nsource = 198.51.100.12\n"
      "[rule d]\ndestination = 2001:db8::/32\nsource = 2001:db8::12\n");
  // 63.255.0.1: bit 63 and bit 0 of the next word.
  rules.expect_winners({{"203.0.113.9", "a"}, {"63.255.0.1", "b"}, {"64.1.2.3", "c"}, {"64.2.2.3", "none"},
                        {"127.0.0.1", "none"}, {"2001:db8:5::1", "d"}, {"2002:db8::1", "none"}});
}

// A memory resource that counts what is outstanding.
class CountingMemory : public std::pmr::memory_resource {
 public:
  std::size_t outstanding = 0;
  std::size_t allocations = 0;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    outstanding += bytes;
    ++allocations;
    return std::pmr::new_delete_resource()->allocate(bytes, alignment);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
    outstanding -= bytes;
    std::pmr::new_delete_resource()->deallocate(p, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
};

// The preload library gives the matcher a buffer in its hot data page: all of the
// index must come from the memory it is given, and go back to it.
TEST(Matcher, IndexComesFromTheMemoryItIsGivenAndGoesBackToIt) {
  const RuleTable table = parse(
      "[rule a]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n"
      "[rule b]\ndestination = 2001:db8::/32\nsource = 2001:db8::12\n");
  const std::vector<std::string> programs{"curl"};
  CountingMemory memory;
  {
    const Matcher matcher(table.rules, programs, &memory);
    // One block: the image (config/src/matcher_image.hpp), then the `applies` bits.
    EXPECT_EQ(memory.allocations, 1u);
    EXPECT_EQ(memory.outstanding, Matcher::build_image(table.rules).size());   // no program filter: no bits
    EXPECT_EQ(matcher.find(endpoint("203.0.113.7"), Protocol::any)->label(), "a");
    EXPECT_EQ(matcher.find(endpoint("2001:db8::7"), Protocol::any)->label(), "b");
  }
  EXPECT_EQ(memory.outstanding, 0u);
}

}  // namespace
}  // namespace srcbind::test
