// --check warns about rules that can never win: longest prefix first, then the
// rule written first (SPEC "Matching").
#include "rule_shadowing.hpp"
#include "made_up_host.hpp"

#include "srcbind/ini_parser.hpp"

#include <gtest/gtest.h>

namespace srcbind::cli {
namespace {

RuleTable parse(std::string_view text) {
  RuleTable t = parse_config_text(text, "test.ini", test::made_up_host());
  for (const Diagnostic& d : t.diagnostics) ADD_FAILURE() << d.to_string();
  return t;
}

std::vector<std::string> shadowed_names(std::string_view text) {
  const RuleTable t = parse(text);
  std::vector<std::string> names;
  for (const ShadowedRule& s : find_shadowed_rules(t.rules)) names.push_back(s.rule->name);
  return names;
}

using Names = std::vector<std::string>;

TEST(RuleShadowing, ALaterRuleWithTheSameDestinationAndNoNarrowerFiltersNeverWins) {
  EXPECT_EQ(shadowed_names("[rule a]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n"
                           "[rule b]\ndestination = 203.0.113.0/24\nport = 21\nprotocol = tcp\nprogram = ftp\n"
                           "source = 198.51.100.10\n"),
            Names{"b"});
}

TEST(RuleShadowing, ALongerPrefixWinsWhateverTheOrder) {
  EXPECT_EQ(shadowed_names("[rule wide]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n"
                           "[rule narrow]\ndestination = 203.0.113.10\nsource = 198.51.100.10\n"),
            Names{});
}

TEST(RuleShadowing, NarrowerFiltersFirstLeaveTheLaterRuleAChance) {
  EXPECT_EQ(shadowed_names("[rule ftp-only]\ndestination = 203.0.113.0/24\nport = 21\nsource = 198.51.100.12\n"
                           "[rule rest]\ndestination = 203.0.113.0/24\nsource = 198.51.100.10\n"
                           "[rule udp-only]\ndestination = 203.0.113.0/24\nprotocol = udp\nsource = 198.51.100.12\n"),
            Names{"udp-only"});
}

TEST(RuleShadowing, PortRangesAreComparedAsSets) {
  EXPECT_EQ(shadowed_names("[rule a]\ndestination = 203.0.113.0/24\nport = 20-21, 22, 30000-30100\n"
                           "source = 198.51.100.12\n"
                           "[rule inside]\ndestination = 203.0.113.0/24\nport = 21-22, 30050\nsource = 198.51.100.10\n"
                           "[rule outside]\ndestination = 203.0.113.0/24\nport = 21, 23\nsource = 198.51.100.10\n"),
            Names{"inside"});
}

TEST(RuleShadowing, EveryDestinationOfTheRuleMustBeCovered) {
  EXPECT_EQ(shadowed_names("[rule a]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n"
                           "[rule b]\ndestination = 203.0.113.0/24, 198.51.100.128/25\nsource = 198.51.100.10\n"),
            Names{});
}

TEST(RuleShadowing, ARuleWithoutASourceOfTheFamilyDoesNotCoverIt) {
  EXPECT_EQ(shadowed_names("[rule v4-only]\ndestination = *\nsource = 198.51.100.12\n"
                           "[rule v6-too]\ndestination = *\nsource = 198.51.100.10, 2001:db8:2::12\n"),
            Names{});
}

TEST(RuleShadowing, StarDoesNotCoverAnExplicitDefaultRouteBecauseOfLoopback) {
  EXPECT_EQ(shadowed_names("[rule star]\ndestination = *\nsource = 198.51.100.12\n"
                           "[rule all]\ndestination = 0.0.0.0/0\nsource = 198.51.100.10\n"
                           "[rule star-again]\ndestination = *\nsource = 198.51.100.10\n"),
            Names{"star-again"});
}

TEST(RuleShadowing, ProgramFiltersAreComparedAsSets) {
  EXPECT_EQ(shadowed_names("[rule a]\ndestination = 203.0.113.0/24\nprogram = wget, curl\nsource = 198.51.100.12\n"
                           "[rule subset]\ndestination = 203.0.113.0/24\nprogram = curl\nsource = 198.51.100.10\n"
                           "[rule other]\ndestination = 203.0.113.0/24\nprogram = lftp\nsource = 198.51.100.10\n"),
            Names{"subset"});
}

TEST(RuleShadowing, NamesTheRulesThatWin) {
  const RuleTable t = parse("[rule a]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n"
                            "[rule b]\ndestination = 2001:db8:1::/48\nsource = 2001:db8:2::12\n"
                            "[rule c]\ndestination = 203.0.113.0/24, 2001:db8:1::/48\n"
                            "source = 198.51.100.10, 2001:db8:2::12\n");
  const auto shadowed = find_shadowed_rules(t.rules);
  ASSERT_EQ(shadowed.size(), 1u);
  EXPECT_EQ(shadowed[0].rule->name, "c");
  ASSERT_EQ(shadowed[0].winners.size(), 2u);
  EXPECT_EQ(shadowed[0].winners[0]->name, "a");
  EXPECT_EQ(shadowed[0].winners[1]->name, "b");
}

}  // namespace
}  // namespace srcbind::cli
