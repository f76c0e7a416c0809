// SRCBIND_SOURCE / SRCBIND_INTERFACE: one `destination = *` rule (SPEC "Environment").
#include "srcbind/rule_table.hpp"

#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace srcbind::test {
namespace {

using ::testing::ElementsAre;

struct Quick {
  std::optional<Rule> rule;
  std::vector<Diagnostic> diagnostics;
};

Quick quick(std::string_view sources, std::string_view interface = "") {
  Quick q;
  q.rule = quick_mode_rule(sources, interface, fake_host(), q.diagnostics);
  return q;
}

// The messages of a setting that must give no rule at all.
std::vector<std::string> refusal(std::string_view sources, std::string_view interface = "") {
  const Quick q = quick(sources, interface);
  EXPECT_FALSE(q.rule) << "a rule for SRCBIND_SOURCE=\"" << sources << "\" SRCBIND_INTERFACE=\"" << interface << '"';
  return messages(q.diagnostics);
}

TEST(QuickMode, OneIpv4SourceIsARuleForEveryDestinationButLoopback) {
  const Quick q = quick("198.51.100.12");
  EXPECT_THAT(messages(q.diagnostics), ElementsAre());
  ASSERT_TRUE(q.rule);
  EXPECT_EQ(q.rule->source_v4, ip("198.51.100.12"));
  EXPECT_FALSE(q.rule->source_v6);
  EXPECT_EQ(q.rule->file, "SRCBIND_SOURCE");
  EXPECT_EQ(q.rule->label(), "SRCBIND_SOURCE");
  EXPECT_EQ(q.rule->line, 0u);
  ASSERT_EQ(q.rule->destinations.size(), 2u);
  EXPECT_TRUE(q.rule->destinations[0].wildcard);
  EXPECT_TRUE(q.rule->destinations[1].wildcard);
  EXPECT_TRUE(q.rule->ports.empty());
  EXPECT_EQ(q.rule->protocol, Protocol::any);
}

TEST(QuickMode, LoopbackSourceAppliesToLoopbackDestinationsOnly) {
  const Quick q = quick("127.0.0.2");
  EXPECT_THAT(messages(q.diagnostics), ElementsAre());
  ASSERT_TRUE(q.rule);
  ASSERT_EQ(q.rule->destinations.size(), 2u);
  EXPECT_FALSE(q.rule->destinations[0].wildcard);
  EXPECT_EQ(q.rule->destinations[0].prefix.to_string(), "127.0.0.0/8");
  // The IPv6 half has no source: it stays `*` and applies to nothing.
  EXPECT_TRUE(q.rule->destinations[1].wildcard);
}

TEST(QuickMode, LoopbackAndRealSourcesEachKeepTheirOwnDestinations) {
  const Quick q = quick("127.0.0.2, 2001:db8:2::12");
  ASSERT_TRUE(q.rule);
  ASSERT_EQ(q.rule->destinations.size(), 2u);
  EXPECT_EQ(q.rule->destinations[0].prefix.to_string(), "127.0.0.0/8");
  EXPECT_TRUE(q.rule->destinations[1].wildcard);
  EXPECT_EQ(q.rule->destinations[1].prefix.to_string(), "::/0");
}

TEST(QuickMode, OneIpv6Source) {
  const Quick q = quick("2001:db8:2::12");
  ASSERT_TRUE(q.rule);
  EXPECT_FALSE(q.rule->source_v4);
  EXPECT_EQ(q.rule->source_v6, ip("2001:db8:2::12"));
}

TEST(QuickMode, OneSourceOfEachFamily) {
  const Quick q = quick(" 198.51.100.12 , 2001:db8:2::12 ");
  EXPECT_THAT(messages(q.diagnostics), ElementsAre());
  ASSERT_TRUE(q.rule);
  EXPECT_EQ(q.rule->source_v4, ip("198.51.100.12"));
  EXPECT_EQ(q.rule->source_v6, ip("2001:db8:2::12"));
}

TEST(QuickMode, TwoIpv4SourcesAreAnError) {
  EXPECT_THAT(refusal("198.51.100.12,198.51.100.110"),
              ElementsAre("SRCBIND_SOURCE: two IPv4 sources (198.51.100.12 and 198.51.100.110); a rule has at most one "
                          "source per family"));
}

TEST(QuickMode, BadAddressIsAnError) {
  EXPECT_THAT(refusal("198.51.100.300"),
              ElementsAre("SRCBIND_SOURCE: source \"198.51.100.300\" is not an IPv4 or IPv6 address (or @INTERFACE)"));
}

TEST(QuickMode, AtLoGivesTheLoopbackAddresses) {
  const Quick q = quick("@lo");
  ASSERT_TRUE(q.rule);
  EXPECT_EQ(q.rule->source_v4, ip("127.0.0.1"));
  EXPECT_EQ(q.rule->source_v6, ip("::1"));
}

TEST(QuickMode, AtLoOnThisHost) {
  std::vector<Diagnostic> diagnostics;
  const auto rule = quick_mode_rule("@lo", "", HostInterfaces::current(), diagnostics);
  ASSERT_TRUE(rule) << (diagnostics.empty() ? "" : diagnostics[0].to_string());
  EXPECT_EQ(rule->source_v4, ip("127.0.0.1"));
  if (rule->source_v6) {
    EXPECT_EQ(*rule->source_v6, ip("::1"));
  }
}

TEST(QuickMode, InterfaceOnlyIsARuleWithoutSource) {
  const Quick q = quick("", "eth0");
  EXPECT_THAT(messages(q.diagnostics), ElementsAre());
  ASSERT_TRUE(q.rule);
  EXPECT_EQ(q.rule->interface, "eth0");
  EXPECT_FALSE(q.rule->source_v4);
  EXPECT_FALSE(q.rule->source_v6);
  EXPECT_EQ(q.rule->file, "SRCBIND_INTERFACE");
  EXPECT_TRUE(q.rule->applies_to(Family::v4));
  EXPECT_TRUE(q.rule->applies_to(Family::v6));
}

TEST(QuickMode, SourceAndItsInterface) {
  const Quick q = quick("198.51.100.12", "eth1");
  ASSERT_TRUE(q.rule);
  EXPECT_EQ(q.rule->interface, "eth1");
}

TEST(QuickMode, SourceOnAnotherInterfaceIsAnError) {
  EXPECT_THAT(refusal("198.51.100.12", "eth0"),
              ElementsAre("SRCBIND_SOURCE: source 198.51.100.12 is on interface eth1, not on eth0: packets would leave "
                          "through eth0 and replies arrive on eth1 (a silent hang)"));
}

TEST(QuickMode, UnknownInterfaceIsAnErrorButTheRuleStaysToFailClosed) {
  const Quick q = quick("", "eth9");
  ASSERT_TRUE(q.rule);   // the library keeps it: SO_BINDTODEVICE fails with ENODEV
  EXPECT_EQ(q.rule->interface, "eth9");
  EXPECT_THAT(messages(q.diagnostics),
              ElementsAre("SRCBIND_INTERFACE: interface \"eth9\" is not on this host (SO_BINDTODEVICE would fail with "
                          "ENODEV)"));
  ASSERT_EQ(q.diagnostics.size(), 1u);
  EXPECT_TRUE(q.diagnostics[0].host_state);
}

TEST(QuickMode, SourceNotOnThisHostIsAWarningAndTheRuleStays) {
  const Quick q = quick("203.0.113.99");
  ASSERT_TRUE(q.rule);
  EXPECT_THAT(messages(q.diagnostics),
              ElementsAre("SRCBIND_SOURCE: warning: source 203.0.113.99 is not an address of this host (binding it "
                          "will fail with EADDRNOTAVAIL)"));
}

TEST(QuickMode, NothingSetIsNoRule) {
  const Quick q = quick("  ", "");
  EXPECT_FALSE(q.rule);
  EXPECT_TRUE(q.diagnostics.empty());
}

}  // namespace
}  // namespace srcbind::test
