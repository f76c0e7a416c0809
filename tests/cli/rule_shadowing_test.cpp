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
  EXPECT_EQ(shadowed_names(R"(
[rule a]
destination = 203.0.113.0/24
source = 198.51.100.12
[rule b]
destination = 203.0.113.0/24
port = 21
protocol = tcp
program = ftp
source = 198.51.100.10
)"),
            Names{"b"});
}

TEST(RuleShadowing, ALongerPrefixWinsWhateverTheOrder) {
  EXPECT_EQ(shadowed_names(R"(
[rule wide]
destination = 203.0.113.0/24
source = 198.51.100.12
[rule narrow]
destination = 203.0.113.10
source = 198.51.100.10
)"),
            Names{});
}

TEST(RuleShadowing, NarrowerFiltersFirstLeaveTheLaterRuleAChance) {
  EXPECT_EQ(shadowed_names(R"(
[rule ftp-only]
destination = 203.0.113.0/24
port = 21
source = 198.51.100.12
[rule rest]
destination = 203.0.113.0/24
source = 198.51.100.10
[rule udp-only]
destination = 203.0.113.0/24
protocol = udp
source = 198.51.100.12
)"),
            Names{"udp-only"});
}

TEST(RuleShadowing, PortRangesAreComparedAsSets) {
  EXPECT_EQ(shadowed_names(R"(
[rule a]
destination = 203.0.113.0/24
port = 20-21, 22, 30000-30100
source = 198.51.100.12
[rule inside]
destination = 203.0.113.0/24
port = 21-22, 30050
source = 198.51.100.10
[rule outside]
destination = 203.0.113.0/24
port = 21, 23
source = 198.51.100.10
)"),
            Names{"inside"});
}

TEST(RuleShadowing, EveryDestinationOfTheRuleMustBeCovered) {
  EXPECT_EQ(shadowed_names(R"(
[rule a]
destination = 203.0.113.0/24
source = 198.51.100.12
[rule b]
destination = 203.0.113.0/24, 198.51.100.128/25
source = 198.51.100.10
)"),
            Names{});
}

TEST(RuleShadowing, ARuleWithoutASourceOfTheFamilyDoesNotCoverIt) {
  EXPECT_EQ(shadowed_names(R"(
[rule v4-only]
destination = *
source = 198.51.100.12
[rule v6-too]
destination = *
source = 198.51.100.10, 2001:db8:2::12
)"),
            Names{});
}

TEST(RuleShadowing, StarDoesNotCoverAnExplicitDefaultRouteBecauseOfLoopback) {
  EXPECT_EQ(shadowed_names(R"(
[rule star]
destination = *
source = 198.51.100.12
[rule all]
destination = 0.0.0.0/0
source = 198.51.100.10
[rule star-again]
destination = *
source = 198.51.100.10
)"),
            Names{"star-again"});
}

TEST(RuleShadowing, ProgramFiltersAreComparedAsSets) {
  EXPECT_EQ(shadowed_names(R"(
[rule a]
destination = 203.0.113.0/24
program = wget, curl
source = 198.51.100.12
[rule subset]
destination = 203.0.113.0/24
program = curl
source = 198.51.100.10
[rule other]
destination = 203.0.113.0/24
program = lftp
source = 198.51.100.10
)"),
            Names{"subset"});
}

TEST(RuleShadowing, NamesTheRulesThatWin) {
  const RuleTable t = parse(R"(
[rule a]
destination = 203.0.113.0/24
source = 198.51.100.12
[rule b]
destination = 2001:db8:1::/48
source = 2001:db8:2::12
[rule c]
destination = 203.0.113.0/24, 2001:db8:1::/48
source = 198.51.100.10, 2001:db8:2::12
)");
  const auto shadowed = find_shadowed_rules(t.rules);
  ASSERT_EQ(shadowed.size(), 1u);
  EXPECT_EQ(shadowed[0].rule->name, "c");
  ASSERT_EQ(shadowed[0].winners.size(), 2u);
  EXPECT_EQ(shadowed[0].winners[0]->name, "a");
  EXPECT_EQ(shadowed[0].winners[1]->name, "b");
}

}  // namespace
}  // namespace srcbind::cli
